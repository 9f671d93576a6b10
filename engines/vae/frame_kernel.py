"""One latent frame -> one hop of audio, compiled with numba: the VAE's realtime inner loop.

The same maths as :meth:`~.model.VaeCore.decode_step` for a single frame (GRU cell, control
heads, pitch/amplitude glide, oscillator bank, filtered-noise overlap-add), written as plain
loops so that numba compiles it to one native call. numpy needed ~50 small calls per frame
(145 µs a frame at best here, a real-time factor of ~40); one compiled call removes the
per-call overhead. Oscillators use the Chebyshev recurrences ``sin(kφ) = 2 cos φ sin((k-1)φ)
- sin((k-2)φ)`` (and the same for cos, for the start phases ``sin(kφ + θ_k)``) in float64,
one harmonic at a time across the whole hop (so it vectorises);
the noise filter is a direct 128-tap convolution.

Compiled on first use and cached on disk (``cache=True``; ``NUMBA_CACHE_DIR`` moves the cache).
Python calls :func:`decode_frames` once per chunk (one call, no Python per frame); it runs
without the GIL (``nogil=True``; it touches only the arrays it is given), so a decode on a
worker thread (the speed measurement after a model loads, renders) never holds up the GUI
thread. Holding it, the measurement alone stalled the window for up to 0.5 s
(bench/gui_stalls.py, startup phase). The price: a decode thread in the app's process now
shares the CPU with the GUI thread instead of taking turns with it, so its own speed reads
lower in a busy app (bench/audio_underruns.py ``--decoders thread``, 2 cores: 6.5-8.1x real time
against 15-18x) with the same underruns (4-6 in 30 s); the default decoder runs in a process of
its own.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

TWO_PI = 2.0 * math.pi
LOG10 = math.log(10.0)


@njit(cache=True, fastmath=True)
def _affine(wt: np.ndarray, x: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for j in range(wt.shape[0]):
        acc = np.float32(0.0)
        for i in range(wt.shape[1]):
            acc += wt[j, i] * x[i]
        out[j] = acc + b[j]


@njit(cache=True)
def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, fastmath=True)
def decode_frame(
    zp,  # [L] PCA latent
    pca_t,  # [L, L]: raw = pca_t @ zp + pca_mean
    pca_mean,
    pre_t,  # [H, L]
    pre_b,
    ih_t,  # [3H, H]
    ih_b,
    hh_t,  # [3H, H]
    hh_b,
    p1_t,  # [H, 2H]
    p1_b,
    ln_w,
    ln_b,
    ln_eps,
    p2_t,  # [H, H]
    p2_b,
    head_t,  # [1 + K + n_env + NB, H]
    head_b,
    ir_basis_t,  # [taps, NB]
    ramp,  # [hop]
    noise_table,  # [table_size + hop]: wraps without a modulo
    sr,
    stride,
    loud_gain,  # level skip from the loudness latent z[1] (0.0: none)
    n_env,  # points of the harmonic envelope on its mel grid (0: none)
    top_mel,  # mel of Nyquist (the envelope grid's last point)
    phase_cos,  # [K] cos of the oscillators' start phases θ_k (DdspSynth.start_phases)
    phase_sin,  # [K] sin θ_k
    h,  # state [H], updated
    amp_prev,  # state [K], updated
    tail,  # state [taps - 1], updated
    scalars,  # state float64 [f0_prev, phase, counter], updated
    out,  # [hop] audio, written
):
    n_lat = zp.shape[0]
    width = h.shape[0]
    k_harm = amp_prev.shape[0]
    n_bands = ir_basis_t.shape[1]
    taps = ir_basis_t.shape[0]
    hop = out.shape[0]
    z = np.empty(n_lat, np.float32)
    _affine(pca_t, zp, pca_mean, z)
    pre = np.empty(width, np.float32)
    _affine(pre_t, z, pre_b, pre)
    for j in range(width):
        if pre[j] < 0:
            pre[j] *= np.float32(0.2)
    gi = np.empty(3 * width, np.float32)
    gh = np.empty(3 * width, np.float32)
    _affine(ih_t, pre, ih_b, gi)
    _affine(hh_t, h, hh_b, gh)
    cat = np.empty(2 * width, np.float32)
    for j in range(width):
        r = _sigmoid(gi[j] + gh[j])
        u = _sigmoid(gi[width + j] + gh[width + j])
        c = math.tanh(gi[2 * width + j] + r * gh[2 * width + j])
        h[j] = (1.0 - u) * c + u * h[j]
        cat[j] = h[j]
        cat[width + j] = pre[j]
    y1 = np.empty(width, np.float32)
    _affine(p1_t, cat, p1_b, y1)
    mean = 0.0
    for j in range(width):
        mean += y1[j]
    mean /= width
    var = 0.0
    for j in range(width):
        var += (y1[j] - mean) ** 2
    inv = 1.0 / math.sqrt(var / width + ln_eps)
    for j in range(width):
        v = (y1[j] - mean) * inv * ln_w[j] + ln_b[j]
        y1[j] = v if v > 0 else 0.2 * v
    y2 = np.empty(width, np.float32)
    _affine(p2_t, y1, p2_b, y2)
    for j in range(width):
        if y2[j] < 0:
            y2[j] *= np.float32(0.2)
    o = np.empty(head_t.shape[0], np.float32)
    _affine(head_t, y2, head_b, o)

    # Controls (as Decoder.forward): pitch from latent dim 0, amplitudes, noise bands.
    midi = np.float32(69.0) + np.float32(12.0) * z[0]
    f0 = float(
        np.float32(440.0) * np.float32(2.0) ** ((midi - np.float32(69.0)) / np.float32(12.0))
    )
    nyquist = sr / 2.0
    f0 = min(max(f0, 20.0), nyquist)
    # float32, like o: with no skip, o[0] + 0 is o[0] and the sigmoid runs in float32 as before.
    skip = np.float32(loud_gain * z[1]) if loud_gain != 0.0 else np.float32(0.0)
    total = 2.0 * _sigmoid(o[0] + skip) ** LOG10 + 1e-7
    logits = np.empty(k_harm, np.float32)
    for k in range(k_harm):
        v = o[1 + k]
        if n_env > 0:  # + the envelope read at this harmonic (Decoder.read_envelope)
            freq = min(f0 * (k + 1), nyquist)
            pos = 2595.0 * math.log10(1.0 + freq / 700.0) * ((n_env - 1) / top_mel)
            left = min(max(math.floor(pos), 0.0), n_env - 2.0)
            i = int(left)
            low = o[1 + k_harm + i]
            v = v + (low + (o[2 + k_harm + i] - low) * (pos - left))
        logits[k] = v
    top_logit = -1e30
    for k in range(k_harm):
        top_logit = max(top_logit, logits[k])
    amps = np.empty(k_harm, np.float32)
    soft = 0.0
    for k in range(k_harm):
        e = math.exp(logits[k] - top_logit)
        soft += e
        amps[k] = e
    masked = 0.0
    for k in range(k_harm):
        a = amps[k] / soft if f0 * (k + 1) < nyquist else 0.0
        amps[k] = a
        masked += a
    top = 0
    for k in range(k_harm):
        amps[k] = total * amps[k] / (masked + 1e-7)
        if amps[k] > 1e-7 or amp_prev[k] > 1e-7:
            top = k + 1
    ir = np.zeros(taps, np.float32)
    for b in range(n_bands):
        mag = 2.0 * _sigmoid(o[1 + k_harm + n_env + b] - 5.0 + skip) ** LOG10 + 1e-7
        for t in range(taps):
            ir[t] += mag * ir_basis_t[t, b]

    # Oscillator bank, gliding from the previous frame's pitch and amplitudes.
    f0_prev = scalars[0]
    phase = scalars[1]
    step = TWO_PI / sr
    s_prev = np.zeros(hop)  # sin((k - 1) φ), sin(k φ), and the same for cos
    s_cur = np.empty(hop)
    c_prev = np.ones(hop)
    c_cur = np.empty(hop)
    cos2 = np.empty(hop)
    for n in range(hop):
        phase += (f0_prev + (f0 - f0_prev) * ramp[n]) * step
        s_cur[n] = math.sin(phase)
        c_cur[n] = math.cos(phase)
        cos2[n] = 2.0 * c_cur[n]
    acc0 = np.zeros(hop)
    acc1 = np.zeros(hop)
    for k in range(top):  # harmonic k + 1 for all samples at once (vectorises over n)
        a0 = amp_prev[k]
        da = amps[k] - a0
        pc = phase_cos[k]
        ps = phase_sin[k]
        for n in range(hop):
            v = s_cur[n]
            w = c_cur[n]
            osc = v * pc + w * ps  # sin(k φ + θ_k)
            acc0[n] += a0 * osc
            acc1[n] += da * osc
            s_cur[n] = cos2[n] * v - s_prev[n]
            s_prev[n] = v
            c_cur[n] = cos2[n] * w - c_prev[n]
            c_prev[n] = w
    for n in range(hop):
        out[n] = acc0[n] + ramp[n] * acc1[n]
    scalars[0] = f0
    scalars[1] = phase - TWO_PI * math.floor(phase / TWO_PI)
    for k in range(k_harm):
        amp_prev[k] = amps[k]

    # Filtered noise: this hop's slice of the table through this frame's FIR, overlap-added.
    table_size = noise_table.shape[0] - hop
    start = int((int(scalars[2]) * stride) % table_size)
    spill = np.zeros(taps - 1, np.float32)
    for n in range(hop + taps - 1):
        acc = 0.0
        lo = max(0, n - hop + 1)
        hi = min(taps, n + 1)
        for t in range(lo, hi):
            acc += ir[t] * noise_table[start + n - t]
        if n < hop:
            out[n] += acc + (tail[n] if n < taps - 1 else 0.0)
        else:
            spill[n - hop] = acc
    for m in range(taps - 1):
        tail[m] = spill[m]
    scalars[2] += 1.0


@njit(cache=True, nogil=True)
def decode_frames(
    frames,  # [n, L] PCA latents
    pca_t, pca_mean, pre_t, pre_b, ih_t, ih_b, hh_t, hh_b, p1_t, p1_b, ln_w, ln_b, ln_eps,
    p2_t, p2_b, head_t, head_b, ir_basis_t, ramp, noise_table, sr, stride, loud_gain, n_env,
    top_mel, phase_cos, phase_sin,
    h, amp_prev, tail, scalars,  # state, updated (as in decode_frame)
    out,  # [n * hop] audio, written
):  # fmt: skip
    """:func:`decode_frame` for each of ``n`` frames in turn, in one call without the GIL."""
    hop = ramp.shape[0]
    for i in range(frames.shape[0]):
        decode_frame(
            frames[i], pca_t, pca_mean, pre_t, pre_b, ih_t, ih_b, hh_t, hh_b, p1_t, p1_b, ln_w,
            ln_b, ln_eps, p2_t, p2_b, head_t, head_b, ir_basis_t, ramp, noise_table, sr, stride,
            loud_gain, n_env, top_mel, phase_cos, phase_sin, h, amp_prev, tail, scalars,
            out[i * hop : (i + 1) * hop],
        )  # fmt: skip
