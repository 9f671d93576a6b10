"""The latentscape VAE: a small conv encoder and a causal GRU decoder driving a DDSP synth.

Why this architecture (measured on this project's 2-core CPU, shared with five other jobs;
held-out test set of 71 sounds, see ``bench/vae_quality.py`` and resources/demo/PROVENANCE.md):

- A RAVE-style waveform decoder trained for 20 CPU minutes reconstructs held-out sounds at
  MR-STFT 2.10 and sounds like shaped noise (issue 3). Waveform decoders must *learn* phase
  coherence, which takes far more steps than a CPU gives.
- A DDSP decoder gets coherence for free: the network only predicts, per 5.8 ms frame, 60
  harmonic amplitudes and 65 noise-band magnitudes; the synthesizer (:mod:`.synthesis`) turns
  them into audio with a phase-continuous oscillator bank and filtered noise. It cannot
  produce white noise unless it is asked for flat noise bands.
- Unsupervised f0 does not train in DDSP. First try (run 1): a pitch head supervised with a YIN
  estimate (computed once per file, :mod:`.features`), synthesizing at the predicted pitch.
  After 20 CPU minutes (2,100 steps) its error was still ~0.5 semitone: MR-STFT 1.58, spectral
  convergence 0.87, log-mel 3.8 dB, level -5.9 dB. Now (run 2) latent dimension 0 *is* the YIN
  pitch (octaves re A4, held through unvoiced frames, deterministic: no sampling, no KL) and
  the decoder synthesizes exactly at that pitch; the other L - 1 dims are variational. In the
  same 20 minutes (only 1,122 steps: the machine was busier) MR-STFT 1.50, spectral convergence
  0.88, log-mel 3.2 dB, level -2.9 dB, flatness ratio -0.16; the training loss fell twice as
  fast per step. Drums use the noise branch: the overall harmonic amplitude is the voicing
  gate. Bonus: after PCA, pitch is a clean, musical knob.
- Spectral convergence (SC) is the hard goal. Diagnosis of the demo model (SC 0.870 on the
  held-out set; ``bench/vae_quality.py`` prints these lines): SC is flat across FFT sizes
  (0.85-0.90 from 2048 to 64), so neither pitch precision (would hurt 2048) nor phase (would
  hurt 64) dominates; 10 of 71 files score above 1 (worse than silence) and carry half the
  excess over 0.5: quiet sounds came out up to 13 dB too loud and loud ones too quiet (the
  model compressed the dynamics, on training files too). Scaling each output by its best gain
  alone gives 0.645. This synthesizer driven by controls fitted per file (the synth oracle,
  scored with another noise realization) reaches 0.33 (pitched 0.18, drums 0.48), while a
  random all-pass of the input scores 1.03 and its STFT magnitudes with random phases 0.58:
  the synthesizer (60 harmonics, 128-tap noise filter) is not the limit, the decoder is.
  A longer noise filter or more noise bands did not help the oracle (48 log-spaced band-noise
  tables: 0.59 with a fresh noise realization).
- Two changes follow (both measured with 20 CPU minutes, seed 0, trainer notes in
  :mod:`.trainer`): spectral convergence per crop in the loss (:mod:`.losses`), and, in models
  trained from now on, a deterministic loudness latent (dim 1, the log mean mel power of the
  frame) that drives the output level through a fixed skip (``loudness_gain``): the network
  learns the timbre, not the level. Given the loudness dim *without* the skip, the decoder
  did not use it (SC 1.11, worse); with it, dynamics follow the input.
- Under-fitting, not over-fitting (measured 27 Nov, bench on the 71 test sounds, 20 minutes,
  two runs side by side with one torch thread each): the demo-candidate model scores the same
  SC on 71 *training* files (0.708) as on the test set (0.700). A training step took 0.33 s
  on one idle thread, over a third of it in the oscillator bank's backward pass, for a
  gradient that reaches no weight (the pitch is a feature): the phases are now detached
  (0.21 s; 0.13 s with two threads), and the checkpoint PCA reuses the corpus features
  (10 s -> 0.8 s per checkpoint, every 2 minutes).
  1.8x the steps alone did not help (SC 0.709 with KL 1e-4, 5,466 steps). What helped: a
  lead-in of silence before each training file (TrainOptions.lead_in_frames): crops skip
  their first 8 frames in the loss, so onsets at a file's start never counted (SC 0.675,
  pitched 0.611 -> 0.568), and KL weight 1e-5 (0.665). Did not help: learning rate 2e-3
  (validation 0.74) or 5e-4 (0.64), 32 latent dims (0.76), batch 16 (0.667, half the
  steps), a third of the crops at file starts (validation 0.66; removed). Caution,
  run-to-run spread is large. Five seeds of these defaults (20 min, one thread, two runs side
  by side) scored 0.665, 0.695, 0.661, 0.850, 0.775 (mean 0.729); through ``latentscape
  train --threads 2`` alone, 0.769. Single runs prove nothing under ~0.1. Most of the spread
  is the output level of single files: with the best gain per file the five lie within
  0.59-0.62, and one global gain of -3 to -6 dB, chosen on training files, takes the two
  worst seeds to 0.761 and 0.717 (at the cost of the level goal, ±3 dB). A gate of the
  harmonics by YIN periodicity would not fix the worst files (SC > 1): they are tonal drums
  (bongos, toms) with periodicity > 0.8 whose attack frames come out 5-10 dB too loud, and
  YIN octave jumps (1 % of the test energy). What is left on steady pitched notes: the harmonic
  distribution (e.g. a guitar's 2nd harmonic 10 dB too weak, on training notes too).
- Control supervision (measured 27 Nov, same bench, 20 minutes, seed 0, two runs side by
  side, one thread each). The synth's controls can be *measured* from a recording
  (:mod:`.analysis`: harmonic peaks at k f0, residual noise bands); rendered as they are they
  score SC 0.432 with no network. The trainer measures them once per training file and, for
  the first part of the budget (half in this table; three quarters now, see below), trains
  the decoder to output them: no synthesis and no STFT,
  0.05 s a step instead of 0.2 s. Then the audio loss joins (TrainOptions.control_weight,
  audio_loss_after). Held-out SC (pitched / drums), steps:

  ====================================================  =====  =============  ======
  audio loss only (the previous demo)                   0.665  0.575 / 0.841   5,287
  controls only                                         0.646  0.506 / 0.920  20,413
  controls, audio loss from half-way                    0.597  0.511 / 0.767  12,644
  + harmonic envelope (below)                           0.570  0.500 / 0.706  12,917
  + weight average 0.999, onset scaling (**the demo**)  0.566  0.494 / 0.708  12,964
  the same, audio loss from a quarter                   0.610  0.516 / 0.792   9,356
  harmonic envelope, audio loss from three quarters     0.714  0.564 / 1.008  16,657
  ====================================================  =====  =============  ======

  **Harmonic envelope** (``envelope_points``): rendering the decoder's harmonics with the
  measured noise scored 0.48 on pitched notes, its noise with the measured harmonics 0.36:
  the partials were the error. A partial's amplitude depends on where ``k f0`` falls in the
  spectral envelope, a different place for every pitch, which a network must learn pitch by
  pitch. The decoder now also outputs 96 log-amplitudes on a mel grid, read at every
  partial's frequency and added to its logit, so one envelope serves every pitch.
  Did not help: a periodicity latent that gates the partials as the measured controls are
  gated (0.615, drums 0.822), a 256-wide decoder (0.721, 10,402 steps).
  Seeds 1 and 2 of that recipe (through ``latentscape train``): 0.618 (0.528 / 0.794) and
  **1.148** (0.876 / 1.682): seed 2 played quiet sounds 6-19 dB too loud. Cause below.
- **Rest state** (measured 27 Nov, later). Every figure above decoded from a zero GRU state.
  Training crops start from zero too, but their first 8 frames are never scored, so what
  the decoder plays in its first frames after a zero state is whatever a run's weights give:
  seed 2 played the first two frames of drum024 21 dB too loud (SC 8.5 for that file).
  Decodes now start from the state that 8 frames of the latents of silence leave
  (:meth:`VaeCore.settle`), what every training onset followed (the trainer's lead-in).
  Same weights, re-scored: seeds 0-2 above 0.566 / 0.618 / 1.148 -> 0.535 / 0.533 / 0.534;
  controls only 0.646 -> 0.531; controls with audio loss from a quarter 0.610 -> 0.541, from
  half-way 0.570 -> 0.536, from three quarters 0.714 -> 0.526. The run-to-run spread that
  decided the choices above was mostly this, so the audio loss now joins at three quarters
  (0.523 with the weight average).
- **Harmonic start phases** (:func:`.synthesis.harmonic_start_phases`): sines that start in
  phase add up to a pulse per period, which 64- and 128-point FFTs hear. Fixed spread phases
  (seed 2, chosen on training files): the demo-candidate decoders score 0.535 -> 0.501 and
  0.523 -> 0.491 with no retraining, pitched notes gain most (0.475 -> 0.436).
  Both changes together, trained with (``latentscape train --minutes 20 --threads 1``, two
  runs side by side): seed 0 0.491 (pitched 0.422, drums 0.625), seed 1 0.501 (0.431 /
  0.637). Trained with or without the phases makes no difference (0.491 both). Did not
  help: 32 latent dims (0.501).
- **Pitch-shifted copies** (TrainOptions.pitch_shifts): pitched notes the model had not heard
  were its other weakness (partials SC 0.39 on training notes, 0.48 on test notes). Every
  training sound is also kept resampled 2 semitones down and up, as a sampler plays a note
  on nearby keys: seed 0 0.491 -> 0.479 (pitched 0.422 -> 0.402). Through the CLI, seeds 0-2:
  **0.481** (0.408 / 0.624, the demo), 0.491 (0.414 / 0.642), 0.479 (0.404 / 0.625).
  What is left: drums (0.62; their measured controls scored 0.58 with sines in phase): the
  bell, triangle, snap, snare and cymbals come out 5-10 dB too quiet (bright, noisy or
  inharmonic sounds).
- Causality: the decoder is a GRU over latent frames and the synth glides from the previous
  frame's controls, so streaming is exact with a one-hop lag (5.8 ms at hop 256 + 1.5 ms noise
  filter delay = 7.3 ms < 12 ms). The encoder sees a little future (it is offline).
- Size: 0.83 M parameters (3.5 MB); a training step (8 crops of 0.42 s) takes ~0.2 s on one
  idle core, 0.05 s without the audio loss.

Shapes: latent trajectories are ``[B, T, L]`` in this module (frames, then dims).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .features import FeatureExtractor, midi_to_hz
from .synthesis import NOISE_TAPS, DdspSynth
from .train_options import LEAD_IN_FRAMES


@dataclass(frozen=True)
class VaeConfig:
    """Hyper-parameters fixed at model creation (stored in the checkpoint as a plain dict)."""

    sample_rate_hz: int = 44100
    hop: int = 256
    latent_size: int = 16
    n_mels: int = 64
    encoder_width: int = 256
    decoder_width: int = 192
    n_harmonics: int = 60
    n_bands: int = NOISE_TAPS // 2 + 1
    # Latent dim 1 is the frame loudness (deterministic, like the pitch in dim 0). False in
    # checkpoints written before it existed (they load and decode exactly as before).
    loudness_latent: bool = False
    # With the loudness latent: add ``loudness_gain * z[1]`` to the harmonic and noise level
    # pre-activations, so that the level follows the loudness dim without being learned
    # (0: no skip; LOUDNESS_GAIN makes one loudness unit one unit of output log-amplitude).
    loudness_gain: float = 0.0
    # Harmonic spectral envelope: the decoder also outputs this many log-amplitudes on a mel
    # grid (0 Hz to Nyquist), read at every harmonic's frequency and added to its own logit,
    # so that one envelope serves every pitch (0: none, as in checkpoints written before).
    envelope_points: int = 0
    # Fixed phase offsets of the harmonic oscillators (synthesis.harmonic_start_phases; None:
    # every sine starts in phase, as in checkpoints written before).
    harmonic_phase_seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VaeConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def scaled_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """DDSP's positive output nonlinearity: ``2 sigmoid(x) ** ln 10 + 1e-7``."""
    return 2.0 * torch.sigmoid(x).pow(math.log(10.0)) + 1e-7


