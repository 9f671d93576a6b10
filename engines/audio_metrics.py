"""Reconstruction metrics shared by the VAE trainer's validation and the benches.

All functions take mono float32 numpy audio ``[samples]`` (an output and its reference, same
rate, the output cut or zero-padded to the reference's length) and return plain floats.

- :func:`mrstft`: multi-resolution STFT distance, exactly auraloss's ``MultiResolutionSTFTLoss``
  (spectral convergence + log-magnitude L1, FFT 2048…64, hop ¼, Hann window of the FFT size),
  and its spectral-convergence part alone. auraloss is the reference implementation.
  :func:`spectral_convergence_per_fft` gives that part per FFT size (2048 first).
- :func:`log_mel_distance_db`: mean absolute difference of 80-band log-mel power spectra, in dB,
  each floored 80 dB below the reference's loudest bin.
- :func:`level_db`: output RMS over reference RMS, in dB.
- :func:`flatness_log_ratio`: log10 of (output spectral flatness / reference flatness), where
  flatness is the geometric over the arithmetic mean of the power spectrum, averaged over the
  reference's non-silent frames. White noise is ~0.56; a clean tone ~1e-4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

FFT_SIZES = (2048, 1024, 512, 256, 128, 64)
_MRSTFT = None
_MEL_BANKS: dict[int, np.ndarray] = {}


def _match(output: np.ndarray, reference: np.ndarray) -> np.ndarray:
    out = np.zeros_like(reference, dtype=np.float32)
    n = min(output.shape[-1], reference.shape[-1])
    out[:n] = output[:n]
    return out


def mrstft(output: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """``(MR-STFT distance, spectral convergence)`` of ``output`` against ``reference``."""
    total, per_fft = _mrstft_full(output, reference)
    return total, float(np.mean(per_fft))


def spectral_convergence_per_fft(output: np.ndarray, reference: np.ndarray) -> list[float]:
    """Spectral convergence at each FFT size of :data:`FFT_SIZES` (same order); their mean is
    :func:`mrstft`'s second value."""
    return _mrstft_full(output, reference)[1]


def _mrstft_full(output: np.ndarray, reference: np.ndarray) -> tuple[float, list[float]]:
    global _MRSTFT
    if _MRSTFT is None:
        import auraloss

        _MRSTFT = auraloss.freq.MultiResolutionSTFTLoss(
            fft_sizes=list(FFT_SIZES),
            hop_sizes=[n // 4 for n in FFT_SIZES],
            win_lengths=list(FFT_SIZES),
            output="full",
        )
    out = torch.from_numpy(_match(output, reference))[None, None]
    ref = torch.from_numpy(np.ascontiguousarray(reference, np.float32))[None, None]
    with torch.no_grad():
        total, sc, _log, _lin, _phs = _MRSTFT(out, ref)
    return float(total), [float(v) for v in sc]


def _power_frames(x: np.ndarray, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    if x.shape[0] < n_fft:
        x = np.pad(x, (0, n_fft - x.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    spec = np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=-1)
    return (spec.real**2 + spec.imag**2).astype(np.float64)


def _mel_bank(sample_rate_hz: int) -> np.ndarray:
    if sample_rate_hz not in _MEL_BANKS:
        from .vae.features import mel_filterbank

        _MEL_BANKS[sample_rate_hz] = mel_filterbank(
            sample_rate_hz, 2048, 80, 30.0, sample_rate_hz / 2
        )
    return _MEL_BANKS[sample_rate_hz]


def log_mel_distance_db(output: np.ndarray, reference: np.ndarray, sample_rate_hz: int) -> float:
    bank = _mel_bank(sample_rate_hz).astype(np.float64)
    ref = _power_frames(np.asarray(reference, np.float32)) @ bank.T
    out = _power_frames(_match(output, reference)) @ bank.T
    floor = max(ref.max(), 1e-12) * 1e-8
    ref_db = 10.0 * np.log10(np.maximum(ref, floor))
    out_db = 10.0 * np.log10(np.maximum(out, floor))
    return float(np.mean(np.abs(out_db - ref_db)))


def level_db(output: np.ndarray, reference: np.ndarray) -> float:
    rms_out = np.sqrt(np.mean(np.square(_match(output, reference), dtype=np.float64)))
    rms_ref = np.sqrt(np.mean(np.square(reference, dtype=np.float64)))
    return float(20.0 * np.log10(max(rms_out, 1e-9) / max(rms_ref, 1e-9)))


def spectral_flatness(x: np.ndarray, frame_mask: np.ndarray | None = None) -> float:
    """Mean spectral flatness of the frames selected by ``frame_mask`` (all when None)."""
    power = _power_frames(np.asarray(x, np.float32)) + 1e-20
    flat = np.exp(np.mean(np.log(power), axis=-1)) / np.mean(power, axis=-1)
    if frame_mask is not None and frame_mask.any():
        flat = flat[frame_mask]
    return float(np.mean(flat))


def active_frames(reference: np.ndarray, below_peak_db: float = 50.0) -> np.ndarray:
    energy = _power_frames(np.asarray(reference, np.float32)).sum(-1)
    return energy > energy.max() * 10 ** (-below_peak_db / 10)


def flatness_log_ratio(output: np.ndarray, reference: np.ndarray) -> float:
    mask = active_frames(reference)
    out = spectral_flatness(_match(output, reference), mask)
    ref = spectral_flatness(reference, mask)
    return float(np.log10(max(out, 1e-12) / max(ref, 1e-12)))


@dataclass(frozen=True)
class Reconstruction:
    """All metrics of one output/reference pair."""

    mrstft: float
    spectral_convergence: float
    log_mel_db: float
    level_db: float
    flatness_log_ratio: float

    @staticmethod
    def measure(output: np.ndarray, reference: np.ndarray, sample_rate_hz: int) -> Reconstruction:
        total, sc = mrstft(output, reference)
        return Reconstruction(
            mrstft=total,
            spectral_convergence=sc,
            log_mel_db=log_mel_distance_db(output, reference, sample_rate_hz),
            level_db=level_db(output, reference),
            flatness_log_ratio=flatness_log_ratio(output, reference),
        )

    @staticmethod
    def mean(items: list[Reconstruction]) -> Reconstruction:
        return Reconstruction(
            *(
                float(np.mean([getattr(i, f) for i in items]))
                for f in Reconstruction.__dataclass_fields__
            )
        )

    def lines(self, prefix: str = "") -> list[str]:
        """``name = value unit`` lines, as the benches print them."""
        return [
            f"{prefix}mrstft = {self.mrstft:.3f}",
            f"{prefix}spectral_convergence = {self.spectral_convergence:.3f}",
            f"{prefix}log_mel_distance = {self.log_mel_db:.2f} dB",
            f"{prefix}level_error = {self.level_db:+.2f} dB",
            f"{prefix}flatness_log10_ratio = {self.flatness_log_ratio:+.3f}",
        ]
