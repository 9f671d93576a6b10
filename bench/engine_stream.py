"""Stream-decode speed of the TorchScript engine vs a bare ``torch.jit.load(...).decode`` loop.

Usage: ``.venv/bin/python bench/engine_stream.py MODEL.ts [--seconds 2] [--chunks 1,2,4,8,16]``

For each chunk size (latent frames per call) prints, measured side by side in one run
(10 ms blocks of calls alternate between them, so machine noise hits all alike; each
block starts with two untimed calls, so no side pays for reloading its weights into cache):

    rtf_engine_chunk<N> = <x> x
    rtf_engine_torchscript_path_chunk<N> = <x> x  (only for .ts exports of our VAE, which the
                                                engine streams through its compiled kernel:
                                                the engine told to stay on TorchScript)
    rtf_bare_chunk<N> = <x> x                  (decode of a prepared tensor, output dropped)
    rtf_bare_numpy_io_chunk<N> = <x> x         (numpy latents in, numpy audio out, as a host must)
    rtf_bare_checked_io_chunk<N> = <x> x       (that, plus the NaN check the contract promises)
    ratio_engine_over_bare_chunk<N> = <r>      (and over each of the other two)

Real-time factor = seconds of audio produced per second of compute, one torch thread.
Compute is the calling thread's CPU time (``time.thread_time``): other jobs on a shared
machine then cost a measurement less; on an idle machine it equals wall-clock time.
The engine must not be slower than the bare call (ratio >= 0.95).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from latentscape.engines.loader import load_model

BLOCK_S = 0.01  # one interleaved block of calls, seconds
SETTLE_CALLS = 2  # untimed calls that start each block: the model's weights back in cache


def _bare_block(model, z: np.ndarray, calls: int, io: str) -> float:
    """Seconds for ``calls`` bare decodes. ``io``: ``"none"`` (one prepared tensor, output
    dropped), ``"numpy"`` (numpy latents in, numpy audio out, as any host that hands audio to
    a sound card must) or ``"checked"`` (that, plus the NaN/Inf check the engine's contract
    promises: the least a safe host can do)."""
    z_t = torch.from_numpy(np.ascontiguousarray(z.T))[None]
    with torch.inference_mode():
        for _ in range(SETTLE_CALLS):
            model.decode(z_t)
        t0 = time.thread_time()
        if io == "none":
            for _ in range(calls):
                model.decode(z_t)
        elif io == "numpy":
            for _ in range(calls):
                model.decode(torch.from_numpy(np.ascontiguousarray(z.T))[None])[0].numpy()
        else:
            for _ in range(calls):
                y = model.decode(torch.from_numpy(np.ascontiguousarray(z.T))[None])
                if not math.isfinite(float(y.sum())):
                    raise RuntimeError("NaN")
                y[0].numpy()
        return time.thread_time() - t0


def _engine_block(decoder, z: np.ndarray, calls: int) -> float:
    """Seconds for ``calls`` engine stream-decoder calls, inside the decoder's decode scope as
    a voice's decode thread runs them."""
    with decoder.decode_scope():
        for _ in range(SETTLE_CALLS):
            decoder.decode(z)
        t0 = time.thread_time()
        for _ in range(calls):
            decoder.decode(z)
        return time.thread_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--seconds", type=float, default=3.0, help="compute time per measurement")
    parser.add_argument("--chunks", default="1,2,4,8,16")
    args = parser.parse_args()

    torch.set_num_threads(1)
    engine = load_model(args.model)
    # Our VAE's exports stream through a compiled kernel; this twin shows the TorchScript path.
    script_path = (
        load_model(args.model, frame_kernel=False)
        if getattr(engine, "uses_frame_kernel", False)
        else None
    )
    bare = torch.jit.load(args.model)
    bare.eval()
    print(f"model = {args.model}")
    print(f"hop = {engine.hop_samples} samples")
    print(f"sample_rate = {engine.sample_rate_hz} Hz")
    print(f"streaming = {int(engine.can_stream)}")
    rng = np.random.default_rng(0)
    for chunk in (int(c) for c in args.chunks.split(",")):
        z_np = rng.standard_normal((chunk, engine.latent_size)).astype(np.float32)
        decoder = engine.stream_decoder(seed=None)
        blocks = {
            "engine": lambda calls, d=decoder, z=z_np: _engine_block(d, z, calls),
            "bare": lambda calls, z=z_np: _bare_block(bare, z, calls, "none"),
            "bare_io": lambda calls, z=z_np: _bare_block(bare, z, calls, "numpy"),
            "bare_checked_io": lambda calls, z=z_np: _bare_block(bare, z, calls, "checked"),
        }
        if script_path is not None:
            ts_decoder = script_path.stream_decoder(seed=None)
            blocks["engine_ts"] = lambda calls, d=ts_decoder, z=z_np: _engine_block(d, z, calls)
        for block in blocks.values():  # warm up, and size a block to about BLOCK_S
            block(3)
        calls = max(1, round(BLOCK_S / max(blocks["bare"](10) / 10, 1e-7)))
        compute = dict.fromkeys(blocks, 0.0)
        rounds = 0
        while compute["bare"] < args.seconds:  # short interleaved blocks: load hits all alike
            for name, block in blocks.items():
                compute[name] += block(calls)
            rounds += 1
        audio_s = rounds * calls * chunk * engine.hop_samples / engine.sample_rate_hz
        rtf = {name: audio_s / seconds for name, seconds in compute.items()}
        decoder.close()
        if script_path is not None:
            ts_decoder.close()
        print(f"rtf_engine_chunk{chunk} = {rtf['engine']:.2f} x")
        if "engine_ts" in rtf:
            print(f"rtf_engine_torchscript_path_chunk{chunk} = {rtf['engine_ts']:.2f} x")
        print(f"rtf_bare_chunk{chunk} = {rtf['bare']:.2f} x")
        print(f"rtf_bare_numpy_io_chunk{chunk} = {rtf['bare_io']:.2f} x")
        print(f"rtf_bare_checked_io_chunk{chunk} = {rtf['bare_checked_io']:.2f} x")
        for peer, label in (
            ("bare", "bare"),
            ("bare_io", "bare_numpy_io"),
            ("bare_checked_io", "bare_checked_io"),
        ):
            print(f"ratio_engine_over_{label}_chunk{chunk} = {rtf['engine'] / rtf[peer]:.3f}")
        if "engine_ts" in rtf:
            ratio = rtf["engine_ts"] / rtf["bare"]
            print(f"ratio_engine_torchscript_path_over_bare_chunk{chunk} = {ratio:.3f}")


if __name__ == "__main__":
    main()
