"""The background import job: encodes good files, lists bad ones, reuses content, cancels."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.corpus import ImportJob, ImportRules, run_import, sound_key
from latentscape.engines.loader import load_model


class _CountingEngine:
    """The real engine, counting encode calls (to prove content is encoded once)."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self.encodes = 0
        self.lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def encode(self, audio, seed=0):
        with self.lock:
            self.encodes += 1
        return self._engine.encode(audio, seed=seed)


class _ListState:
    def __init__(self) -> None:
        self.results, self.bad, self.notes, self.progress, self.status = [], [], [], [], []

    def set_status(self, text):
        self.status.append(text)

    def set_progress(self, done, total):
        self.progress.append((done, total))

    def add_result(self, sound):
        self.results.append(sound)

    def add_bad(self, bad):
        self.bad.append(bad)

    def add_note(self, note):
        self.notes.append(note)

    def is_interruption_requested(self):
        return False


def _write_tone(path, hz: float, seconds: float = 0.5, rate: int = 22050) -> None:
    t = np.arange(round(rate * seconds)) / rate
    sf.write(path, (0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32), rate)


@pytest.fixture
def engine(nn_model):
    return _CountingEngine(load_model(nn_model()))


def test_folder_import_encodes_good_files_and_lists_bad_ones(tmp_path, engine):
    sounds = tmp_path / "sounds"
    (sounds / "sub").mkdir(parents=True)
    for i, hz in enumerate([220.0, 330.0, 440.0]):
        _write_tone(sounds / f"t{i}.wav", hz)
    shutil.copy(sounds / "t0.wav", sounds / "sub" / "copy.wav")  # same content, other name
    (sounds / "empty.wav").write_bytes(b"")
    (sounds / "text.wav").write_text("not audio at all\n" * 10)
    state = _ListState()
    report = run_import(engine, [sounds], state)
    assert report.files == 6 and report.sounds == 4 and not report.cancelled
    assert sorted(b.path.rsplit("/", 1)[1] for b in report.bad) == ["empty.wav", "text.wav"]
    assert engine.encodes == 3  # the copy reused t0's latents
    by_name = {r.path.rsplit("/", 1)[1]: r for r in state.results}
    np.testing.assert_array_equal(by_name["copy.wav"].latents, by_name["t0.wav"].latents)
    frames = int(np.ceil(0.5 * 16000 / engine.hop_samples))
    assert by_name["t1.wav"].latents.shape == (frames, engine.latent_size)
    assert by_name["t1.wav"].duration_s == pytest.approx(0.5, abs=0.011)
    assert state.progress[-1] == (6, 6)
    assert report.audio_s == pytest.approx(4 * 0.5, abs=0.05)


def test_known_keys_are_not_encoded_again(tmp_path, engine):
    _write_tone(tmp_path / "a.wav", 300.0)
    _write_tone(tmp_path / "b.wav", 600.0)
    first = _ListState()
    run_import(engine, [tmp_path], first)
    known = {first.results[0].key}
    engine.encodes = 0
    second = _ListState()
    report = run_import(engine, [tmp_path], second, known_keys=known)
    assert engine.encodes == 1 and report.reused == 1
    assert second.results[0].reused and second.results[0].latents is None
    assert second.results[0].key == sound_key(first.results[0].content_hash, 0, ImportRules())


def test_background_job_reports_partial_results_and_cancels(tmp_path, engine):
    for i in range(40):
        _write_tone(tmp_path / f"s{i:02d}.wav", 200.0 + 10 * i, seconds=0.3)
    seen = []

    def on_progress(progress):  # worker thread: cancel once three files are done
        seen.append(progress)
        if progress.files_done == 3:
            job.cancel()

    job = ImportJob(engine, [tmp_path], on_progress=on_progress)
    job.start()
    taken = []
    while not job.finished:  # poll like a GUI timer would: partial results arrive as they go
        taken += job.take_results()
    report = job.wait(timeout_s=60)
    taken += job.take_results()
    assert report is not None and report.cancelled
    assert job.progress.finished and job.progress.cancelled
    assert len(taken) == report.sounds == 3
    assert [r.path.rsplit("/", 1)[1] for r in taken] == ["s00.wav", "s01.wav", "s02.wav"]
    assert seen[-1].finished
    assert all(r.latents is not None and np.isfinite(r.latents).all() for r in taken)


def test_job_finishes_and_progress_reaches_the_end(tmp_path, engine):
    for i in range(3):
        _write_tone(tmp_path / f"s{i}.wav", 250.0 * (i + 1))
    job = ImportJob(engine, [tmp_path / "s0.wav", tmp_path / "s1.wav", tmp_path / "nope.wav"])
    job.start()
    report = job.wait(timeout_s=60)
    assert report.sounds == 2 and report.bad[0].reason == "no such file"
    p = job.progress
    assert (p.files_done, p.files_total, p.sounds_done, p.bad) == (3, 3, 2, 1)
    assert p.fraction == 1.0 and p.finished and not p.cancelled
    assert len(job.take_results()) == 2 and len(job.take_bad()) == 1
