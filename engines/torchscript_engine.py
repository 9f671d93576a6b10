"""Engine for TorchScript models that follow the nn~ convention (RAVE v1/v2 exports and others).

Only ``torch.jit.load`` is used: no RAVE code is imported or copied. Everything is read from the
file: the method list (``get_methods()``, else the scripted method names), each method's
``<name>_params = [in_channels, in_ratio, out_channels, out_ratio]`` buffer, the sample rate
(``sr`` or v1's ``sampling_rate``) and ``full_latent_size``.

Design notes (facts from DESIGN.md §3, measured on RAVE 2.3.1 exports):

- ``encode`` samples the posterior and ``decode`` pads cropped dims with fresh noise, so both are
  random. A seed makes them repeatable (:mod:`.torch_runtime`); ``encode_passes`` > 1 averages
  several encodes for steadier map positions.
- Streaming exports keep state in ``…pad``/``…cache`` buffers; each voice gets its own copy
  (:mod:`.script_state`). Non-streaming exports stream through overlapping, cross-faded windows
  (:mod:`.crossfade_stream`). An offline ``decode`` longer than ``DECODE_CHUNK_FRAMES`` runs
  in pieces (bounded memory): a streaming export's through a private slot (the same sound), a
  non-streaming one's in windows with ``OFFLINE_CONTEXT_FRAMES`` of context on each side,
  cross-faded (the same sound when the model's receptive field fits in the context).
- Calls run under ``torch.inference_mode()``, one torch thread by default, after three warm-up
  calls (the first calls are several times slower).
- Exports of our own VAE (``latentscape export``) stream through the compiled frame kernel of
  :mod:`.vae.fast_stream` once it is shown to reproduce the file's own decode: 4.4x the bare
  ``decode`` loop at one frame per call (bench/engine_stream.py), where per-call overhead
  alone would keep any host under 0.95 of it for a 0.3 ms model.

- ``device``: models can run on a CUDA GPU (inputs go there, outputs come back to the CPU,
  seeded noise is drawn from that GPU's generator). Exports of our own VAE stay on the CPU,
  where their frame kernel runs.

Threads: any thread may call the engine; calls into the model are serialised by a per-model
lock (the state swap needs it, and one TorchScript module is not re-entrant with state).
"""

from __future__ import annotations

import contextlib
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from .contract import as_trajectory
from .crossfade_stream import CrossfadeStreamDecoder, decode_in_windows
from .errors import ModelLoadError, ModelRuntimeError, one_line
from .loader import exported_latent_space
from .model_info import ModelInfo
from .script_state import StateSlot, StateSlots
from .script_stream import ScriptStreamDecoder
from .torch_runtime import (
    DECODE_CHUNK_FRAMES,
    call_seed,
    configure_runtime,
    decode_scope,
    pick_device,
    seeded,
)

if TYPE_CHECKING:
    from .vae.fast_stream import FrameWeights

WARMUP_CALLS = 3
# Context on each side of an offline window of a non-streaming export, in latent frames: at
# hop 2048 (RAVE v2) 3 s, beyond the receptive field of its decoder stack; +12.5 % of decode.
OFFLINE_CONTEXT_FRAMES = 64
_ALREADY_INSIDE = contextlib.nullcontext()


def _inference_scope() -> contextlib.AbstractContextManager[None]:
    """Inference mode for one call, unless the thread already runs in it (a decode scope)."""
    return _ALREADY_INSIDE if torch.is_inference_mode_enabled() else torch.inference_mode()


def _method_names(model: torch.jit.ScriptModule) -> list[str]:
    if hasattr(model, "get_methods"):
        try:
            return [str(m) for m in model.get_methods()]
        except Exception:  # a broken get_methods must not hide the methods that exist
            pass
    return [str(m) for m in model._c._method_names()]


