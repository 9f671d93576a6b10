"""A path's lane of latent controls (QA s19 M3): recorded with the take, kept through JSON and
the edits, applied by renders (not the live transform), and heard in CSV and MIDI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from latentscape.engines.audio.latent_transform import LatentTransform
from latentscape.engines.loader import load_model
from latentscape.engines.paths import (
    LatentPath,
    PathError,
    PathRecorder,
    change_speed,
    delete_span,
    from_json,
    reverse,
    smooth,
    to_json,
    trim,
)
from latentscape.engines.paths.controls import ControlLane, control_values
from latentscape.engines.paths.csv_format import from_csv, to_csv
from latentscape.engines.paths.midi_export import cc_lanes
from latentscape.engines.paths.render import render_path

LATENT = 4


def lane_of(*events: tuple[float, list[float], list[float], float]) -> ControlLane:
    """Events ``(time s, offsets, scales, temperature)``."""
    return ControlLane(
        [e[0] for e in events], [control_values(o, s, temp) for _, o, s, temp in events]
    )


def gesture(lane: ControlLane | None = None) -> LatentPath:
    t = np.linspace(0.0, 0.5, 6)  # 0, .1, … .5
    z = np.stack([np.sin(t * 7 + i) for i in range(LATENT)], axis=1)
    return LatentPath(t, np.stack([t * 2, t * 2], 1), z, seed=11, controls=lane)


A = ([0.5, -1.0, 0.0, 0.25], [2.0, 1.0, 0.5, 1.0], 1.0)
B = ([-0.75, 0.0, 1.5, 0.0], [1.0, 0.0, 1.0, 1.5], 1.0)
C = ([0.0, 0.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0], 1.0)


def transformed(z: np.ndarray, event: tuple) -> np.ndarray:
    """``z`` with one event's offset and scale applied, as a voice applies them (float32)."""
    offset, scale, _ = event
    out = np.array(z, np.float32)
    out *= np.asarray(scale, np.float32)
    out += np.asarray(offset, np.float32)
    return out


def stepped() -> tuple[LatentPath, LatentPath]:
    """A path with A from 0 and B from 0.3 s (one of its points), and the same path with
    the lane applied by hand: a step at 0.3 s from A to B (no lane)."""
    i = 3  # the point at 0.3 s: heard with A just before, with B from then on
    p = gesture()
    p = p.replace(controls=lane_of((0.0, *A), (p.times_s[i], *B)))
    t, xy, z = p.times_s, p.xy, p.latents
    times = np.concatenate([t[: i + 1], t[i:]])
    xys = np.concatenate([xy[: i + 1], xy[i:]])
    zs = np.concatenate([transformed(z[: i + 1], A), transformed(z[i:], B)])
    return p, LatentPath(times, xys, zs, seed=11)


# -- the path and its file ---------------------------------------------------------------------
def test_the_lane_goes_through_json_and_files_without_one_still_read():
    p = gesture(lane_of((0.0, *A), (0.2, *B), (0.2, *C), (0.45, *A)))
    data = json.loads(to_json(p))
    assert data["controls"]["times_s"] == [0.0, 0.2, 0.2, 0.45]
    assert data["controls"]["offset"][1] == B[0] + [0.0] * 4  # 8 dims, the rest at rest
    assert data["controls"]["scale"][1] == B[1] + [1.0] * 4
    assert data["controls"]["temperature"] == [1.0, 1.0, 1.0, 1.0]
    back = from_json(to_json(p))
    assert back.equals(p) and back.controls.equals(p.controls)
    assert not back.equals(p.replace(controls=None))
    # an older file (no "controls") reads as a path without a lane
    del data["controls"]
    assert from_json(json.dumps(data)).controls is None
    # a lane that is damaged is refused with one line
    for bad in (
        {"times_s": [0.0, 0.9], "offset": [[0.0]] * 2, "scale": [[1.0]] * 2},  # after the end
        {"times_s": [0.1], "offset": [[0.0]], "scale": [[1.0]]},  # not from 0
        {"times_s": [0.0], "offset": [[0.0], [1.0]], "scale": [[1.0]]},  # lengths differ
        {"times_s": [0.0], "offset": [[0.0] * 9], "scale": [[1.0]]},  # 9 dims
        "lane",
    ):
        data["controls"] = bad
        with pytest.raises(PathError, match="controls"):
            from_json(json.dumps(data))
    with pytest.raises(PathError, match="after the path's end"):
        gesture(lane_of((0.0, *A), (0.6, *B)))


def test_the_lane_holds_each_value_until_the_next_event():
    lane = lane_of((0.0, *A), (0.2, *B), (0.2, *C), (0.45, *A))
    got = lane.at([0.0, 0.19, 0.2, 0.3, 0.45, 0.5])[:, 0]
    assert got.tolist() == [0.5, 0.5, 0.0, 0.0, 0.5, 0.5]  # at 0.2 the later event (C) wins
    assert lane.before(0.2)[0] == 0.5


