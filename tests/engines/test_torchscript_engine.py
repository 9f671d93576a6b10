"""TorchScriptEngine on tiny nn~-convention models built by the tests (none downloaded)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.engines.contract import ModelEngine, StreamDecoder
from latentscape.engines.errors import ModelLoadError
from latentscape.engines.loader import load_model
from latentscape.engines.script_state import MAX_SLOTS

# Every device torch can use here; CUDA runs only where a GPU is (CI has none).
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
    ),
]


def _assert_same(a: np.ndarray, b: np.ndarray, device: str) -> None:
    """Bit-equal on the CPU. On a GPU, kernels may round differently from call to call (seen
    on an H100: up to 2e-6 between two decodes with the same seed; a wrong seed moves ~0.1)."""
    if device == "cpu":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def _latents(frames: int, dims: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((frames, dims)).astype(np.float32)


def test_reads_everything_from_the_model(nn_model):
    engine = load_model(nn_model(latent=6, full_latent=16, hop=128, sr=22050, prior=True))
    assert isinstance(engine, ModelEngine)
    info = engine.info
    assert (info.sample_rate_hz, info.hop_samples, info.latent_size) == (22050, 128, 6)
    assert info.full_latent_size == 16
    assert info.channels == 1
    assert info.can_encode and info.has_prior and not info.can_stream
    assert info.parameter_count == sum(p.numel() for p in torch.jit.load(info.path).parameters())
    assert info.methods == ("encode", "decode", "forward", "prior")
    assert len(info.content_hash) == 64


def test_v1_style_sampling_rate_and_single_latent_dim(nn_model):
    engine = load_model(nn_model(latent=1, rate_attr="sampling_rate", sr=48000))
    assert engine.sample_rate_hz == 48000
    assert engine.latent_size == 1
    z = engine.encode(np.zeros(48000 // 10, np.float32))
    assert z.shape == (-(-4800 // engine.hop_samples), 1)
    assert engine.decode(z).shape == (1, z.shape[0] * engine.hop_samples)


def test_model_without_encoder_decodes_only(nn_model):
    engine = load_model(nn_model(encoder=False))
    assert not engine.can_encode
    with pytest.raises(NotImplementedError):
        engine.encode(np.zeros(640, np.float32))
    assert engine.decode(_latents(3, 4)).shape == (1, 3 * 64)
    said = [line for line in engine.info.report_lines() if line.startswith("encode:")]
    assert said == ["encode:           no (it cannot import sounds: only its prior can be heard)"]


@pytest.mark.parametrize("device", DEVICES)
def test_encode_is_stable_with_a_seed_and_fresh_without(nn_model, device):
    engine = load_model(nn_model(), device=device)
    audio = np.random.default_rng(1).standard_normal((2, 6400)).astype(np.float32)  # stereo in
    a = engine.encode(audio, seed=7)
    assert a.dtype == np.float32 and a.shape == (100, 4)
    _assert_same(a, engine.encode(audio, seed=7), device)
    assert np.abs(a - engine.encode(audio, seed=None)).max() > 1e-3


def test_averaged_encode_is_closer_to_the_posterior_mean(nn_model):
    path = nn_model()
    audio = np.random.default_rng(1).standard_normal(6400).astype(np.float32)
    single = load_model(path)
    averaged = load_model(path, encode_passes=16)
    mean = np.mean([single.encode(audio, seed=s) for s in range(64)], axis=0)
    err_single = np.abs(single.encode(audio, seed=999) - mean).mean()
    err_avg = np.abs(averaged.encode(audio, seed=999) - mean).mean()
    assert err_avg < 0.5 * err_single


@pytest.mark.parametrize("device", DEVICES)
def test_noise_padding_of_cropped_dims_is_seed_locked(nn_model, device):
    engine = load_model(nn_model(latent=2, full_latent=8), device=device)
    z = _latents(10, 2)
    _assert_same(engine.decode(z, seed=3), engine.decode(z, seed=3), device)
    assert np.abs(engine.decode(z, seed=3) - engine.decode(z, seed=4)).max() > 1e-3
    assert np.abs(engine.decode(z, seed=None) - engine.decode(z, seed=None)).max() > 1e-3


@pytest.mark.parametrize("device", DEVICES)
def test_streaming_state_is_detected_zeroed_and_reset(nn_model, device):
    engine = load_model(nn_model(streaming=True), device=device)
    assert engine.can_stream
    model = engine._model
    for name, buf in model.named_buffers():
        if name.endswith(("pad", "_cache")):
            assert float(buf.abs().sum()) == 0.0, f"{name} shipped state was not zeroed"
    z = _latents(12, 4)
    decoder = engine.stream_decoder(seed=0)
    first = decoder.decode(z)
    decoder.reset(seed=0)
    again = decoder.decode(z)
    np.testing.assert_allclose(again, first, atol=1e-6)
    decoder.close()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_streaming_chunks_equal_one_shot_decode(nn_model, chunk, device):
    """Chunk size does not change a streaming model's output (no clicks at boundaries)."""
    engine = load_model(nn_model(streaming=True), device=device)  # no cropped dims: no noise
    z = _latents(20, 4)
    whole = engine.decode(z)
    decoder = engine.stream_decoder()
    parts = [decoder.decode(z[i : i + chunk]) for i in range(0, len(z), chunk)]
    atol = 1e-5 if device == "cpu" else 1e-4  # a GPU's phase sums round differently (1.5e-5)
    np.testing.assert_allclose(np.concatenate(parts, axis=1), whole, atol=atol)
    decoder.close()


