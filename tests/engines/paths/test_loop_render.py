"""Loop-ready renders (QA s19 M5): an exported path lasts exactly its played length, in
samples, and its end runs on into its start, so it loops at the path's length in a DAW."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.loader import load_model
from latentscape.engines.paths import LatentPath, PathError, export_path
from latentscape.engines.paths.loop_render import CROSSFADE_MS, cycles
from latentscape.engines.paths.render import render_path

LATENT = 4


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A streaming model (16 kHz, hop 64) whose decoder keeps state: an oscillator's phase and
    a padding cache carry on from one call to the next, as in RAVE and DDSP exports."""
    from support.nn_models import build_nn_model

    return load_model(build_nn_model(tmp_path_factory.mktemp("m") / "s.ts", streaming=True))


def gesture(duration_s: float) -> LatentPath:
    """A path whose length is not a whole number of frames or of samples at 44.1/48 kHz."""
    t = np.linspace(0.0, duration_s, 7)
    z = np.stack([np.sin(t * 9 + i) for i in range(LATENT)], axis=1)
    return LatentPath(t, np.stack([t / duration_s, 1 - t / duration_s], 1), z, seed=3)


@pytest.mark.parametrize(
    ("options", "rate_hz"),
    [({}, 16000), ({"speed": 2.0}, 16000), ({"loops": 3}, 16000), ({"speed": 0.5}, 16000)]
    + [({"sample_rate_hz": rate}, rate) for rate in (44100, 48000)],
)
def test_an_exported_file_lasts_exactly_the_path(engine, tmp_path, options, rate_hz):
    p = gesture(0.51234)
    loops, speed = options.get("loops", 1), options.get("speed", 1.0)
    file = export_path(p, None, tmp_path / "p.wav", engine=engine, **options)
    info = sf.info(str(file))
    assert info.samplerate == rate_hz
    assert info.frames == loops * round(p.duration_s / speed * rate_hz)
    # the plain render (the path played once) is longer: the voice's faded tail follows it
    once = render_path(engine, p, **options)
    assert once.shape[1] > info.frames


def test_the_file_runs_on_from_its_end_into_its_start(engine, tmp_path):
    """Played in a loop, the file's last sample is followed by its first as smoothly as any
    two neighbours inside it; the path played once and cut to length jumps there (it starts
    from the voice's fade-in, silence)."""
    p = gesture(0.51234)
    audio, _ = sf.read(
        str(export_path(p, "wav", tmp_path / "p.wav", engine=engine)), dtype="float32"
    )
    inside = np.abs(np.diff(audio)).max()  # the steepest step the tone itself takes
    assert np.abs(audio).max() > 0.05  # a tone, not silence
    assert abs(audio[0] - audio[-1]) <= inside
    cut = render_path(engine, p)[0, : len(audio)]
    assert abs(cut[0] - cut[-1]) > 2 * inside  # what the check catches: a click at the wrap
    # Past the crossfade, the file is the path looping on: its second cycle of a two-loop
    # export starts where the first ends, on the same frame grid (one render, no seam).
    two, _ = sf.read(str(export_path(p, "wav", tmp_path / "2.wav", engine=engine, loops=2)))
    n = len(audio)
    assert len(two) == 2 * n
    seam = np.abs(np.diff(two[n - 8 : n + 8])).max()
    assert seam <= inside * 1.01
    fade = round(CROSSFADE_MS / 1000 * 16000)
    assert abs(two[0] - two[-1]) <= inside and np.abs(two[fade:]).max() > 0.05


def test_a_cycle_steps_back_to_the_start_at_the_paths_length():
    p = gesture(0.3)
    three = cycles(p, 3, 0.25)  # retimed to 0.25 s a cycle
    assert three.duration_s == pytest.approx(0.75)
    assert np.all(np.diff(three.times_s) >= 0)
    _, z = three.sample(np.array([0.25 - 1e-9, 0.25, 0.5, 0.6]))
    np.testing.assert_allclose(z[0], p.latents[-1], atol=1e-5)  # the end, held to the wrap
    np.testing.assert_allclose(z[1], p.latents[0], atol=1e-6)  # then the start again
    np.testing.assert_allclose(z[2], p.latents[0], atol=1e-6)
    np.testing.assert_allclose(z[3], p.sample(np.array([0.1 * 0.3 / 0.25]))[1][0], atol=1e-5)


def test_a_path_of_no_length_is_refused_with_a_clear_message(engine, tmp_path):
    point = LatentPath([0.0], [[0.5, 0.5]], np.zeros((1, LATENT)), name="dot")
    with pytest.raises(PathError, match=r"'dot' lasts 0\.000 s: too short"):
        export_path(point, "wav", tmp_path / "dot.wav", engine=engine)
    assert not (tmp_path / "dot.wav").exists()
    assert render_path(engine, point).shape[1] > 0  # played once, it still sounds
