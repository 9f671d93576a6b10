"""VaeEngine through the public loader: the engine contract, streaming, seeds, bad files."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
import torch

from latentscape.engines.contract import ModelEngine, StreamDecoder
from latentscape.engines.errors import ModelLoadError
from latentscape.engines.loader import load_model
from latentscape.engines.vae.engine import VaeEngine
from latentscape.engines.vae.model import REST_FRAMES


def _latents(frames: int, dims: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((frames, dims)).astype(np.float32)


def test_loader_opens_a_checkpoint_as_a_vae_engine(tiny_checkpoint):
    engine = load_model(tiny_checkpoint)
    assert isinstance(engine, VaeEngine)
    assert isinstance(engine, ModelEngine)
    info = engine.info
    assert info.kind == "latentscape-vae"
    assert (info.sample_rate_hz, info.hop_samples, info.latent_size, info.channels) == (
        44100,
        256,
        8,
        1,
    )
    assert info.can_encode and info.can_stream and not info.has_prior
    assert len(info.content_hash) == 64
    data = torch.load(tiny_checkpoint, weights_only=True)
    assert info.parameter_count == sum(
        v.numel() for k, v in data["state_dict"].items() if not k.endswith("noise_table")
    )


def test_encode_and_decode_shapes_follow_the_contract(tiny_checkpoint):
    engine = load_model(tiny_checkpoint)
    stereo = np.random.default_rng(0).standard_normal((2, 1000)).astype(np.float32) * 0.1
    z = engine.encode(stereo)
    assert z.shape == (4, 8) and z.dtype == np.float32  # ceil(1000 / 256) frames
    np.testing.assert_array_equal(engine.encode(stereo.mean(0)), z)  # mixed to mono
    audio = engine.decode(z)
    assert audio.shape == (1, 4 * 256) and audio.dtype == np.float32
    assert engine.decode(np.zeros((0, 8), np.float32)).shape == (1, 0)
    with pytest.raises(ValueError):
        engine.decode(np.zeros((3, 5), np.float32))
    with pytest.raises(NotImplementedError):
        engine.sample_prior(10)


@pytest.mark.parametrize(
    ("checkpoint", "chunk"),
    [
        ("tiny_checkpoint", 1),
        ("tiny_checkpoint", 3),
        ("tiny_checkpoint", 16),
        ("envelope_checkpoint", 3),
    ],
)
def test_stream_decoder_equals_one_shot_decode(request, checkpoint, chunk):
    engine = load_model(request.getfixturevalue(checkpoint))
    z = _latents(48, 8)
    whole = engine.decode(z, seed=5)
    decoder = engine.stream_decoder(seed=5)
    assert isinstance(decoder, StreamDecoder)
    parts = [decoder.decode(z[i : i + chunk]) for i in range(0, len(z), chunk)]
    streamed = np.concatenate(parts, axis=1)
    assert streamed.shape == whole.shape
    peak = np.abs(whole).max()
    assert peak > 1e-3
    # numpy (stream) vs torch (one-shot) rounding drifts the oscillator phases slowly:
    # equal within -54 dB of the peak.
    np.testing.assert_allclose(streamed, whole, atol=2e-3 * peak)
    decoder.reset(seed=5)  # back to silence: the same audio again
    np.testing.assert_allclose(decoder.decode(z), whole, atol=2e-3 * peak)
    decoder.close()
    with pytest.raises(RuntimeError):
        decoder.decode(z[:1])


def test_a_long_decode_runs_in_pieces_and_sounds_as_one_call(tiny_checkpoint, monkeypatch):
    """Offline decodes carry the decoder state from piece to piece (a whole 20-minute sound
    in one call ran out of memory): cutting the trajectory into pieces of 7 frames changes
    nothing but float rounding."""
    from latentscape.engines.vae import engine as vae_engine

    engine = load_model(tiny_checkpoint)
    z = _latents(48, 8)
    whole = engine.decode(z, seed=5)
    monkeypatch.setattr(vae_engine, "DECODE_CHUNK_FRAMES", 7)
    pieces = engine.decode(z, seed=5)
    assert pieces.shape == whole.shape
    np.testing.assert_allclose(pieces, whole, atol=1e-4 * np.abs(whole).max())  # -80 dB


@pytest.mark.parametrize("checkpoint", ["tiny_checkpoint", "envelope_checkpoint"])
def test_a_decode_starts_as_if_the_decoder_had_just_played_silence(request, checkpoint):
    """Training never scores the first frames after a zero decoder state; every training onset
    follows silence. So a decode (one-shot, streamed, or exported) starts at the state that
    the latents of silence leave, not at zero: the controls of its first frames are the ones
    the decoder gives after silence. (The stream decoder and the export equal this decode:
    test_stream_decoder_equals_one_shot_decode, test_export.)"""
    engine = load_model(request.getfixturevalue(checkpoint))
    core = engine._model.core
    z = torch.from_numpy(_latents(12, 8, seed=2))[None] * 0.5
    with torch.no_grad():
        silence = core.posterior(core.features(torch.zeros(1, (REST_FRAMES + 8) * 256)))[0]
        silence = silence[:, 4 : 4 + REST_FRAMES]
        zero = torch.zeros(1, 1, core.decoder_width)
        f0, amps, noise, _ = core.decoder(torch.cat([silence, z], dim=1), zero)
        _, f0_prev, amp_prev, phase, tail, counter = core.initial_state(1, 0)
        after_silence, *_ = core.synth(
            f0[:, REST_FRAMES:], amps[:, REST_FRAMES:], noise[:, REST_FRAMES:],
            f0_prev, amp_prev, phase, tail, counter,
        )  # fmt: skip
        cold_controls = core.decoder(z, zero)[1]
        decoded, _ = core.decode_step(z, core.initial_state(1, 0))
    assert not torch.allclose(cold_controls, amps[:, REST_FRAMES:], atol=1e-4)  # it matters
    peak = after_silence.abs().max()
    torch.testing.assert_close(decoded, after_silence, atol=1e-5 * peak, rtol=0)


def test_latency_is_one_hop_plus_half_the_noise_filter_and_under_12_ms(tiny_checkpoint):
    engine = load_model(tiny_checkpoint)
    decoder = engine.stream_decoder()
    assert decoder.latency_samples == 256 + 64
    assert 1000 * decoder.latency_samples / engine.sample_rate_hz <= 12.0


def test_seeds_make_noise_repeatable_and_none_makes_it_fresh(tiny_checkpoint):
    engine = load_model(tiny_checkpoint)
    z = _latents(20, 8, seed=1)
    np.testing.assert_array_equal(engine.decode(z, seed=3), engine.decode(z, seed=3))
    assert not np.array_equal(engine.decode(z, seed=3), engine.decode(z, seed=4))
    assert not np.array_equal(engine.decode(z, seed=None), engine.decode(z, seed=None))


def test_damaged_or_foreign_checkpoints_get_one_line_errors(tmp_path, tiny_checkpoint):
    data = torch.load(tiny_checkpoint, weights_only=True)
    del data["state_dict"]["decoder.head.weight"]
    bad = tmp_path / "bad.pt"
    torch.save(data, bad)
    with pytest.raises(ModelLoadError, match="damaged latentscape checkpoint"):
        load_model(bad)
    data = torch.load(tiny_checkpoint, weights_only=True)
    data["version"] = 99
    newer = tmp_path / "newer.pt"
    torch.save(data, newer)
    with pytest.raises(ModelLoadError, match="newer than this latentscape"):
        load_model(newer)


def test_a_stream_decode_on_a_worker_lets_other_threads_run(tiny_checkpoint):
    """The compiled frame kernel runs without the GIL, so a decode on a worker thread (the speed
    measurement after a model loads, renders) cannot hold up the GUI thread. With a switch
    interval of an hour the GIL changes hands only where its holder lets go of it: if the kernel
    held it, this thread would get it back only after the whole decode."""
    engine = load_model(tiny_checkpoint)
    decoder = engine.stream_decoder(seed=0)
    frames = _latents(4000, engine.latent_size)
    started, seen = threading.Event(), threading.Event()

    def decode() -> None:
        started.set()
        # decode again and again until this thread has run: a window as long as the test
        # thread may wait for a CPU on a busy machine (one decode is tens of ms)
        for _ in range(200):
            if seen.is_set():
                return
            decoder.decode(frames)

    worker = threading.Thread(target=decode)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(3600.0)
    try:
        worker.start()  # waits for the worker to start: it takes the GIL and starts decoding
        started.wait()  # this thread holds the GIL again: the worker let go of it, or ended
        decoding = worker.is_alive()
        seen.set()
    finally:
        sys.setswitchinterval(interval)
        worker.join()
    assert decoding


def test_a_decoder_process_decodes_from_a_torch_free_file_as_the_engine_does(
    tiny_checkpoint, tmp_path, monkeypatch
):
    """The decoder process loads our VAE from its ``decoder_file`` (numpy weights, no torch)
    and its voices decode sample for sample what the engine's own voices do."""
    import gc
    import subprocess
    import tempfile

    from latentscape.engines.audio.voice_host_process import _load

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engine = load_model(tiny_checkpoint)
    path = engine.decoder_file()
    assert path.parent.parent == tmp_path and path.name.endswith(".frames.npz")
    assert engine.decoder_file() == path and path.parent.stat().st_mode & 0o077 == 0
    loaded = _load(str(path))
    for name in ("sample_rate_hz", "hop_samples", "channels", "latent_size", "latency_samples"):
        assert getattr(loaded, name) == getattr(engine, name), name
    z = _latents(40, engine.latent_size, seed=3)
    want = engine.stream_decoder(seed=7)
    got = loaded.stream_decoder(seed=7)
    for chunk in (z[:5], z[5:6], z[6:]):
        np.testing.assert_array_equal(got.decode(chunk), want.decode(chunk))
    probe = (
        "import sys; from latentscape.engines.audio.voice_host_process import _load; "
        f"e = _load({str(path)!r}); print(e.latent_size, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(engine.latent_size), "False"]
    del engine, want
    gc.collect()
    assert not path.parent.exists()  # removed with its engine


@pytest.mark.audio
def test_a_voice_decoded_in_the_decoder_process_plays_the_offline_render(
    jack_server, tiny_checkpoint, tmp_path, monkeypatch
):
    """End to end through that file: the app's default decoder process plays our VAE's
    audition exactly as the offline render has it."""
    import tempfile

    from latentscape.engines.audio.engine import AudioEngine
    from latentscape.engines.audio.offline import render_offline
    from support.audio_waits import BLOCK, wait_until

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engine = load_model(tiny_checkpoint)
    z = _latents(80, engine.latent_size, seed=5)
    audio = AudioEngine(engine, "JACK", BLOCK, 48000, decoder="process")
    with audio:
        assert audio.decoder_mode == "process"
        start = audio.tap.position
        voice = audio.audition(z)
        wait_until(lambda: voice.finished)
        got, _ = audio.tap.read_since(start)
        want = render_offline(
            engine, trajectory=z, sample_rate_hz=audio.sample_rate_hz, channels=audio.channels,
            block_frames=audio.block_frames, seed=0,
        ).T  # fmt: skip
    first = int(np.flatnonzero(np.abs(got).max(axis=1) > 1e-7)[0])
    lead = int(np.flatnonzero(np.abs(want).max(axis=1) > 1e-7)[0])
    n = min(len(got) - first, len(want) - lead)
    assert n > 0.5 * len(want)
    np.testing.assert_allclose(got[first : first + n], want[lead : lead + n], atol=1e-5)