def test_a_long_decode_of_a_streaming_export_runs_in_pieces_and_sounds_as_one_call(
    nn_model, monkeypatch
):
    """An offline decode (a render, a gallery sound) of a streaming export carries the state
    from piece to piece: memory stays bounded on long renders and the sound does not change.
    The voices' slots are untouched (the piece decoder takes its own and gives it back)."""
    from latentscape.engines import torchscript_engine

    engine = load_model(nn_model(streaming=True))  # no cropped dims: no noise
    z = _latents(40, 4)
    whole = engine.decode(z)
    monkeypatch.setattr(torchscript_engine, "DECODE_CHUNK_FRAMES", 7)
    calls = []
    monkeypatch.setattr(
        engine, "_call", lambda *a, _call=engine._call: calls.append(1) or _call(*a)
    )
    pieces = engine.decode(z)
    assert len(calls) == 6  # 40 frames in pieces of 7
    np.testing.assert_allclose(pieces, whole, atol=1e-5)
    voices = [engine.stream_decoder() for _ in range(MAX_SLOTS)]  # every slot is free again
    for v in voices:
        v.close()


def test_a_long_decode_of_a_non_streaming_export_runs_in_windows_and_sounds_as_one_call(
    nn_model, monkeypatch
):
    """A non-streaming export (RAVE's default) decodes a long trajectory in windows with
    context on both sides, cross-faded: memory stays bounded, and for a model whose receptive
    field fits in the context the sound is that of one call."""
    from latentscape.engines import torchscript_engine

    engine = load_model(nn_model(tone=False))  # convolutions only: no oscillator phase
    assert not engine.can_stream
    z = _latents(60, 4)
    whole = engine.decode(z)
    monkeypatch.setattr(torchscript_engine, "DECODE_CHUNK_FRAMES", 8)
    monkeypatch.setattr(torchscript_engine, "OFFLINE_CONTEXT_FRAMES", 8)
    windows = []
    monkeypatch.setattr(
        engine, "_call", lambda *a, _call=engine._call: windows.append(a[1].shape[-1]) or _call(*a)
    )
    pieces = engine.decode(z)
    assert windows == [16, 24, 24, 24, 24, 24, 20, 12]  # 8 frames and up to 8 each side
    np.testing.assert_allclose(pieces, whole, atol=1e-6)


@pytest.mark.parametrize("streaming", [True, False])
def test_a_decode_scope_changes_speed_not_sound(nn_model, streaming):
    """A voice thread's decode scope (one inference mode for the loop) gives the same audio
    as per-call scopes, and ends with the loop."""
    engine = load_model(nn_model(streaming=streaming))
    z = _latents(12, 4)
    plain = engine.stream_decoder()
    scoped = engine.stream_decoder()
    expected = np.concatenate([plain.decode(z[i : i + 3]) for i in range(0, 12, 3)], axis=1)
    with scoped.decode_scope():
        assert torch.is_inference_mode_enabled()
        got = np.concatenate([scoped.decode(z[i : i + 3]) for i in range(0, 12, 3)], axis=1)
    assert not torch.is_inference_mode_enabled()
    np.testing.assert_array_equal(got, expected)
    plain.close()
    scoped.close()


def test_each_voice_keeps_its_own_state(nn_model):
    engine = load_model(nn_model(streaming=True))
    za, zb = _latents(16, 4, 1), _latents(16, 4, 2)
    alone_a = engine.decode(za)
    alone_b = engine.decode(zb)
    va, vb = engine.stream_decoder(), engine.stream_decoder()
    out_a, out_b = [], []
    for i in range(16):  # interleave the two voices frame by frame
        out_a.append(va.decode(za[i : i + 1]))
        out_b.append(vb.decode(zb[i : i + 1]))
    np.testing.assert_allclose(np.concatenate(out_a, 1), alone_a, atol=1e-5)
    np.testing.assert_allclose(np.concatenate(out_b, 1), alone_b, atol=1e-5)
    va.close()
    vb.close()