# Frames of silence the decoder has "heard" in its rest state (VaeCore.settle): the trainer's
# default lead-in, the silence every training onset follows.
REST_FRAMES = LEAD_IN_FRAMES

# One loudness unit is 5 nats of power = 2.5 nats of amplitude; scaled_sigmoid's log-slope
# is ln 10 below saturation, so this gain moves the output level with the input loudness.
LOUDNESS_GAIN = 2.5 / math.log(10.0)


# VaeConfig fields for models trained from now on. VaeConfig's own defaults describe the
# checkpoints written before a field existed (so those load and decode exactly as before).
# Loudness latent + level skip: held-out spectral convergence 0.803 -> 0.700 against the
# previous defaults in the same 20 minutes (~2,980 steps each, with per-crop SC and KL 0.0005;
# see engines/vae/model.py). Harmonic envelope: see the measurements in engines/vae/model.py;
# harmonic start phases: synthesis.harmonic_start_phases.
NEW_MODEL_DEFAULTS: dict[str, Any] = {
    "loudness_latent": True,
    "loudness_gain": LOUDNESS_GAIN,
    "envelope_points": 96,
    "harmonic_phase_seed": 2,
}


def frame_loudness(feats: torch.Tensor, n_mels: int) -> torch.Tensor:
    """``[B, T, 1]`` loudness latent from the scaled log-mel features ``(log P + 7) / 5``.

    The log of the mean mel-band power, on the same scale as the features (a step of 1 is
    ~22 dB; silence is about -1.4). Why a deterministic loudness dimension (as DDSP's
    f0 + loudness conditioning): with loudness carried by sampled dims only, the demo model
    came out 10-13 dB too loud on quiet drum hits, which alone cost a third of its spectral
    convergence excess on the held-out set.
    """
    mel_power = torch.exp(feats[..., :n_mels] * 5.0 - 7.0)
    return (torch.log(mel_power.mean(-1, keepdim=True) + 1e-6) + 7.0) / 5.0


