"""Render every widgets/ view, filled with synthetic demo data, to PNG files.

Run through ``scripts/screenshot_widgets [OUT_DIR]``. Not a test module (no ``test_`` prefix):
it exists so a person can look at each view, as the issue asks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6 import QtWidgets

from latentscape.widgets import theme
from latentscape.widgets.spectrogram_math import magnitude_db

SR = 22_050


def demo_audio(seconds: float, seed: int) -> np.ndarray:
    """A little synthetic phrase: a gliding harmonic tone with noise bursts."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 180 + 120 * np.sin(2 * np.pi * 0.3 * t + seed)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    tone = sum(np.sin(k * phase) / k for k in range(1, 8)) * 0.25
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 1.5 * t) ** 2
    noise = rng.normal(0, 0.05, len(t)) * (np.sin(2 * np.pi * 0.7 * t) > 0.6)
    return (tone * env + noise).astype(np.float32)


def demo_map(n_per: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    folders = ["drums", "bass", "pads", "vocals", "fx", "keys", "strings", "field recordings"]
    xy, cats, names = [], [], []
    for k, folder in enumerate(folders):
        centre = rng.uniform(-10, 10, 2)
        pts = centre + rng.normal(0, 1.0 + 0.3 * k % 3, (n_per, 2))
        xy.append(pts)
        cats += [folder] * n_per
        names += [f"{folder}/{folder[:4]}_{i:03d}.wav" for i in range(n_per)]
    xy = np.concatenate(xy).astype(np.float32)
    generated = rng.random(len(xy)) < 0.004
    return xy, cats, names, generated


def render_map(out: Path) -> None:
    from latentscape.widgets.map_view import MapView

    view = MapView()
    view.resize(900, 640)
    xy, cats, names, generated = demo_map()
    view.set_points(xy, cats, names, generated)
    # Density: a histogram of the points, blurred a little by coarse bins.
    h, xe, ye = np.histogram2d(xy[:, 0], xy[:, 1], bins=64)
    view.set_density(h.T.astype(np.float32), (xe[0], xe[-1], ye[0], ye[-1]))
    view.set_density_visible(True)
    t = np.linspace(0, 1, 80)
    path = np.stack([-8 + 14 * t, 6 * np.sin(3 * t) - 2], axis=1).astype(np.float32)
    other = np.stack([4 - 6 * t, -8 + 10 * t**2], axis=1).astype(np.float32)
    view.set_paths([(path, "sweep", True), (other, "rise", False)])
    view.show()
    QtWidgets.QApplication.processEvents()
    view.set_cursor(*path[55])
    view.set_path_cursor(*other[30])
    view._set_hovered(int(np.argmin(np.abs(xy - xy[123]).sum(1))))
    QtWidgets.QApplication.processEvents()
    view.grab().save(str(out / "map_view.png"))


def render_spectrograms(out: Path) -> None:
    from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView

    live = LiveSpectrogramView()
    live.resize(700, 220)
    live.configure(513, SR / 256, SR / 2, history_s=6.0)
    live.push_frames(magnitude_db(demo_audio(6.0, 1), n_fft=1024, hop=256))
    live.show()
    QtWidgets.QApplication.processEvents()
    live.grab().save(str(out / "live_spectrogram.png"))

    pair = SpectrogramPairView()
    pair.resize(800, 300)
    audio = demo_audio(3.0, 2)
    recon = audio + np.random.default_rng(3).normal(0, 0.01, len(audio)).astype(np.float32)
    pair.set_pair(
        magnitude_db(audio, 1024, 256),
        magnitude_db(recon * 0.7, 1024, 256),
        "pads/pads_012.wav",
        frame_rate_hz=SR / 256,
        nyquist_hz=SR / 2,
    )
    pair.show()
    QtWidgets.QApplication.processEvents()
    pair.grab().save(str(out / "spectrogram_pair.png"))


def _save(widget: QtWidgets.QWidget, out: Path, name: str, w: int, h: int) -> None:
    widget.resize(w, h)
    widget.show()
    QtWidgets.QApplication.processEvents()
    widget.grab().save(str(out / f"{name}.png"))


def render_panels(out: Path) -> None:
    from latentscape.widgets.banner import Banner
    from latentscape.widgets.import_panel import FailedFilesDialog, ImportProgress
    from latentscape.widgets.latent_controls import LatentControls
    from latentscape.widgets.model_panel import ModelPanel

    panel = ModelPanel()
    panel.set_model_info(
        {
            "path": "/models/percussion.ts",
            "kind": "torchscript",
            "sample_rate_hz": 44100,
            "channels": 1,
            "latent_size": 8,
            "full_latent_size": 128,
            "hop_samples": 2048,
            "can_encode": True,
            "can_stream": True,
            "has_prior": True,
            "parameter_count": 31_500_000,
            "realtime_factor": 9.7,
            "latency_ms": 38.0,
        }
    )
    panel.set_stats(rtf=4.3, latency_ms=61, underruns=0, queued_ms=93)
    _save(panel, out, "model_panel", 340, 520)
    latent = LatentControls()
    latent.set_dims(8)
    latent.set_latent_controls([0.0, 1.2, -0.6, 0, 0, 0, 0, 2.1], [1, 1, 0.5, 1.6, 1, 1, 1, 1])
    latent.set_seed_lock(True, 1234)
    _save(latent, out, "latent_controls", 340, latent.sizeHint().height())

    progress = ImportProgress()
    progress.set_progress(37, 165, "loops/loop_amen_full.flac")
    progress.set_failed_count(2)
    _save(progress, out, "import_progress", 640, 34)

    dialog = FailedFilesDialog()
    dialog.set_failures(
        [
            ("/home/me/sounds/broken.wav", "not a sound file (RIFF header missing)"),
            ("/home/me/sounds/empty.flac", "no samples"),
            ("/home/me/sounds/notes.txt", "not a sound file"),
        ]
    )
    _save(dialog, out, "failed_files", 640, 300)

    banner = Banner()
    banner.show_message(
        "No audio device: playing silently — PortAudio found no output device (PaErrorCode -9996)"
    )
    _save(banner, out, "banner", 800, 44)


def render_paths_transport_gallery(out: Path) -> None:
    from latentscape.widgets.gallery_view import GalleryView
    from latentscape.widgets.paths_panel import PathsPanel
    from latentscape.widgets.spectrogram_math import thumbnail
    from latentscape.widgets.transport import TransportBar

    bar = TransportBar()
    bar.set_playing(True)
    bar.set_recording(True, elapsed_s=4.3)
    bar.set_loop(True)
    bar.set_position(3.2, 8.0)
    _save(bar, out, "transport", 700, 40)

    paths = PathsPanel()
    paths.set_paths([("p1", "sweep", 4.25), ("p2", "rise", 12.0), ("p3", "drums → pads", 7.5)])
    paths.select_path("p2")
    paths.set_undo_available(True)
    _save(paths, out, "paths_panel", 380, 420)

    gallery = GalleryView()
    gallery.set_sources(["GAN", "Diffusion", "Model prior"])
    tiles = []
    for i in range(16):
        spec = magnitude_db(demo_audio(1.5, 10 + i) * (0.3 + 0.05 * i), 512, 256)
        tiles.append((i, thumbnail(spec), f"GAN #{i}"))
    gallery.set_tiles("GAN", tiles)
    gallery.set_status("GAN", "Trained · 2,000 steps · FD 3.1")
    gallery._on_tile_clicked(gallery.tiles("GAN")[5])
    _save(gallery, out, "gallery", 640, 520)


def render_layout_preview(out: Path) -> None:
    """All views together roughly as a main window could arrange them (a preview for the app)."""
    from latentscape.widgets.banner import Banner
    from latentscape.widgets.import_panel import ImportProgress
    from latentscape.widgets.map_view import MapView
    from latentscape.widgets.model_panel import ModelPanel
    from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView
    from latentscape.widgets.transport import TransportBar

    window = QtWidgets.QMainWindow()
    window.setWindowTitle("latentscape")
    banner = Banner()
    banner.show_message("No audio device: playing silently — PortAudio found no output device")
    transport = TransportBar()
    view = MapView()
    xy, cats, names, generated = demo_map(250)
    view.set_points(xy, cats, names, generated)
    view.set_cursor(*xy[40])
    live = LiveSpectrogramView()
    live.configure(513, SR / 256, SR / 2, history_s=6.0)
    live.push_frames(magnitude_db(demo_audio(6.0, 4), 1024, 256))
    pair = SpectrogramPairView()
    audio = demo_audio(2.0, 5)
    pair.set_pair(
        magnitude_db(audio, 1024, 256),
        magnitude_db(audio * 0.6, 1024, 256),
        "pads/pads_012.wav",
        SR / 256,
        SR / 2,
    )
    panel = ModelPanel()
    panel.set_model_info(
        {
            "path": "demo.ts",
            "kind": "latentscape-vae",
            "sample_rate_hz": 22050,
            "channels": 1,
            "latent_size": 8,
            "hop_samples": 512,
            "can_stream": True,
            "has_prior": False,
            "parameter_count": 1_200_000,
            "realtime_factor": 35.0,
            "latency_ms": 48,
        }
    )
    panel.set_stats(12.1, 52, 0, 93)
    centre = QtWidgets.QWidget()
    col = QtWidgets.QVBoxLayout(centre)
    col.setContentsMargins(6, 6, 6, 6)
    col.addWidget(banner)
    col.addWidget(transport)
    col.addWidget(view, 3)
    bottom = QtWidgets.QHBoxLayout()
    bottom.addWidget(live, 1)
    bottom.addWidget(pair, 1)
    col.addLayout(bottom, 1)
    split = QtWidgets.QSplitter()
    split.addWidget(centre)
    split.addWidget(panel)
    split.setSizes([1000, 330])
    window.setCentralWidget(split)
    progress = ImportProgress()
    progress.set_progress(37, 165, "loops/loop_amen_full.flac")
    window.statusBar().addPermanentWidget(progress)
    window.statusBar().showMessage("2,000 sounds · hover a point to hear its name")
    _save(window, out, "layout_preview", 1360, 900)


RENDERERS = [
    render_layout_preview,
    render_map,
    render_spectrograms,
    render_panels,
    render_paths_transport_gallery,
]


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "build/widgets")
    out.mkdir(parents=True, exist_ok=True)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    theme.apply_theme(app)
    for render in RENDERERS:
        render(out)
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