def _params(model: torch.jit.ScriptModule, method: str) -> tuple[int, int, int, int]:
    buf = getattr(model, f"{method}_params", None)
    if not isinstance(buf, torch.Tensor) or buf.numel() != 4:
        raise ModelLoadError(
            f"method '{method}' has no valid '{method}_params' buffer "
            "([in_channels, in_ratio, out_channels, out_ratio]); not an nn~-convention model"
        )
    values = tuple(int(v) for v in buf.flatten().tolist())
    if min(values) < 1:
        raise ModelLoadError(f"'{method}_params' holds non-positive values {list(values)}")
    return values  # type: ignore[return-value]


def _int_attr(model: torch.jit.ScriptModule, *names: str) -> int | None:
    for name in names:
        value = getattr(model, name, None)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, int | float) and value > 0:
            return int(value)
    return None


class TorchScriptEngine:
    """A :class:`~.contract.ModelEngine` over one nn~-convention TorchScript file.

    Parameters
    ----------
    path
        The ``.ts`` file.
    stereo
        Ask a model that offers ``set_stereo_mode`` for two output channels.
    threads
        torch intra-op threads for this process (1 is best on a small busy machine).
    encode_passes
        How many seeded encodes to average for a stable map position.
    context_frames, lookahead_frames
        Window overlap for streaming a *non-streaming* model (see :mod:`.crossfade_stream`).
    frame_kernel
        Stream ``.ts`` exports of our own VAE through its compiled frame kernel (default);
        False keeps them on the TorchScript path (for comparisons).
    """

    kind = "torchscript"

    def __init__(
        self,
        path: str | Path,
        *,
        stereo: bool = False,
        threads: int = 1,
        encode_passes: int = 1,
        context_frames: int = 8,
        lookahead_frames: int = 1,
        content_hash: str = "",
        frame_kernel: bool = True,
        device: str = "cpu",
    ) -> None:
        configure_runtime(threads)
        self._path = Path(path)
        self._lock = threading.Lock()
        self._encode_passes = max(1, encode_passes)
        self._context_frames = context_frames
        self._lookahead_frames = lookahead_frames
        try:
            self._device = pick_device(device)
        except ValueError as exc:
            raise ModelLoadError(f"{self._path.name}: device {device.strip()}: {exc}") from None
        model = self._load(self._device)
        ours = frame_kernel and getattr(model, "original_name", "") == "NnVae"
        if ours and self._device.type != "cpu":  # our VAE's exports stream on the CPU kernel
            self._device = torch.device("cpu")
            model = self._load(self._device)
        self._model = model
        self._methods_by_name: dict[str, object] = {}
        self._methods = _method_names(model)
        if "decode" not in self._methods or not hasattr(model, "decode"):
            raise ModelLoadError(
                f"{self._path.name}: TorchScript module has no 'decode' method "
                "(nn~-convention models export encode/decode)"
            )
        latent, hop, channels, out_ratio = _params(model, "decode")
        if out_ratio != 1:
            raise ModelLoadError(f"{self._path.name}: decode must output audio (out_ratio 1)")
        self._latent = latent
        self._hop = hop
        self._channels = channels
        rate = _int_attr(model, "sr", "sampling_rate", "sample_rate")
        if rate is None:
            raise ModelLoadError(
                f"{self._path.name}: no sample rate attribute ('sr' or 'sampling_rate')"
            )
        self._rate = rate
        self._full_latent = _int_attr(model, "full_latent_size") or latent
        self._can_encode = "encode" in self._methods and hasattr(model, "encode")
        self._encode_channels = 1
        if self._can_encode:
            in_ch, in_ratio, enc_latent, enc_ratio = _params(model, "encode")
            if enc_latent != latent or enc_ratio // in_ratio != hop:
                raise ModelLoadError(
                    f"{self._path.name}: encode gives {enc_latent} dims every "
                    f"{enc_ratio // in_ratio} samples but decode takes {latent} every {hop}"
                )
            self._encode_channels = in_ch
        self._has_prior = "prior" in self._methods and hasattr(model, "prior")
        self._notes: list[str] = []
        if stereo and not hasattr(model, "set_stereo_mode"):
            self._notes.append("stereo requested but the model has no set_stereo_mode")
        self._parameter_count = int(sum(p.numel() for p in model.parameters()))
        try:
            self._start(model, stereo)
        except ModelLoadError as exc:
            if self._device.type == "cpu":
                raise
            # e.g. a model that makes its noise on the CPU: it still runs there
            self._notes.append(f"cannot run on {self._device} ({exc}): runs on the CPU")
            self._device = torch.device("cpu")
            model = self._load(self._device)
            self._start(model, stereo)
        if self._device.type != "cpu":
            self._notes.append(
                f"runs on {self._device} ({torch.cuda.get_device_name(self._device)})"
            )
        self._frame_weights = self._exported_vae_weights() if frame_kernel else None
        self._decoder_file: Path | None = None
        if self._frame_weights is not None:
            self._notes.append(
                "a latentscape VAE export: streams through the compiled frame kernel"
            )
        self._info = ModelInfo(
            path=str(self._path),
            kind=self.kind,
            sample_rate_hz=self._rate,
            channels=self._channels,
            latent_size=self._latent,
            full_latent_size=self._full_latent,
            hop_samples=self._hop,
            can_encode=self._can_encode,
            can_stream=self._slots.is_streaming,
            has_prior=self._has_prior,
            parameter_count=self._parameter_count,
            methods=tuple(self._methods),
            content_hash=content_hash,
            latent_space=exported_latent_space(self._path),
            notes=tuple(self._notes),
        )

    # -- contract properties -------------------------------------------------------------
    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def latent_size(self) -> int:
        return self._latent

    @property
    def hop_samples(self) -> int:
        return self._hop

    @property
    def can_encode(self) -> bool:
        return self._can_encode

    @property
    def can_stream(self) -> bool:
        return self._slots.is_streaming

    @property
    def has_prior(self) -> bool:
        return self._has_prior

    @property
    def uses_frame_kernel(self) -> bool:
        """True for an export of our VAE streamed through its compiled kernel."""
        return self._frame_weights is not None

    # -- calls -----------------------------------------------------------------------------
    def _start(self, model: torch.jit.ScriptModule, stereo: bool) -> None:
        """Make ``model`` the engine's: stereo mode, state slots, a checked warm-up."""
        self._model = model
        self._methods_by_name.clear()
        if stereo and hasattr(model, "set_stereo_mode"):
            with self._lock, torch.inference_mode():
                model.set_stereo_mode(torch.tensor(True))
        self._slots = StateSlots(model)
        self._validate_and_warm_up()

    def _load(self, device: torch.device) -> torch.jit.ScriptModule:
        """The file's module, every tensor on ``device``, in eval mode."""
        try:
            model = torch.jit.load(str(self._path), map_location=device)
        except Exception as exc:
            raise ModelLoadError(
                f"{self._path.name}: not a loadable TorchScript file ({one_line(exc)})"
            ) from None
        model.eval()
        return model

    @property
    def device(self) -> str:
        """Where the model runs: ``cpu`` or ``cuda:N``."""
        return str(self._device)

    def _call(
        self, method: str, x: torch.Tensor, slot: StateSlot | None, seed: int | None
    ) -> torch.Tensor:
        """Run ``method`` on ``x`` (a CPU tensor) with ``slot``'s state (None: a fresh, zeroed
        state); the result is on the CPU."""
        fn = self._methods_by_name.get(method)
        if fn is None:
            fn = self._methods_by_name[method] = getattr(self._model, method)
        with self._lock:
            own_slot = slot is None and self._slots.is_streaming
            if own_slot:
                slot = self._slots.new_slot()
            try:
                if slot is not None:
                    self._slots.activate(slot)
                try:
                    with seeded(seed, self._device), _inference_scope():
                        y = fn(x.to(self._device))
                except Exception as exc:
                    raise ModelRuntimeError(
                        f"{self._path.name}: {method} raised: {one_line(exc)}"
                    ) from None
                if slot is not None:
                    self._slots.collect(slot)
            finally:
                if own_slot and slot is not None:
                    self._slots.release(slot)
        if not isinstance(y, torch.Tensor) or y.dim() != 3:
            raise ModelRuntimeError(f"{self._path.name}: {method} did not return a 3-D tensor")
        if y.dtype != torch.float32:
            y = y.float()
        y = y.cpu()
        # NaN/Inf anywhere poisons the sum. A torch sum: 5x cheaper than isfinite().all(), and
        # right after a model call 8 us cheaper than numpy's (measured).
        if not math.isfinite(float(y.sum())):
            raise ModelRuntimeError(f"{self._path.name}: {method} returned NaN or Inf")
        return y

    def _validate_and_warm_up(self) -> None:
        """Check shapes of every method with a real call, and warm the decode path."""
        name = self._path.name
        slot = self._slots.new_slot() if self._slots.is_streaming else None
        try:
            frames = 2
            z = torch.zeros(1, self._latent, frames)
            for i in range(WARMUP_CALLS):
                try:
                    y = self._call("decode", z, slot, seed=i)
                except ModelRuntimeError as exc:
                    raise ModelLoadError(str(exc)) from None
                if i == 0 and slot is not None:
                    self._slots.detect_reassignment(slot)
            if y.shape[0] != 1 or y.shape[2] != frames * self._hop:
                raise ModelLoadError(
                    f"{name}: decode of [1, {self._latent}, {frames}] returned {list(y.shape)}, "
                    f"expected [1, {self._channels}, {frames * self._hop}]"
                )
            if y.shape[1] != self._channels:
                self._notes.append(
                    f"decode_params says {self._channels} channels, decode gives {y.shape[1]}"
                )
                self._channels = int(y.shape[1])
            if self._can_encode:
                x = torch.zeros(1, self._encode_channels, frames * self._hop)
                try:
                    z_out = self._call("encode", x, None, seed=0)
                except ModelRuntimeError as exc:
                    raise ModelLoadError(str(exc)) from None
                if tuple(z_out.shape) != (1, self._latent, frames):
                    raise ModelLoadError(
                        f"{name}: encode of [1, {self._encode_channels}, {frames * self._hop}] "
                        f"returned {list(z_out.shape)}, expected [1, {self._latent}, {frames}]"
                    )
        finally:
            if slot is not None:
                self._slots.release(slot)
            self._slots.zero_model_buffers()

    def _exported_vae_weights(self) -> FrameWeights | None:
        """Our own VAE's export streams ~4x faster through the kernel that
        :class:`~.vae.engine.VaeEngine` uses (same weights, output equal up to float rounding);
        the import of numba and the kernel is paid only for such files."""
        if getattr(self._model, "original_name", "") != "NnVae":
            return None
        from .vae.fast_stream import export_frame_weights

        return export_frame_weights(self._model)

    def _to_model_input(self, audio: np.ndarray) -> torch.Tensor:
        audio = np.asarray(audio, np.float32)
        if audio.ndim == 1:
            audio = audio[None, :]
        if audio.ndim != 2:
            raise ValueError(f"audio must be [channels, samples], got shape {audio.shape}")
        if audio.shape[0] != self._encode_channels:
            mono = audio.mean(axis=0, keepdims=True)
            audio = np.repeat(mono, self._encode_channels, axis=0)
        samples = audio.shape[1]
        padded = max(1, -(-samples // self._hop)) * self._hop
        if padded != samples:
            audio = np.pad(audio, ((0, 0), (0, padded - samples)))
        return torch.from_numpy(np.ascontiguousarray(audio))[None]

    def encode(self, audio: np.ndarray, seed: int | None = 0) -> np.ndarray:
        if not self._can_encode:
            raise NotImplementedError(f"{self._path.name} has no encode method")
        x = self._to_model_input(audio)
        passes = self._encode_passes
        total = None
        for i in range(passes):
            z = self._call("encode", x, None, call_seed(seed, i))
            total = z if total is None else total + z
        assert total is not None
        return (total / passes)[0].T.contiguous().numpy()

    def decode(self, trajectory: np.ndarray, seed: int | None = 0) -> np.ndarray:
        z = as_trajectory(trajectory, self._latent)
        if z.shape[0] == 0:
            return np.zeros((self._channels, 0), np.float32)
        if z.shape[0] > DECODE_CHUNK_FRAMES and not self._slots.is_streaming:
            return decode_in_windows(
                lambda window, index: self._decode_window(window, call_seed(seed, index)),
                z,
                self._hop,
                DECODE_CHUNK_FRAMES,
                OFFLINE_CONTEXT_FRAMES,
            )
        if z.shape[0] > DECODE_CHUNK_FRAMES:
            voice = ScriptStreamDecoder(self, seed)  # the state carries from piece to piece
            try:
                pieces = range(0, z.shape[0], DECODE_CHUNK_FRAMES)
                return np.concatenate(
                    [voice.decode(z[s : s + DECODE_CHUNK_FRAMES]) for s in pieces], 1
                )
            finally:
                voice.close()
        y = self._call("decode", torch.from_numpy(np.ascontiguousarray(z.T))[None], None, seed)
        return y[0].numpy()

    def decoder_file(self) -> Path | None:
        """For an export of our VAE decoded by the frame kernel (mono): a torch-free file a
        decoder process loads instead of this one (:func:`.vae.frame_stream.
        private_weights_file`); None for any other model."""
        if self._frame_weights is None or self._channels != 1:
            return None
        if self._decoder_file is None:
            from .vae.frame_stream import private_weights_file

            latency = _int_attr(self._model, "latency_samples") or 0
            self._decoder_file = private_weights_file(self, self._frame_weights, latency)
        return self._decoder_file

    def stream_decoder(self, seed: int | None = 0):
        if self._frame_weights is not None:
            from .vae.frame_stream import FrameStreamDecoder

            latency = _int_attr(self._model, "latency_samples") or 0
            return FrameStreamDecoder(self._frame_weights, latency, seed)
        if self._slots.is_streaming:
            return ScriptStreamDecoder(self, seed)
        return CrossfadeStreamDecoder(
            lambda window, index: self._decode_window(window, call_seed(seed, index)),
            self._hop,
            self._channels,
            context_frames=self._context_frames,
            lookahead_frames=self._lookahead_frames,
            scope=decode_scope,
        )

    def _decode_window(self, window: np.ndarray, seed: int | None) -> np.ndarray:
        z = torch.from_numpy(np.ascontiguousarray(window.T))[None]
        return self._call("decode", z, None, seed)[0].numpy()

    def sample_prior(
        self, frames: int, temperature: float = 1.0, seed: int | None = 0
    ) -> np.ndarray:
        if not self._has_prior:
            raise NotImplementedError(f"{self._path.name} has no prior method")
        in_ch, in_ratio, _, out_ratio = _params(self._model, "prior")
        length = max(1, frames * out_ratio // in_ratio)
        x = torch.full((1, in_ch, length), float(temperature))
        z = self._call("prior", x, None, seed)
        return z[0, : self._latent, :frames].T.contiguous().numpy()

    # used by ScriptStreamDecoder
    def _new_slot(self) -> StateSlot:
        with self._lock:
            return self._slots.new_slot()

    def _release_slot(self, slot: StateSlot) -> None:
        with self._lock:
            self._slots.release(slot)
