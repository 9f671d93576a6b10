"""``PathExporter``: write a latent path as audio (WAV/FLAC), MIDI CC, CSV or JSON from the GUI.

Automation formats (MIDI, CSV, JSON) take milliseconds and are written on the GUI thread. Audio
runs the model, so it renders on a worker (:class:`~latentscape.tasks.TaskRunner`) with the
path's seed and its lane of latent controls (a path without one: the live latent transform)
— the same voice code as live playback
(:func:`latentscape.engines.paths.render.render_path`, backend ``voice``), so the file is what
playing the path sounds like, and the same every time.

Thread: create and call on the GUI thread; the render runs on the exporter's worker.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from latentscape.engines.errors import LatentscapeError, one_line
from latentscape.engines.paths import LatentPath, export_path
from latentscape.engines.paths.playback import playback_of
from latentscape.tasks import TaskRunner

AUDIO_FORMATS = ("wav", "flac")
SUFFIXES = {"wav": ".wav", "flac": ".flac", "midi": ".mid", "csv": ".csv", "json": ".json"}
FILTERS = {
    "wav": "WAV audio (*.wav)",
    "flac": "FLAC audio (*.flac)",
    "midi": "MIDI file (*.mid *.midi)",
    "csv": "CSV table (*.csv)",
    "json": "latentscape path (*.json)",
}


def default_file_name(path_name: str, fmt: str) -> str:
    """A file name for ``path_name`` exported as ``fmt`` (unsafe characters replaced)."""
    safe = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in path_name).strip() or "path"
    return safe + SUFFIXES[fmt]


def with_suffix(out: str | Path, fmt: str) -> Path:
    """``out`` with the format's extension added when the user left it off."""
    out = Path(out)
    accepted = {SUFFIXES[fmt], ".midi"} if fmt == "midi" else {SUFFIXES[fmt]}
    return out if out.suffix.lower() in accepted else out.with_name(out.name + SUFFIXES[fmt])


class PathExporter(QObject):
    """Exports paths; reports on the GUI thread.

    Signals
    -------
    finished(str file)
        A file was written.
    failed(str message)
        One-line reason an export did not happen.
    progress(str text)
        What runs ("" when idle), for the status bar.
    """

    finished = Signal(str)
    failed = Signal(str)
    progress = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = TaskRunner(max_threads=1, parent=self)  # renders queue one after another
        self._cancel = threading.Event()
        self.running = 0
        self.midi_options: dict = {}  # e.g. {"fourteen_bit": True, "latent_ccs": (18, 19)}
        self.sample_rate_hz: int | None = None  # audio export rate; None = the model's own

    def export(
        self,
        path: LatentPath,
        fmt: str,
        out: str | Path,
        *,
        engine=None,
        transform=None,
        latent_range=None,
    ) -> bool:
        """Write ``path`` to ``out``; audio formats need ``engine`` and run in the background.
        ``latent_range``: the MIDI latent lanes' range (per dim pairs), unless ``midi_options``
        sets one.

        Returns True when the export was written (automation) or started (audio).
        """
        out = with_suffix(out, fmt)
        if fmt not in AUDIO_FORMATS:
            try:
                options = dict(self.midi_options) if fmt == "midi" else {}
                if fmt == "midi" and latent_range is not None:
                    options.setdefault("latent_range", latent_range)
                file = export_path(path, fmt, out, **options)
            except (LatentscapeError, OSError) as exc:
                self.failed.emit(one_line(exc))
                return False
            self.finished.emit(str(file))
            return True
        if engine is None:
            self.failed.emit(f"Load a model to render '{path.name}' to {fmt.upper()}")
            return False
        if not path.plays_with(engine.info):
            self.failed.emit(
                f"'{path.name}' was recorded with another model: load that model to render it"
            )
            return False
        rate = self.sample_rate_hz
        speed = playback_of(path)[1]
        cancel = self._cancel
        label = f"Rendering '{path.name}' to {out.name}…"

        def render(ctx) -> str:  # worker thread: only the frozen arguments above
            def on_progress(done: int, total: int) -> None:
                ctx.progress(done, total, label)

            file = export_path(
                path,
                fmt,
                out,
                engine=engine,
                seed="path",
                speed=speed,  # as it plays: the path's own Speed (QA s19 Q2-09)
                sample_rate_hz=rate,
                transform=transform,
                progress=on_progress,
                cancel=cancel,
            )
            return str(file)

        self.running += 1
        self.progress.emit(label)
        self._runner.submit(
            render,
            on_done=self._on_done,
            on_error=self._on_error,
            on_progress=self._on_progress,
        )
        return True

    def shutdown(self, grace_ms: int = 10_000, timeout_ms: int = 30_000) -> None:
        """The window closes: let the renders under way finish for up to ``grace_ms`` (a path
        of a few seconds takes well under one), then abandon the rest and wait (blocking)."""
        if not self._runner.wait(grace_ms):
            self._cancel.set()
            self._runner.wait(timeout_ms)

    def wait(self, timeout_ms: int = -1) -> bool:
        return self._runner.wait(timeout_ms)

    # -- GUI-thread handlers -----------------------------------------------------------------
    def _on_progress(self, done: int, total: int, text: str) -> None:
        pct = 100 * done // total if total else 0
        self.progress.emit(f"{text} {pct}%")

    def _on_done(self, file: str) -> None:
        self.running -= 1
        if not self.running:
            self.progress.emit("")
        self.finished.emit(file)

    def _on_error(self, exc: BaseException, tb: str) -> None:
        self.running -= 1
        if not self.running:
            self.progress.emit("")
        self.failed.emit(one_line(exc))