class Encoder(nn.Module):
    """Features ``[B, T, F]`` -> posterior ``(mean, logvar)``, each ``[B, T, L]``."""

    def __init__(self, in_size: int, width: int, latent_size: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(in_size, width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv1d(width, width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv1d(width, width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv1d(width, 2 * latent_size, 1),
        )
        self.latent_size = latent_size

    def forward(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(feats.transpose(1, 2)).transpose(1, 2)
        mean, logvar = out.split(self.latent_size, dim=-1)
        return mean, logvar.clamp(-12.0, 4.0)


class Decoder(nn.Module):
    """Latents ``[B, T, L]`` -> per-frame controls, causally (GRU state ``h [1, B, W]``)."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        w = config.decoder_width
        self.n_harmonics = config.n_harmonics
        self.n_bands = config.n_bands
        self.nyquist_hz = config.sample_rate_hz / 2.0
        self.loudness_gain = float(config.loudness_gain) if config.loudness_latent else 0.0
        self.envelope_points = config.envelope_points
        self.top_mel = 2595.0 * math.log10(1.0 + config.sample_rate_hz / 2.0 / 700.0)
        self.pre = nn.Sequential(nn.Linear(config.latent_size, w), nn.LeakyReLU(0.2))
        self.gru = nn.GRU(w, w, batch_first=True)
        self.post = nn.Sequential(
            nn.Linear(2 * w, w),
            nn.LayerNorm(w),
            nn.LeakyReLU(0.2),
            nn.Linear(w, w),
            nn.LeakyReLU(0.2),
        )
        self.head = nn.Linear(w, 1 + config.n_harmonics + config.envelope_points + config.n_bands)
        self.register_buffer(
            "harmonic_numbers",
            torch.arange(1, config.n_harmonics + 1, dtype=torch.float32),
            persistent=False,
        )

    def forward(
        self, z: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(f0 [B, T] Hz, harmonic amps [B, T, K], noise mags [B, T, n_bands], h)``.

        The pitch is not predicted: it is latent dimension 0 (see :class:`VaeCore`), so f0
        carries no gradient to any weight.
        """
        pre = self.pre(z)
        rec, h_new = self.gru(pre, h)
        out = self.head(self.post(torch.cat([rec, pre], dim=-1)))
        midi = 69.0 + 12.0 * z[..., 0]  # latent dim 0 is the pitch, in octaves re A4
        f0 = midi_to_hz(midi.detach()).clamp(20.0, self.nyquist_hz)
        level = out[..., 0]
        k = self.n_harmonics
        logits = out[..., 1 : 1 + k]
        if self.envelope_points > 0:
            envelope = out[..., 1 + k : 1 + k + self.envelope_points]
            logits = logits + self.read_envelope(envelope, f0)
        noise_pre = out[..., 1 + k + self.envelope_points :] - 5.0
        if self.loudness_gain != 0.0:  # level skip from the loudness latent (dim 1)
            skip = self.loudness_gain * z[..., 1]
            level = level + skip
            noise_pre = noise_pre + skip.unsqueeze(-1)
        total = scaled_sigmoid(level)
        audible = (f0.unsqueeze(-1) * self.harmonic_numbers < self.nyquist_hz).float()
        dist = torch.softmax(logits, dim=-1) * audible
        dist = dist / (dist.sum(-1, keepdim=True) + 1e-7)
        amps = total.unsqueeze(-1) * dist
        noise = scaled_sigmoid(noise_pre)
        return f0, amps, noise, h_new

    def read_envelope(self, envelope: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:
        """``envelope [B, T, E]`` (mel grid, 0 Hz to Nyquist) read at ``k * f0 [B, T]``, by
        linear interpolation: ``[B, T, K]``."""
        e = self.envelope_points
        freq = (f0.unsqueeze(-1) * self.harmonic_numbers).clamp_max(self.nyquist_hz)
        pos = mel_scale(freq) * ((e - 1) / self.top_mel)
        left = pos.floor().clamp(0.0, e - 2.0)
        frac = pos - left
        index = left.long()
        low = envelope.gather(-1, index)
        high = envelope.gather(-1, index + 1)
        return low + (high - low) * frac


def mel_scale(f_hz: torch.Tensor) -> torch.Tensor:
    """HTK mel: ``2595 log10(1 + f / 700)``."""
    return 2595.0 * torch.log10(1.0 + f_hz / 700.0)


class VaeCore(nn.Module):
    """Encoder + decoder + synth. Every method is TorchScript-able and side-effect free."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        self.sample_rate_hz = config.sample_rate_hz
        self.hop = config.hop
        self.latent_size = config.latent_size
        self.decoder_width = config.decoder_width
        self.n_harmonics = config.n_harmonics
        self.tail_size = NOISE_TAPS - 1
        self.features = FeatureExtractor(config.sample_rate_hz, config.hop, n_mels=config.n_mels)
        self.pitch_feature = config.n_mels  # index of the held YIN pitch in the features
        self.n_mels = config.n_mels
        self.loudness_latent = bool(config.loudness_latent)
        # Deterministic latent dims (never sampled, no KL): the pitch, and maybe the loudness.
        self.fixed_dims = 2 if config.loudness_latent else 1
        self.encoder = Encoder(
            self.features.size, config.encoder_width, config.latent_size - self.fixed_dims
        )
        self.decoder = Decoder(config)
        self.synth = DdspSynth(
            config.sample_rate_hz,
            config.hop,
            config.n_harmonics,
            config.n_bands,
            config.harmonic_phase_seed,
        )
        # The GRU state of a voice at rest (see settle); not in checkpoints, derived from the
        # weights. Zero until settled, which is how models before it started.
        self.register_buffer("rest_h", torch.zeros(1, 1, config.decoder_width), persistent=False)

    @torch.no_grad()
    def settle(self) -> None:
        """Set :attr:`rest_h`, the start state of every decode: the decoder's GRU state after
        :data:`REST_FRAMES` frames of the latents of silence, from zero. Call it whenever the
        weights change (after loading or training them); Python only, not scripted.

        Why: training crops start from a zero state and their first frames are not scored,
        so the decoder's output in the first frames after a zero state is whatever the
        weights happen to give. A decode that started there played the onset of one-shots
        up to 20 dB too loud in some trainings (held-out SC 1.148 for one seed, 0.566 for
        another). The state after silence is what every training onset followed (the
        trainer's lead-in): with it the same three seeds score 0.535, 0.533 and 0.534.
        """
        silence = torch.zeros(1, (REST_FRAMES + 8) * self.hop, device=self.rest_h.device)
        # Frames 4.. are clear of the encoder's zero padding at the edges (receptive field 3).
        z = self.posterior(self.features(silence))[0][:, 4 : 4 + REST_FRAMES]
        _, _, _, h = self.decoder(z, torch.zeros_like(self.rest_h))
        self.rest_h.copy_(h)

    @torch.jit.export
    def posterior(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mean [B, T, L], logvar [B, T, L - fixed_dims])``.

        Dim 0 is the pitch and, with ``loudness_latent``, dim 1 the loudness: both are taken
        from the features, not sampled.
        """
        mean, logvar = self.encoder(feats)
        pitch = feats[..., self.pitch_feature : self.pitch_feature + 1]
        if self.loudness_latent:
            return torch.cat([pitch, frame_loudness(feats, self.n_mels), mean], dim=-1), logvar
        return torch.cat([pitch, mean], dim=-1), logvar

    @torch.jit.export
    def encode_mean(self, audio: torch.Tensor) -> torch.Tensor:
        """Mono audio ``[B, N]`` (N a multiple of hop) -> posterior mean ``[B, N // hop, L]``."""
        mean, _ = self.posterior(self.features(audio))
        return mean

    @torch.jit.export
    def initial_state(self, batch: int, counter: int) -> list[torch.Tensor]:
        """Rest state for ``batch`` voices: ``[h, f0_prev, amp_prev, phase, tail, counter]``,
        all zero (``h`` is kept relative to :attr:`rest_h`, so zero is the GRU at rest)."""
        dev = self.synth.noise_table.device
        return [
            torch.zeros(1, batch, self.decoder_width, device=dev),
            torch.zeros(batch, 1, device=dev),
            torch.zeros(batch, self.n_harmonics, device=dev),
            torch.zeros(batch, 1, dtype=torch.float64, device=dev),
            torch.zeros(batch, self.tail_size, device=dev),
            torch.full([batch], counter, dtype=torch.int64, device=dev),
        ]

    @torch.jit.export
    def decode_step(
        self, z: torch.Tensor, state: list[torch.Tensor]
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Latents ``[B, T, L]`` -> ``(audio [B, T*hop], new state)``.

        The pitch is a feature, never learned: no gradient flows through the oscillator phases
        (the sines' backward pass was ~40 % of a training step).
        """
        h, f0_prev, amp_prev, phase, tail, counter = state
        f0, amps, noise, h_new = self.decoder(z, h + self.rest_h)
        audio, phase_new, tail_new, counter_new = self.synth(
            f0, amps, noise, f0_prev, amp_prev, phase, tail, counter
        )
        new_state = [h_new - self.rest_h, f0[:, -1:], amps[:, -1], phase_new, tail_new, counter_new]
        return audio, new_state
