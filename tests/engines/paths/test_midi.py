"""MIDI export: the file mido reads back holds the documented CC values at the path's times."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from latentscape.engines.paths import LatentPath, PathError, export_path


def wavy_path(n: int = 40, latent: int = 4) -> LatentPath:
    rng = np.random.default_rng(5)
    t = np.arange(n) * 0.0371  # not a multiple of the tick
    xy = np.stack([0.5 + 0.6 * np.sin(t * 3), 0.5 + 0.5 * np.cos(t * 2)], axis=1)  # x leaves 0..1
    z = rng.normal(0, 2, (n, latent))
    return LatentPath(t, xy, z, name="wave")


def read_lanes(file) -> tuple[dict[int, list[tuple[float, int]]], mido.MidiFile]:
    """{control: [(time_s, value), …]} from mido, using the file's own tempo and resolution."""
    midi = mido.MidiFile(str(file))
    lanes: dict[int, list[tuple[float, int]]] = {}
    t = 0.0
    for msg in midi:  # mido converts delta ticks to seconds with the file's tempo map
        t += msg.time
        if msg.type == "control_change":
            assert msg.channel == 2
            lanes.setdefault(msg.control, []).append((t, msg.value))
    return lanes, midi


def expected(values: np.ndarray, lo: float, hi: float, top: int) -> list[int]:
    return [round(min(1.0, max(0.0, (float(v) - lo) / (hi - lo))) * top) for v in values]


def test_seven_bit_lanes_parse_back_to_the_scaled_values_at_the_path_times(tmp_path):
    p = wavy_path()
    file = export_path(
        p,
        "midi",
        tmp_path / "p.mid",
        x_cc=16,
        y_cc=17,
        latent_ccs=(20, 21, 22),
        latent_range=(-3.0, 3.0),
        channel=2,
        dedupe=False,
    )
    lanes, midi = read_lanes(file)
    assert set(lanes) == {16, 17, 20, 21, 22}
    tick_s = mido.tick2second(1, midi.ticks_per_beat, 500_000)  # 120 bpm written in the file
    for cc, values, lo, hi in [
        (16, p.xy[:, 0], 0.0, 1.0),
        (17, p.xy[:, 1], 0.0, 1.0),
        (20, p.latents[:, 0], -3.0, 3.0),
        (21, p.latents[:, 1], -3.0, 3.0),
        (22, p.latents[:, 2], -3.0, 3.0),
    ]:
        times = np.array([e[0] for e in lanes[cc]])
        assert [e[1] for e in lanes[cc]] == expected(values, lo, hi, 127)
        np.testing.assert_allclose(times, p.times_s, atol=tick_s / 2 + 1e-9)
    assert midi.length == pytest.approx(p.duration_s, abs=tick_s)


def test_fourteen_bit_lanes_send_msb_then_lsb_and_rebuild_the_value(tmp_path):
    p = wavy_path()
    file = export_path(
        p,
        "midi",
        tmp_path / "p.mid",
        x_cc=1,
        y_cc=2,
        latent_ccs=(3, 4),
        fourteen_bit=True,
        latent_range="auto",
        channel=2,
        dedupe=False,
    )
    lanes, _ = read_lanes(file)
    assert set(lanes) == {1, 2, 3, 4, 33, 34, 35, 36}
    z = p.latents.astype(np.float64)
    for cc, values, lo, hi in [
        (1, p.xy[:, 0], 0.0, 1.0),
        (2, p.xy[:, 1], 0.0, 1.0),
        (3, z[:, 0], z[:, 0].min(), z[:, 0].max()),
        (4, z[:, 1], z[:, 1].min(), z[:, 1].max()),
    ]:
        msb, lsb = lanes[cc], lanes[cc + 32]
        assert [t for t, _ in msb] == [t for t, _ in lsb]
        rebuilt = [(a << 7) | b for (_, a), (_, b) in zip(msb, lsb)]
        assert rebuilt == expected(values, lo, hi, 16383)
    # auto range: each latent lane spans the whole 14-bit scale
    assert min(rebuilt) == 0 and max(rebuilt) == 16383
    # MSB comes before its LSB in the file
    order = [m.control for m in mido.MidiFile(str(file)).tracks[1] if m.type == "control_change"]
    assert order.index(1) < order.index(33)


def test_dedupe_sends_only_changes_and_a_rate_gives_a_regular_grid(tmp_path):
    t = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    p = LatentPath(
        t, [[0.2, 0.2], [0.2, 0.2], [0.2, 0.8], [0.2, 0.8], [0.2, 0.8]], np.zeros((5, 1))
    )
    lanes, _ = read_lanes(export_path(p, "midi", tmp_path / "d.mid", latent_ccs=(), channel=2))
    assert [v for _, v in lanes[16]] == [round(0.2 * 127)]  # x never changes
    assert [(round(t, 3), v) for t, v in lanes[17]] == [(0.0, 25), (1.0, 102)]
    grid, _ = read_lanes(
        export_path(
            p, "midi", tmp_path / "g.mid", latent_ccs=(), channel=2, rate_hz=10.0, dedupe=False
        )
    )
    assert len(grid[17]) == 21  # 0.0 .. 2.0 s every 0.1 s
    assert [v for _, v in grid[17]] == expected(p.sample(np.arange(21) / 10)[0][:, 1], 0, 1, 127)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"x_cc": 16, "y_cc": 16}, "collide"),
        ({"fourteen_bit": True, "x_cc": 40}, "0..31"),
        ({"x_cc": 120}, "0..119"),
        ({"latent_ccs": (20, 21, 22, 23, 24)}, "only 4 latent dims"),
        ({"latent_range": (1.0, -1.0)}, "greater"),
        ({"channel": 16}, "channel"),
        ({"velocity": 3}, "does not take option"),
    ],
)
def test_bad_mappings_are_refused(tmp_path, options, message):
    with pytest.raises(PathError, match=message):
        export_path(wavy_path(), "midi", tmp_path / "p.mid", **options)
    assert not (tmp_path / "p.mid").exists()
