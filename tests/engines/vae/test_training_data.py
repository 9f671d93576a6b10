"""Training-side details that change what (and how fast) the VAE learns, not what it computes:
the lead-in silence before each training file, the PCA from cached features, the pitch that
carries no gradient, and the measured controls that supervise the decoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.engines.vae.dataset import build_corpus, prepare_audio
from latentscape.engines.vae.model import VaeConfig, VaeCore
from latentscape.engines.vae.train_checkpoints import latent_pca
from latentscape.engines.vae.trainer import TrainingModule, control_analyser
from support.vae_models import TINY, tone

HOP = 256


def _core() -> VaeCore:
    torch.manual_seed(0)
    return VaeCore(VaeConfig(**TINY, loudness_latent=True))


def test_lead_in_puts_silence_before_the_sound_and_keeps_its_features(tmp_path):
    import soundfile as sf

    x = tone(440.0, 0.3, 44100, amp=0.5)
    sf.write(tmp_path / "note.wav", x, 44100)
    core = _core()
    plain = build_corpus([tmp_path / "note.wav"], core.features, 44100, 1)
    lead = build_corpus([tmp_path / "note.wav"], core.features, 44100, 1, lead_frames=8)
    # The onset now sits 8 hops into the file, after silence ...
    assert lead.audio[0].shape[0] == plain.audio[0].shape[0] + 8 * HOP
    assert torch.count_nonzero(lead.audio[0][: 8 * HOP]) == 0
    torch.testing.assert_close(lead.audio[0][8 * HOP :], plain.audio[0], rtol=0, atol=0)
    # ... and the sound's own frames are analysed exactly as without the lead-in.
    assert torch.equal(lead.feats[0][8:], plain.feats[0])


def test_prepare_audio_pads_to_whole_hops_after_the_lead_in():
    audio = prepare_audio(np.ones(300, np.float32), HOP, min_frames=1, lead_frames=2)
    assert audio.shape[0] == 4 * HOP  # 2 lead hops + ceil(300 / 256) = 2 hops
    assert audio[: 2 * HOP].abs().sum() == 0 and audio[2 * HOP : 2 * HOP + 300].min() == 1


def _three_tones(folder) -> list:
    """Three short tones of different pitch and level, written to ``folder``."""
    import soundfile as sf

    for i, f in enumerate([220.0, 330.0, 550.0]):
        sf.write(folder / f"t{i}.wav", tone(f, 0.4, 44100, amp=0.2 + 0.2 * i), 44100)
    return sorted(folder.glob("*.wav"))


def test_pca_from_cached_features_equals_encoding_the_audio(tmp_path):
    core = _core()
    corpus = build_corpus(_three_tones(tmp_path), core.features, 44100, 1)
    mean, _, var = latent_pca(core, corpus)
    with torch.no_grad():
        means = torch.cat([core.encode_mean(a[None])[0] for a in corpus.audio])
    torch.testing.assert_close(mean, means.mean(0))
    centred = means - means.mean(0)
    torch.testing.assert_close(
        centred.square().sum(0).sum() / (means.shape[0] - 1), var.sum(), rtol=1e-4, atol=1e-6
    )


def test_pca_leaves_out_the_lead_in_silence(tmp_path):
    core = _core()
    files = _three_tones(tmp_path)
    plain = build_corpus(files, core.features, 44100, 1)
    lead = build_corpus(files, core.features, 44100, 1, lead_frames=8)
    # The sound's own frames have the same features either way, so the same PCA (up to the
    # encoder's three frames of context, which see silence or zero padding at the onset).
    mean_lead, _, var_lead = latent_pca(core, lead)
    mean_plain, _, var_plain = latent_pca(core, plain)
    torch.testing.assert_close(mean_lead, mean_plain, rtol=0, atol=2e-3)
    torch.testing.assert_close(var_lead.sum(), var_plain.sum(), rtol=0.02, atol=0)


def test_no_gradient_flows_through_the_oscillator_phases():
    # The pitch dim is a feature, never learned: backpropagating through the sines cost ~40 %
    # of a training step for a gradient that reaches no weight.
    core = _core()
    with torch.no_grad():
        core.decoder.pre[0].weight[:, 0] = 0.0  # leave the oscillators as the pitch's only use
    z = torch.randn(2, 12, TINY["latent_size"]) * 0.3
    z[..., 0] = 0.1
    z.requires_grad_(True)
    audio, _ = core.decode_step(z, core.initial_state(2, 0))
    audio.square().sum().backward()
    assert z.grad[..., 0].abs().sum() == 0
    assert z.grad[..., 2:].abs().sum() > 0


def test_the_corpus_serves_measured_controls_with_each_crop(tmp_path):
    import soundfile as sf

    sf.write(tmp_path / "note.wav", tone(330.0, 0.5, 44100, amp=0.4), 44100)
    core = _core()
    corpus = build_corpus(
        [tmp_path / "note.wav"], core.features, 44100, 1, analyser=control_analyser(core)
    )
    whole = corpus.controls[0]
    assert whole.shape == (corpus.feats[0].shape[0], core.n_harmonics + core.synth.n_bands)
    _, feats, controls = corpus.sample_batch(np.random.default_rng(1), 3, 24)
    assert controls.shape == (3, 24, whole.shape[1])
    for f, c in zip(feats, controls):  # the controls belong to the same frames as the features
        frames = corpus.feats[0].shape[0]
        start = next(s for s in range(frames - 23) if torch.equal(corpus.feats[0][s : s + 24], f))
        torch.testing.assert_close(c, whole[start : start + 24])
    # The note's fundamental is read back (330 Hz, amplitude 0.4 at its start, then decaying).
    assert abs(whole[:, 0].max().item() - 0.4) < 0.04
    assert (
        build_corpus([tmp_path / "note.wav"], core.features, 44100, 1).sample_batch(
            np.random.default_rng(1), 3, 24
        )[2]
        is None
    )


def test_pitch_shifted_copies_are_sounds_of_their_own_a_whole_tone_away(tmp_path):
    import soundfile as sf

    sf.write(tmp_path / "note.wav", tone(330.0, 0.5, 44100, amp=0.4), 44100)
    core = _core()
    corpus = build_corpus(
        [tmp_path / "note.wav"],
        core.features,
        44100,
        1,
        analyser=control_analyser(core),
        shifts=(-2.0, 2.0),
    )
    assert corpus.names == ["note.wav"] * 3
    step = 2.0 ** (2.0 / 12.0)
    for audio, feats, controls, ratio in zip(
        corpus.audio, corpus.feats, corpus.controls, (1.0, 1 / step, step)
    ):
        voiced = feats[:, -1] > 0.9
        f0 = 440.0 * 2.0 ** feats[voiced, core.pitch_feature].median().item()
        assert f0 == pytest.approx(330.0 * ratio, rel=0.01)  # the pitch moved ...
        assert controls[:, 0].max().item() == pytest.approx(0.4, abs=0.04)  # ... the level not
        assert torch.count_nonzero(audio).item() == pytest.approx(0.5 * 44100 / ratio, rel=0.02)


def test_control_steps_learn_the_controls_without_synthesizing():
    """A control-only step fits the decoder to measured controls; the synth never runs."""
    core = _core()
    module = TrainingModule(core, context_frames=2, control_weight=1.0)
    x = torch.from_numpy(tone(220.0, 40 * HOP / 44100, 44100, amp=0.3))[None]
    feats = core.features(x)
    controls = control_analyser(core)(x[0], feats[0])[None]
    synth_calls = []
    core.synth.register_forward_hook(lambda *a: synth_calls.append(1))
    optimizer = torch.optim.Adam(core.parameters(), lr=3e-3)
    losses = []
    for _ in range(150):
        loss, fit, _ = module(x, feats, controls, 0.0, audio_loss=False)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(fit.item())
    assert synth_calls == []
    assert losses[-1] < 0.3 * losses[0], losses[::10]
    module(x, feats, controls, 0.0, audio_loss=True)
    assert synth_calls == [1]
