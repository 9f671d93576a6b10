"""What ``latentscape train`` asks for: the trainer's options and their measured defaults.

Torch-free, so that the command line shows these defaults without loading torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Frames of silence before every training file. The decoder's rest state (VaeCore.settle) is
# the state after this much silence, so both read this one constant.
LEAD_IN_FRAMES = 8


@dataclass
class TrainOptions:
    """What ``latentscape train`` asks for. ``minutes`` and/or ``steps`` bound the run."""

    folder: Path
    output: Path
    minutes: float | None = None
    steps: int | None = None
    seed: int = 0
    resume: bool = False
    batch_size: int = 8
    crop_frames: int = 64
    context_frames: int = 8
    # Silence before each training file, so that onsets at a file's start count in the loss
    # (dataset.build_corpus). Measured (20 min, kl 1e-4, side by side): held-out spectral
    # convergence 0.709 without, 0.675 with 8 frames (pitched 0.611 -> 0.568).
    lead_in_frames: int = LEAD_IN_FRAMES
    learning_rate: float = 1e-3
    # Held-out spectral convergence after 20 min (bench/vae_quality.py, 71 test sounds):
    # 0.002 -> 0.803, 0.0005 -> 0.700; with the lead-in below 1e-4 -> 0.675, 1e-5 -> 0.665.
    kl_weight: float = 0.00001
    kl_warmup_steps: int = 1000
    loudness_weight: float = 0.0
    sc_per_item: bool = True  # spectral convergence per crop, as the benchmark scores files
    # Weight of spectral convergence against log-magnitude L1. 3.0 did not help (held-out SC
    # 0.740 / 0.642 with seeds 0 / 1, against 0.665 / 0.695 at 1.0; 20 min, side by side).
    sc_weight: float = 1.0
    # Control supervision (engines/vae/analysis.py): weight of the distance between the
    # decoder's synth controls and those measured from the training audio (0: off), and the
    # fraction of the budget trained on it alone, before the audio loss joins (no synthesis
    # in those steps: 0.05 s instead of 0.2 s). Held-out spectral convergence after 20 min
    # (engines/vae/model.py; decoded from the rest state, VaeCore.settle; harmonic envelope,
    # weight average, sines in phase): audio loss joining at 0.25: 0.541, at 0.5: 0.535, at
    # 0.75: 0.523; controls only (no envelope, no average) 0.531.
    control_weight: float = 1.0
    audio_loss_after: float = 0.75
    # Copies of every training sound resampled by these many semitones (dataset.build_corpus):
    # more pitches per timbre for the decoder. Held-out spectral convergence after 20 min,
    # seed 0, side by side: none 0.491 (pitched 0.422), -2 and +2: 0.479 (pitched 0.402).
    pitch_shifts: tuple[float, ...] = (-2.0, 2.0)
    # Decay of the weight average that model files get (engines/vae/optim.WeightAverage; 0:
    # the raw weights of the last step). With onset scaling of the measured controls, held-out
    # spectral convergence 0.570 -> 0.566: within run-to-run spread, kept for steadiness.
    weight_average: float = 0.999
    validation_fraction: float = 0.05
    validate_every_s: float = 300.0
    checkpoint_every_s: float = 120.0
    latent_size: int = 16
    threads: int | None = None
    device: str = "auto"  # "auto" (a CUDA GPU when torch sees one), "cpu", "cuda" or "cuda:N"
    progress: bool = True
    command: str = ""
    model_options: dict[str, Any] = field(default_factory=dict)  # VaeConfig overrides