def test_voice_slots_are_capped_and_released(nn_model):
    engine = load_model(nn_model(streaming=True))
    voices = [engine.stream_decoder() for _ in range(MAX_SLOTS)]
    with pytest.raises(ModelLoadError, match="too many voices"):
        engine.stream_decoder()
    voices.pop().close()
    voices.append(engine.stream_decoder())
    for v in voices:
        v.close()


def _largest_jump(audio: np.ndarray) -> float:
    """Largest second difference: tiny for a smooth tone, large at a click."""
    return float(np.abs(np.diff(audio, n=2, axis=-1)).max())


def test_non_streaming_model_streams_without_clicks(nn_model):
    """Plain chunked decoding of a non-streaming model clicks; the cross-fade does not."""
    engine = load_model(nn_model(streaming=False))
    assert not engine.can_stream
    z = np.repeat(_latents(1, 4), 40, axis=0)  # a steady tone
    decoder = engine.stream_decoder()
    assert isinstance(decoder, StreamDecoder)
    assert decoder.latency_samples == engine.hop_samples
    streamed = np.concatenate([decoder.decode(z[i : i + 2]) for i in range(0, 40, 2)], axis=1)
    naive = np.concatenate([engine.decode(z[i : i + 2]) for i in range(0, 40, 2)], axis=1)
    steady = streamed[:, 4 * engine.hop_samples :]  # after the fade-in from silence
    own = _largest_jump(engine.decode(z))  # the signal's own largest sample step
    assert _largest_jump(naive) > 5.0 * own  # the problem is real
    assert _largest_jump(steady) <= 1.5 * own


def test_stereo_mode(nn_model):
    engine = load_model(nn_model(stereo_capable=True), stereo=True)
    assert engine.channels == 2
    out = engine.decode(_latents(5, 4))
    assert out.shape == (2, 5 * 64)
    mono = load_model(nn_model(stereo_capable=True))
    assert mono.channels == 1


def test_prior_samples_latent_trajectories(nn_model):
    engine = load_model(nn_model(prior=True, latent=3))
    z = engine.sample_prior(frames=12, temperature=0.5, seed=1)
    assert z.shape == (12, 3) and z.dtype == np.float32
    np.testing.assert_array_equal(z, engine.sample_prior(frames=12, temperature=0.5, seed=1))
    hot = engine.sample_prior(frames=2000, temperature=2.0, seed=2)
    cold = engine.sample_prior(frames=2000, temperature=0.5, seed=2)
    assert hot.std() > 2.5 * cold.std()
    with pytest.raises(NotImplementedError):
        load_model(nn_model()).sample_prior(4)


def test_inference_runs_on_one_torch_thread(nn_model):
    load_model(nn_model())
    assert torch.get_num_threads() == 1


def test_the_device_is_chosen_and_checked(nn_model, monkeypatch):
    path = nn_model()
    monkeypatch.delenv("LATENTSCAPE_DEVICE", raising=False)
    assert load_model(path).device == "cpu"  # the default (torch_runtime.default_device)
    monkeypatch.setenv("LATENTSCAPE_DEVICE", "tpu")
    with pytest.raises(ModelLoadError, match="device tpu: choose auto, cpu, cuda or cuda:N"):
        load_model(path)
    assert load_model(path, device="auto").device == (
        "cuda:0" if torch.cuda.is_available() else "cpu"
    )
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="torch sees no CUDA GPU here"):
            load_model(path, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_a_model_on_the_gpu_matches_the_cpu(nn_model):
    path = nn_model(streaming=True)
    gpu, cpu = load_model(path, device="cuda"), load_model(path, device="cpu")
    assert gpu.device == "cuda:0" and next(gpu._model.parameters()).is_cuda
    assert any(note.startswith("runs on cuda:0") for note in gpu.info.notes)
    z = _latents(20, 4)
    np.testing.assert_allclose(gpu.decode(z), cpu.decode(z), atol=1e-4)
    decoder = gpu.stream_decoder()
    parts = [decoder.decode(z[i : i + 3]) for i in range(0, len(z), 3)]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), cpu.decode(z), atol=1e-4)
    decoder.close()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_a_model_that_cannot_run_on_the_gpu_falls_back_to_the_cpu(nn_model):
    engine = load_model(nn_model(latent=2, full_latent=4, fault="cpu_noise"), device="cuda")
    assert engine.device == "cpu"
    assert any("cannot run on cuda:0" in note for note in engine.info.notes)
    assert engine.decode(_latents(5, 2), seed=1).shape == (1, 5 * 64)
