"""What a perfect decoder could reach with a VAE's own synthesizer (used by vae_quality.py).

For each file: the model's pitch track (YIN, as the decoder receives it) is kept, and the
per-frame harmonic amplitudes and noise-band magnitudes are optimised directly (Adam on the
training loss) through the model's :class:`~latentscape.engines.vae.synthesis.DdspSynth`. The
fitted controls are then rendered with a *different* noise realization, so the score does not
credit fitting one particular noise sample. One thread; ~20 s per 2 s file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from latentscape.engines.audio_metrics import FFT_SIZES, mrstft, spectral_convergence_per_fft
from latentscape.engines.vae.dataset import prepare_audio, read_mono
from latentscape.engines.vae.features import midi_to_hz
from latentscape.engines.vae.losses import SpectralLoss


def _pitch_track(core, x: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(audio [N'], features [T, F], f0 [1, T] Hz)``: ``x`` padded to whole hops and the pitch
    the decoder would synthesize at (its YIN pitch latent)."""
    audio = prepare_audio(x, core.hop, 1)
    with torch.no_grad():
        feats = core.features(audio[None])[0]
    midi = 69.0 + 12.0 * feats[:, core.pitch_feature]
    return audio, feats, midi_to_hz(midi).clamp(20.0, core.sample_rate_hz / 2.0)[None]


def _render(synth, f0, amps, noise_mags, counter: int) -> torch.Tensor:
    """Audio ``[1, T * hop]`` from controls ``f0 [1, T]``, ``amps [1, T, K]``, ``noise_mags
    [1, T, bands]``, from silence, noise read from ``counter``."""
    k = amps.shape[-1]
    harm, _ = synth.harmonic(f0, amps, f0[:, :1], torch.zeros(1, k), torch.zeros(1, 1).double())
    tail = torch.zeros(1, synth.taps - 1)
    noise, _ = synth.noise(noise_mags, tail, torch.full((1,), counter))
    return (harm + noise).reshape(1, -1)


def fit_file(core, x: np.ndarray, iters: int = 150) -> np.ndarray:
    """Controls fitted to ``x`` (mono float32), rendered with another noise: audio ``[N]``."""
    synth = core.synth
    audio, _, f0 = _pitch_track(core, x)
    t, k = f0.shape[1], synth.n_harmonics
    audible = (f0[..., None] * synth.harmonic_numbers < core.sample_rate_hz / 2.0).float()
    log_amps = torch.full((1, t, k), -7.0, requires_grad=True)
    log_noise = torch.full((1, t, synth.n_bands), -7.0, requires_grad=True)
    opt = torch.optim.Adam([log_amps, log_noise], lr=0.1)
    loss_fn = SpectralLoss()

    def render(counter: int) -> torch.Tensor:
        return _render(synth, f0, log_amps.exp() * audible, log_noise.exp(), counter)

    for i in range(iters):
        if i == iters // 2:
            opt.param_groups[0]["lr"] = 0.03
        loss = loss_fn(render(0), audio[None])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return render(12345)[0, : x.size].numpy()


@torch.no_grad()
def measured_controls_audio(core, x: np.ndarray) -> np.ndarray:
    """``x`` rendered by the model's synth from the controls the trainer measures for control
    supervision (engines/vae/analysis.py), with another noise than training sees: ``[N]``."""
    from latentscape.engines.vae.trainer import control_analyser

    audio, feats, f0 = _pitch_track(core, x)
    controls = control_analyser(core)(audio, feats)[None]
    k = core.n_harmonics
    return _render(core.synth, f0, controls[..., :k], controls[..., k:], 12345)[0, : x.size].numpy()


def synth_oracle(engine, files: list[Path], per_class: int) -> list[str]:
    """``name = value`` lines: the oracle's MR-STFT and SC (all, pitched, drums, per FFT)."""
    from vae_quality import is_pitched

    core = engine._model.core
    torch.set_num_threads(1)
    chosen = [f for f in files if is_pitched(f.name)][:per_class]
    chosen += [f for f in files if not is_pitched(f.name)][:per_class]
    rows: dict[str, list[tuple[float, list[float]]]] = {"pitched": [], "drums": []}
    for path in chosen:
        x = read_mono(path, engine.sample_rate_hz)
        y = fit_file(core, x)
        group = "pitched" if is_pitched(path.name) else "drums"
        rows[group].append((mrstft(y, x)[0], spectral_convergence_per_fft(y, x)))
    lines = [f"synth_oracle_files = {len(chosen)}"]
    every = rows["pitched"] + rows["drums"]
    for name, items in (("all", every), ("pitched", rows["pitched"]), ("drums", rows["drums"])):
        if not items:
            continue
        lines.append(f"synth_oracle_{name}.mrstft = {np.mean([m for m, _ in items]):.3f}")
        scs = np.array([s for _, s in items])
        lines.append(f"synth_oracle_{name}.spectral_convergence = {scs.mean():.3f}")
        if name == "all":
            lines += [f"synth_oracle.sc_fft{n} = {v:.3f}" for n, v in zip(FFT_SIZES, scs.mean(0))]
    return lines
