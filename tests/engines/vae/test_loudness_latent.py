"""The optional loudness latent (``VaeConfig.loudness_latent``): old checkpoints are unchanged,
new ones stream, export and encode the loudness deterministically."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.vae.model import LOUDNESS_GAIN, VaeConfig, VaeCore, frame_loudness
from support.vae_models import tone, write_tiny_checkpoint


@pytest.fixture
def loud_checkpoint(tmp_path):
    return write_tiny_checkpoint(
        tmp_path / "loud.pt", loudness_latent=True, loudness_gain=LOUDNESS_GAIN
    )


def test_checkpoints_without_the_field_keep_the_pitch_only_latent(tiny_checkpoint):
    data = torch.load(tiny_checkpoint, weights_only=True)
    config = dict(data["config"])
    config.pop("loudness_latent", None)  # as written before the field existed
    core = VaeCore(VaeConfig.from_dict(config))
    assert core.fixed_dims == 1
    core.load_state_dict(data["state_dict"])  # same weights, same shapes as before


def test_loudness_dim_follows_the_level_and_is_not_sampled():
    core = VaeCore(VaeConfig(latent_size=8, n_mels=32, encoder_width=32, decoder_width=32,
                             n_harmonics=8, loudness_latent=True))  # fmt: skip
    x = torch.from_numpy(tone(330.0, 0.5, 44100, amp=0.3))[None]
    x = x[:, : x.shape[1] // 256 * 256]
    mean, logvar = core.posterior(core.features(x))
    quiet, _ = core.posterior(core.features(0.1 * x))
    assert mean.shape[-1] == 8 and logvar.shape[-1] == 6  # pitch and loudness are fixed
    # -20 dB of level is a constant shift of 20 dB / (5 nats * 4.34 dB/nat) per frame.
    shift = (mean[0, 4:-4, 1] - quiet[0, 4:-4, 1]).detach().numpy()
    np.testing.assert_allclose(shift, 20.0 / (5.0 * 10.0 / np.log(10.0)), atol=0.01)
    feats = core.features(x)
    torch.testing.assert_close(mean[..., 1:2], frame_loudness(feats, 32))


def test_the_level_skip_moves_the_output_level_with_the_loudness_dim():
    small = dict(latent_size=8, n_mels=32, encoder_width=32, decoder_width=32, n_harmonics=8)
    torch.manual_seed(0)
    plain = VaeCore(VaeConfig(**small, loudness_latent=True))
    skip = VaeCore(VaeConfig(**small, loudness_latent=True, loudness_gain=LOUDNESS_GAIN))
    skip.load_state_dict(plain.state_dict())  # same weights: only the skip differs
    with torch.no_grad():
        plain.decoder.head.bias[0] -= 5.0  # quiet: below the output nonlinearity's knee
        skip.decoder.head.bias[0] -= 5.0  # (the noise bands sit 5 lower by design)
        z = torch.randn(1, 10, 8)
        z[..., 1] = torch.linspace(-0.5, 1.0, 10)  # above the 1e-7 amplitude floor
        h = torch.zeros(1, 1, 32)
        _, amps0, noise0, _ = plain.decoder(z, h)
        _, amps1, noise1, _ = skip.decoder(z, h)
    # Amplitudes scale by exp(2.5 * loudness): one loudness unit is 2.5 nats of amplitude.
    expected = 2.5 * z[0, :, 1]
    got = torch.log(amps1.sum(-1) / amps0.sum(-1))[0]
    torch.testing.assert_close(got, expected, atol=0.1, rtol=0.0)
    got_noise = torch.log(noise1 / noise0)[0]
    torch.testing.assert_close(got_noise, expected[:, None].expand_as(got_noise), atol=0.1, rtol=0)


@pytest.mark.parametrize("chunk", [1, 5])
def test_stream_decoder_equals_one_shot_decode(loud_checkpoint, chunk):
    engine = load_model(loud_checkpoint)
    z = np.random.default_rng(0).standard_normal((30, 8)).astype(np.float32)
    whole = engine.decode(z, seed=2)
    decoder = engine.stream_decoder(seed=2)
    streamed = np.concatenate([decoder.decode(z[i : i + chunk]) for i in range(0, 30, chunk)], 1)
    peak = np.abs(whole).max()
    assert peak > 1e-3
    np.testing.assert_allclose(streamed, whole, atol=2e-3 * peak)


@pytest.mark.slow  # compiles TorchScript: ~5 s idle, 15-30 s on busy cores
def test_export_reloads_bit_identical(tmp_path, loud_checkpoint):
    out = tmp_path / "loud.ts"
    assert main(["export", str(loud_checkpoint), "-o", str(out)]) == 0
    exported, native = load_model(out), load_model(loud_checkpoint)
    z = np.random.default_rng(0).standard_normal((20, 8)).astype(np.float32)
    np.testing.assert_array_equal(exported.decode(z), native.decode(z))
    audio = np.random.default_rng(1).standard_normal(4000).astype(np.float32) * 0.1
    np.testing.assert_array_equal(exported.encode(audio), native.encode(audio))
