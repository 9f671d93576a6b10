"""Paths exchanged with other programs: the part of :class:`PathsController` that exports
paths to files (audio, MIDI, CSV, JSON), imports them back, and streams them over OSC.

A mixin so the controller stays one readable page (as :mod:`latentscape.session_actions` is
for the explorer); it uses the controller's explorer (``c``), library, exporter, player, panel,
``osc_host`` / ``osc_port``, ``_guard``, ``_refresh`` and its ``exportFinished`` /
``exportFailed`` signals. Audio renders on the exporter's worker
(:mod:`latentscape.paths_export`); the rest runs here.

Thread: GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import import_path
from latentscape.engines.paths.midi_export import (
    DEFAULT_LATENT_CCS,
    corpus_range,
    heard_range,
)
from latentscape.paths_export import FILTERS, default_file_name

MIDI_RANGE_SOUNDS = 500  # sounds sampled for the MIDI lanes' range (corpus_range)
IMPORT_FILTER = "latentscape paths (*.json);;CSV paths (*.csv);;All files (*)"


class PathsExchange:
    """Mixed into ``PathsController`` (GUI thread)."""

    # -- export / import ---------------------------------------------------------------------
    def export(self, path_id: str, fmt: str, out: str | Path) -> bool:
        """Write path ``path_id`` as ``fmt`` (wav, flac, midi, csv, json) to ``out``.

        Audio renders in the background (``exportFinished`` when written) with the path's
        seed, at ``exporter.sample_rate_hz`` (None: model rate), and with the path's own lane
        of latent controls (QA s19 M3: the file sounds as the path plays, whatever the
        sliders are now); a path without a lane takes the live latent transform.
        """
        if path_id not in self.library:
            return False
        model, path = self.c.model, self.library.path(path_id)
        return self.exporter.export(
            path,
            fmt,
            out,
            engine=model.engine if model is not None else None,
            transform=self.c.audio.transform if path.controls is None else None,
            latent_range=self._midi_range(path) if fmt == "midi" else None,
        )

    def _midi_range(self, path) -> np.ndarray | None:
        """The MIDI latent lanes' range: what the map's sounds span (``corpus_range``), for a
        path of their latent space (the loaded model's, the project's); None (the default
        range) otherwise."""
        model, trajectories = self.c.model, list(self.c.state.trajectories.values())
        if model is None or not trajectories or not path.plays_with(model.info):
            return None  # a path of another model: the map's sounds say nothing of its range
        if self.c.project_space != model.info.space:
            return None
        step = max(1, len(trajectories) // MIDI_RANGE_SOUNDS)  # a few hundred sounds say it
        ccs = self.exporter.midi_options.get("latent_ccs", DEFAULT_LATENT_CCS)
        sounds = corpus_range(np.concatenate(trajectories[::step]))[: len(ccs)]
        return heard_range(sounds, path.controls)  # the lane moves the latents out of it

    def import_file(self, file: str | Path) -> str:
        """Add the path in a JSON (or CSV) file; returns its id ("" on a refused file)."""
        try:
            path = import_path(file)
        except (LatentscapeError, OSError) as exc:
            self.c.errorOccurred.emit(str(exc))
            return ""
        path_id = self._guard(lambda: self.library.add(path))
        if path_id:
            self._refresh(select=path_id)
            self.c.last_played = ("path", path_id)
            model = self.c.model
            if model is not None and model.engine.latent_size != path.latent_size:
                self.c.message.emit(
                    f"Imported '{path.name}' ({path.latent_size} latent dims; the loaded model "
                    f"has {model.engine.latent_size})"
                )
            else:
                self.c.message.emit(f"Imported '{path.name}'")
        return path_id

    def ask_save_file(self, fmt: str, suggested: str) -> str:
        """The file dialog for an export ("" when cancelled)."""
        parent = self.c.views.dialog_parent
        file, _ = QtWidgets.QFileDialog.getSaveFileName(
            parent, "Export path", suggested, FILTERS[fmt]
        )
        return file

    def ask_open_file(self) -> str:
        parent = self.c.views.dialog_parent
        file, _ = QtWidgets.QFileDialog.getOpenFileName(parent, "Import path", "", IMPORT_FILTER)
        return file

    def _on_export_requested(self, path_id: str, fmt: str) -> None:
        if path_id not in self.library:
            return
        folder = Path(self.c.store.path).parent if self.c.store is not None else Path.home()
        suggested = folder / default_file_name(self.library.path(path_id).name, fmt)
        out = self.ask_save_file(fmt, str(suggested))
        if out:
            self.export(path_id, fmt, out)

    def _on_import_requested(self) -> None:
        file = self.ask_open_file()
        if file:
            self.import_file(file)

    def _on_exported(self, file: str) -> None:
        self.c.message.emit(f"Exported {Path(file).name}")
        self.exportFinished.emit(file)

    def _on_export_failed(self, message: str) -> None:
        self.c.errorOccurred.emit(message)
        self.exportFailed.emit(message)

    # -- OSC ---------------------------------------------------------------------------------
    def set_osc_enabled(self, on: bool) -> bool:
        """Stream over OSC to ``osc_host:osc_port`` while paths play and the user drags."""
        if not on:
            self.player.set_osc(None)
            self._set_osc_check(False)
            return False
        from latentscape.engines.paths.osc_stream import OscStreamer

        try:
            streamer = OscStreamer(self.osc_host, int(self.osc_port))
        except LatentscapeError as exc:
            self.player.set_osc(None)  # no stream to an old target behind an unticked box
            self.c.errorOccurred.emit(str(exc))
            self._set_osc_check(False)
            return False
        self.player.set_osc(streamer)
        self._set_osc_check(True)
        self.c.message.emit(f"Streaming OSC to {self.osc_host}:{self.osc_port}")
        return True

    def set_osc_target(self, host: str, port: int) -> None:
        """Send OSC to ``host:port`` from now on (remembered; a running stream moves there)."""
        if (host, int(port)) == (self.osc_host, self.osc_port):
            return  # leaving the field unchanged must not restart the stream
        self.osc_host, self.osc_port = host, int(port)
        qs = self.c.settings.qsettings
        qs.setValue("osc/host", host)
        qs.setValue("osc/port", int(port))
        self.panel.set_osc_target(host, int(port))
        if self.player.osc is not None:
            self.set_osc_enabled(True)

    def _set_osc_check(self, on: bool) -> None:
        with QtCore.QSignalBlocker(self.panel.osc_check):
            self.panel.osc_check.setChecked(on)
