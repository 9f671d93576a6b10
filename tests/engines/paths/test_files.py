"""JSON and CSV round trips are exact; damaged, foreign or future files are refused clearly."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import (
    LatentPath,
    PathError,
    export_path,
    from_json,
    import_path,
    path_from_item,
    path_to_item,
    read_json,
    to_json,
)
from latentscape.engines.paths.csv_format import from_csv, read_csv, to_csv


def random_path(n: int = 50, latent: int = 6, seed: int = 3) -> LatentPath:
    rng = np.random.default_rng(seed)
    t = np.concatenate([[0.0], np.cumsum(rng.uniform(0.001, 0.05, n - 1))])
    t[n // 2] = t[n // 2 - 1]  # a step
    return LatentPath(
        t,
        rng.uniform(0, 1, (n, 2)),
        rng.normal(0, 2, (n, latent)) * 10.0 ** rng.integers(-8, 8, (n, latent)),
        name="Glissé ✓",
        seed=12345,
        model_hash="ab" * 32,
        meta={"colour": "#ff8800", "loop": True},
    )


def test_json_round_trip_is_exact(tmp_path):
    p = random_path()
    file = export_path(p, None, tmp_path / "p.json")
    back = import_path(file)
    assert back.equals(p)
    assert from_json(to_json(p, indent=2)).equals(p)


def test_json_follows_the_documented_schema(tmp_path):
    p = random_path(n=4, latent=2)
    data = json.loads(to_json(p))
    assert data["format"] == "latentscape-path" and data["version"] == 1
    assert data["point_count"] == 4 and data["latent_size"] == 2
    assert data["duration_s"] == p.duration_s and data["seed"] == 12345
    assert len(data["xy"]) == 4 and len(data["latents"][0]) == 2
    data["unknown_future_key"] = 1  # additions within version 1 are ignored
    assert from_json(json.dumps(data)).equals(p)


def test_csv_round_trip_is_exact(tmp_path):
    p = random_path()
    file = export_path(p, "csv", tmp_path / "p.csv")
    lines = file.read_text().splitlines()
    assert lines[0] == "time_s,x,y,z0,z1,z2,z3,z4,z5"
    assert len(lines) == 1 + p.point_count
    back = read_csv(file)
    np.testing.assert_array_equal(back.times_s, p.times_s)
    np.testing.assert_array_equal(back.xy, p.xy)
    np.testing.assert_array_equal(back.latents, p.latents)
    assert back.name == "p"


def test_csv_that_is_not_a_path_is_refused():
    with pytest.raises(PathError, match="header"):
        from_csv("a,b,c\n1,2,3\n", source="x.csv")
    lines = to_csv(random_path(n=3)).splitlines()
    lines[2] += ",9"  # the second point gets one value too many
    with pytest.raises(PathError, match="line 3 has 10 values"):
        from_csv("\n".join(lines), "x.csv")
    with pytest.raises(PathError, match="not a number"):
        from_csv("time_s,x,y,z0\n0,0.5,0.5,abc\n", "x.csv")
    with pytest.raises(PathError, match=r"x.csv.*start at 0|x.csv.*decrease"):
        from_csv("time_s,x,y,z0\n1,0.5,0.5,1\n0,0.5,0.5,1\n", "x.csv")


def test_future_version_is_refused_with_an_update_hint(tmp_path):
    data = json.loads(to_json(random_path(n=3)))
    data["version"] = 2
    (tmp_path / "new.json").write_text(json.dumps(data))
    with pytest.raises(PathError, match=r"newer latentscape.*version 2.*update") as info:
        read_json(tmp_path / "new.json")
    assert "new.json" in str(info.value)


def truncated(text: str) -> str:
    return text[: len(text) // 2]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (truncated, "invalid JSON"),
        (lambda s: "", "empty"),
        (lambda s: "[1, 2]", "not a latentscape path"),
        (lambda s: s.replace('"latentscape-path"', '"something-else"'), "not a latentscape path"),
        (lambda s: s.replace('"version": 1', '"version": "one"'), "bad format version"),
        (lambda s: s.replace('"times_s"', '"time"'), "'times_s' field is missing"),
        (lambda s: s.replace('"point_count": 5', '"point_count": 6'), "point_count"),
        (lambda s: s.replace("0.0,", "NaN,", 1), "NaN"),
        (lambda s: s.replace('"latent_size": 3', '"latent_size": 4'), "latent_size"),
        (lambda s: s.replace('"xy": [[', '"xy": [["a", '), "not an array of numbers"),
        (lambda s: s.replace('"seed": 12345', '"seed": 1.5'), "seed"),
    ],
)
def test_corrupt_json_is_refused_with_a_clear_line(tmp_path, mutate, message):
    text = to_json(random_path(n=5, latent=3))
    file = tmp_path / "bad.json"
    file.write_text(mutate(text))
    with pytest.raises(PathError, match=message) as info:
        read_json(file)
    assert isinstance(info.value, LatentscapeError)
    assert "\n" not in str(info.value) and "bad.json" in str(info.value)


def test_binary_and_missing_files_are_refused(tmp_path):
    (tmp_path / "b.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PathError, match=r"not a path file|invalid JSON"):
        read_json(tmp_path / "b.json")
    with pytest.raises(PathError, match="no such file"):
        read_json(tmp_path / "missing.json")


def test_a_failed_export_leaves_the_old_file_intact(tmp_path):
    file = tmp_path / "p.json"
    export_path(random_path(), "json", file)
    before = file.read_bytes()
    bad = random_path().replace(meta={"not json": object()})
    with pytest.raises(PathError, match="JSON"):
        export_path(bad, "json", file)
    assert file.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["p.json"]  # no temporary left behind


def test_unknown_format_and_missing_folder_are_refused(tmp_path):
    with pytest.raises(PathError, match="extension"):
        export_path(random_path(), None, tmp_path / "p.txt")
    with pytest.raises(PathError, match="does not exist"):
        export_path(random_path(), "json", tmp_path / "nope" / "p.json")


@dataclass
class FakeItem:  # the fields path_from_item reads from the project store's Item
    name: str
    payload: bytes


def test_project_item_round_trip_and_rename():
    p = random_path()
    name, payload, meta = path_to_item(p)
    assert meta["point_count"] == p.point_count and meta["duration_s"] == p.duration_s
    assert path_from_item(FakeItem(name, payload)).equals(p)
    renamed = path_from_item(FakeItem("renamed", payload))
    assert renamed.name == "renamed" and np.array_equal(renamed.latents, p.latents)
