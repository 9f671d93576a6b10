"""``latentscape import --split onsets``: a recording of hits becomes one sound per hit."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from latentscape.cli import main
from latentscape.project_store import ProjectStore
from support.onset_hits import hit_train


def test_import_cut_at_onsets_stores_one_sound_per_hit(tmp_path, nn_model, capsys):
    x, onsets = hit_train(count=8, seed=3)
    folder = tmp_path / "loops"
    folder.mkdir()
    sf.write(folder / "hits.wav", x, 44100)  # the model runs at 16 kHz: resampled first
    project = tmp_path / "p.lsc"
    argv = ["import", str(folder), "--model", str(nn_model()), "-p", str(project), "--quiet"]
    assert main([*argv, "--split", "onsets", "--onset-sensitivity", "0.5"]) == 0
    assert "imported 8 sounds from 1 files" in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        sounds = sorted(store.sounds(), key=lambda s: s.segment_index)
    assert [s.segment_index for s in sounds] == list(range(8))
    assert [s.name for s in sounds[:2]] == ["hits", "hits #2"]
    assert all(s.frames for s in sounds)  # each encoded
    early = onsets - np.array([s.start_s for s in sounds])
    assert np.all(early >= 0.0) and np.all(early <= 0.010), early
    ends = np.array([s.start_s + s.duration_s for s in sounds])
    assert np.all(ends[:-1] <= onsets[1:])  # one hit each
    assert main(argv) == 0  # by length again: the file as one sound, beside the hits
    out = capsys.readouterr().out
    assert "imported 1 sounds" in out and "(--segment-s, --no-trim, --split)" in out
    assert main([*argv, "--split", "onsets", "--onset-sensitivity", "2"]) == 2
    assert "--onset-sensitivity must be between 0 and 1" in capsys.readouterr().err