# -- edits -------------------------------------------------------------------------------------
EVENTS = ((0.0, *A), (0.12, *B), (0.2, *C), (0.2, *A), (0.41, *B))


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda p: trim(p, 0.07, 0.33), lambda t: t + 0.07),
        (lambda p: change_speed(p, 2.5), lambda t: t * 2.5),
        (lambda p: change_speed(p, 0.5), lambda t: t * 0.5),
        (lambda p: reverse(p), lambda t: 0.5 - t),
        (lambda p: delete_span(p, 0.15, 0.3), lambda t: np.where(t < 0.15, t, t + 0.15)),
        (lambda p: smooth(p, 0.1), lambda t: t),
    ],
    ids=["trim", "faster", "slower", "reverse", "delete", "smooth"],
)
def test_edits_keep_the_lane_on_the_paths_timeline(edit, where):
    p = gesture(lane_of(*EVENTS))
    q = edit(p)
    assert q.controls is not None and q.controls.times_s[-1] <= q.duration_s
    t = np.linspace(0.0, q.duration_s, 1001)
    old_t = where(t)
    # away from the events (where a step makes "at" one side or the other), the edited path
    # plays at t what the original played at the time the edit moved there
    events = np.concatenate([p.controls.times_s, [0.15, 0.3]])
    clear = np.min(np.abs(old_t[:, None] - events[None, :]), axis=1) > 1e-3
    assert clear.sum() > 900
    np.testing.assert_array_equal(q.controls.at(t[clear]), p.controls.at(old_t[clear]))
    assert edit(gesture()).controls is None  # a path without a lane gets none


# -- recording ---------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_recorder_keeps_the_controls_on_the_takes_clock():
    clock = Clock()
    rec = PathRecorder(clock)
    s0, s1, s2, s3 = (control_values([v], [1.0], 1.0) for v in (0.0, 0.1, 0.2, 0.3))
    rec.start(controls=s0)
    clock.now = 100.5
    assert rec.add_controls(s1)  # before the first map event: the state when it comes
    clock.now = 101.0
    rec.add((0.1, 0.1), np.zeros(LATENT), "click")  # the path starts here
    clock.now = 101.5
    rec.add_controls(s2)
    clock.now = 102.0
    rec.add((0.2, 0.2), np.ones(LATENT), "drag")
    snap = rec.snapshot(at_s=102.25)
    clock.now = 102.5
    rec.add_controls(s3)
    path = rec.stop(hold_to_stop=True, at_s=103.0)
    assert path.duration_s == 2.0
    assert path.controls.times_s.tolist() == [0.0, 0.5, 1.5]
    np.testing.assert_array_equal(path.controls.values, np.stack([s1, s2, s3]))
    # the autosave's snapshot has the lane so far
    assert snap.controls.times_s.tolist() == [0.0, 0.5]
    # a take ending at its last event: a change after it is never heard
    rec.start(controls=s0, at_s=200.0)
    rec.add((0.1, 0.1), np.zeros(LATENT), "drag", at_s=200.0)
    rec.add((0.2, 0.2), np.zeros(LATENT), "drag", at_s=201.0)
    rec.add_controls(s1, at_s=201.5)
    path = rec.stop(hold_to_stop=False, at_s=202.0)
    assert path.duration_s == 1.0 and path.controls.times_s.tolist() == [0.0]
    assert not rec.add_controls(s1)  # not recording: nothing
    with pytest.raises(PathError, match="17"):
        rec.start(controls=[0.0] * 3)


# -- renders -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    from support.nn_models import build_nn_model

    folder = tmp_path_factory.mktemp("models")
    return load_model(build_nn_model(folder / "clean.ts", streaming=True))


@pytest.mark.parametrize("backend", ["voice", "decoder"])
@pytest.mark.parametrize("exact_length", [False, True])
def test_a_render_applies_the_lane_not_the_live_transform(clean, backend, exact_length):
    p, by_hand = stepped()
    live = LatentTransform((2.0, -2.0), (0.5, 0.5), 0.0)  # the sliders now: not the path's
    options = {"seed": 3, "backend": backend, "exact_length": exact_length, "speed": 1.5}
    got = render_path(clean, p, transform=live, **options)
    want = render_path(clean, by_hand, **options)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)
    plain = render_path(clean, p.replace(controls=None), **options)
    assert np.abs(got - plain).max() > 1e-3  # the lane did change the sound


def test_loops_repeat_the_lane_each_pass(clean):
    p, by_hand = stepped()
    for exact in (False, True):
        got = render_path(clean, p, seed=3, loops=3, exact_length=exact)
        np.testing.assert_allclose(
            got, render_path(clean, by_hand, seed=3, loops=3, exact_length=exact), atol=1e-5
        )


