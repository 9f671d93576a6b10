"""Where the voices decode: a decoder process when possible, else threads in the app.

:class:`Decoding` picks and starts the :class:`~.voice_host.VoiceHost` (local) or the
:class:`~.voice_host_process.RemoteVoiceHost` (decoder process) for
:class:`~.engine.AudioEngine`, swaps models, and falls back to local decoding when the decoder
process dies. Owner thread (and the engine's watch thread, under the engine's lock).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..contract import ModelEngine
from ..errors import LatentscapeError
from .latent_transform import LatentTransform
from .shared_state import FINISHED, FREE, S_STATE, S_STOP, SharedState
from .voice_host import VoiceHost
from .voice_host_process import RemoteVoiceHost
from .voices import OutputFormat


@dataclass(frozen=True)
class DecodeSettings:
    fade_ms: float
    glide_ms: float
    lead_margin_s: float


def model_file(engine: ModelEngine | None) -> str | None:
    """The file a decoder process can load ``engine`` from ("" for no model; None: none): the
    engine's torch-free ``decoder_file()`` when it has one (a process that loads it starts in
    ~0.7 s instead of ~1.9 s), else the model file itself."""
    if engine is None:
        return ""
    decoder_file = getattr(engine, "decoder_file", None)
    if decoder_file is not None:
        with contextlib.suppress(OSError, LatentscapeError):  # e.g. a full temp folder
            path = decoder_file()
            if path is not None:
                return str(path)
    path = getattr(getattr(engine, "info", None), "path", "")
    return path if path and Path(path).is_file() else None


class Decoding:
    """The active voice host and why it is where it is."""

    def __init__(self, state: SharedState, fmt: OutputFormat, settings: DecodeSettings) -> None:
        self._state = state
        self._fmt = fmt
        self._settings = settings
        self.host: VoiceHost | RemoteVoiceHost | None = None
        self.mode = ""
        self.note = ""

    def start(
        self,
        choice: str,
        engine: ModelEngine | None,
        state_path: Path | None,
        seed: int | None,
        transform: LatentTransform,
    ) -> None:
        """Start a host: ``choice`` is ``"process"``, ``"thread"`` or ``"auto"``."""
        path = model_file(engine)
        want_process = choice == "process" or (choice == "auto" and path is not None)
        self.note = ""
        if want_process and path is not None and state_path is not None:
            s = self._settings
            remote = RemoteVoiceHost(
                state_path,
                self._state.layout,
                path,
                self._fmt.sample_rate_hz,
                self._fmt.block_frames,
                fade_ms=s.fade_ms,
                glide_ms=s.glide_ms,
                lead_margin_s=s.lead_margin_s,
                seed=seed,
            )
            try:
                remote.start()
                remote.set_transform(transform)
                self.host, self.mode = remote, "process"
                return
            except RuntimeError as exc:
                self.note = f"decoding in the app's process: {exc}"
        elif want_process:
            self.note = "decoding in the app's process: the model is not a file"
        self._start_local(engine, seed, transform)

    def _start_local(
        self, engine: ModelEngine | None, seed: int | None, transform: LatentTransform
    ) -> None:
        s = self._settings
        host = VoiceHost(
            self._state,
            self._fmt,
            engine,
            fade_ms=s.fade_ms,
            glide_ms=s.glide_ms,
            lead_margin_s=s.lead_margin_s,
            seed=seed,
        )
        host.set_transform(transform)
        self.host, self.mode = host, "thread"

    def check(
        self, engine: ModelEngine | None, seed: int | None, transform: LatentTransform
    ) -> bool:
        """Fall back to local decoding if the decoder process died; True when it did."""
        host = self.host
        if not isinstance(host, RemoteVoiceHost):
            return False
        reason = host.poll()
        if reason is None:
            return False
        host.close()
        for slot in range(self._state.layout.slots):  # its voices have no producer any more
            si = self._state.slot_ints(slot)
            if si[S_STATE] not in (FREE, FINISHED):
                si[S_STOP] = 1
        self._start_local(engine, seed, transform)
        self.note = f"{reason}; decoding in the app's process"
        return True

    def set_model(
        self, engine: ModelEngine | None, seed: int | None, transform: LatentTransform
    ) -> None:
        """Decode with ``engine`` from now on (every voice stops)."""
        host = self.host
        if isinstance(host, RemoteVoiceHost):
            path = model_file(engine)
            if path is not None:
                host.set_model(path, seed)
                return
            host.close()
            self._start_local(engine, seed, transform)
            self.note = "decoding in the app's process: the model is not a file"
        elif host is not None:
            host.set_model(engine, seed)

    def close(self, wait: bool = True) -> None:
        """Stop decoding; ``wait=False`` lets a decoder process exit on its own time."""
        host, self.host = self.host, None
        if isinstance(host, RemoteVoiceHost):
            host.close(wait=wait)
        elif host is not None:
            host.close()