def test_the_lanes_temperature_adds_noise_repeatable_with_the_seed(clean):
    hot = gesture(lane_of((0.0, *A), (0.25, A[0], A[1], 1.8)))
    cool = hot.replace(controls=lane_of((0.0, *A)))
    a = render_path(clean, hot, seed=5)
    np.testing.assert_array_equal(a, render_path(clean, hot, seed=5))
    b = render_path(clean, cool, seed=5)
    n = clean.hop_samples * 60  # the first 0.24 s play before the temperature rises
    np.testing.assert_allclose(a[:, :n], b[:, :n], atol=1e-5)  # the grid: float rounding
    assert np.abs(a[:, -n:] - b[:, -n:]).max() > 1e-3


# -- CSV and MIDI carry the latents as heard ---------------------------------------------------
def test_csv_and_midi_carry_the_latents_as_heard():
    p, by_hand = stepped()
    back = from_csv(to_csv(p))
    assert back.controls is None
    np.testing.assert_array_equal(back.times_s, by_hand.times_s)
    np.testing.assert_array_equal(back.latents, by_hand.latents)
    options = {"latent_range": (-3.0, 3.0), "latent_ccs": (18, 19, 20, 21)}
    for ours, theirs in zip(cc_lanes(p, **options), cc_lanes(by_hand, **options), strict=True):
        assert ours.source == theirs.source
        np.testing.assert_array_equal(ours.ticks, theirs.ticks)
        np.testing.assert_array_equal(ours.values, theirs.values)
    raw = cc_lanes(p.replace(controls=None), **options)
    assert any(not np.array_equal(a.values, b.values) for a, b in zip(raw, cc_lanes(p, **options)))


@pytest.mark.parametrize(
    "controls, said",
    [
        ({"times_s": []}, "has no events"),
        ({"times_s": [], "offset": [], "scale": [], "temperature": []}, "has no events"),
        ({}, "has no 'times_s'"),
        ({"times_s": [0.0], "offset": [1.0], "scale": [[1.0]]}, "expected 2"),
        ({"times_s": [0.0, 0.1], "offset": [], "scale": [[1.0]] * 2}, "different lengths"),
    ],
)
def test_an_empty_or_flat_lane_in_a_file_is_one_line_saying_so(tmp_path, controls, said):
    """Review s20 #1: these raised IndexError past every caller's guard."""
    from latentscape.engines.paths import import_path

    data = json.loads(to_json(gesture(lane_of((0.0, *A)))))
    data["controls"] = controls
    out = tmp_path / "p.json"
    out.write_text(json.dumps(data))
    with pytest.raises(PathError, match=said):
        import_path(out)


def test_a_lane_holds_only_what_the_sliders_offer():
    """Review s20 #3: a value beyond a slider's end rendered one way and played another."""
    from latentscape.engines.paths import controls
    from latentscape.widgets import latent_controls as sliders

    for name in ("OFFSET_RANGE", "SCALE_RANGE", "TEMPERATURE_RANGE"):
        assert getattr(controls, name) == getattr(sliders, name)
    for bad, said in (
        (([5.0], [1.0], 1.0), "offset values must lie in -3..3"),
        (([0.0], [3.0], 1.0), "scale values must lie in 0..2"),
        (([0.0], [1.0], 4.0), "temperature values must lie in 0..2"),
    ):
        with pytest.raises(ValueError, match=said):
            ControlLane([0.0], [control_values(*bad)])
        data = json.loads(to_json(gesture(lane_of((0.0, *A)))))
        data["controls"] = {
            "times_s": [0.0],
            "offset": [bad[0]],
            "scale": [bad[1]],
            "temperature": [bad[2]],
        }
        with pytest.raises(PathError, match=said):
            from_json(json.dumps(data))


def test_the_midi_range_widens_to_what_the_lane_makes_of_it():
    """Review s20 #8: a lane's offset moved the latents out of the corpus range, and the CCs
    sat at 127 without a word."""
    from latentscape.engines.paths.midi_export import heard_range, scale_to_cc

    corpus = np.array([[-1.0, 1.0], [-2.0, 2.0], [0.0, 0.5]])  # 3 dims' (lo, hi)
    assert np.array_equal(heard_range(corpus, None), corpus)
    lane = lane_of((0.0, [0.0, 0.0], [1.0, 1.0], 1.0), (0.2, [2.5, -1.0], [0.5, 1.5], 1.0))
    r = heard_range(corpus, lane)
    np.testing.assert_allclose(r[0], [-1.0, 3.0])  # 1 * 0.5 + 2.5 at the second event
    np.testing.assert_allclose(r[1], [-4.0, 2.0])  # -2 * 1.5 - 1 at the second event
    np.testing.assert_allclose(r[2], corpus[2])  # no control moved it
    # a latent of 0.8 heard at 0.8 * 0.5 + 2.5 = 2.9: pinned at 127 in the corpus range,
    # below it in the widened one
    assert scale_to_cc(np.array([2.9]), *corpus[0], False)[0] == 127
    assert scale_to_cc(np.array([2.9]), *r[0], False)[0] < 127
