"""``latentscape export``: an nn~-convention TorchScript file that reloads with identical output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.script_state import is_state_buffer
from latentscape.engines.torchscript_engine import TorchScriptEngine


@pytest.mark.slow  # compiles TorchScript / imports auraloss: ~5 s idle, 15-30 s on busy cores
def test_export_follows_the_nn_tilde_convention(tmp_path, tiny_checkpoint):
    out = tmp_path / "model.ts"
    assert main(["export", str(tiny_checkpoint), "-o", str(out)]) == 0
    m = torch.jit.load(str(out))
    assert list(m.get_methods()) == ["encode", "decode", "forward"]
    assert m.encode_params.tolist() == [1, 1, 8, 256]
    assert m.decode_params.tolist() == [8, 256, 1, 1]
    assert m.forward_params.tolist() == [1, 1, 1, 1]
    assert m.sr == 44100
    state = [name for name, _ in m.named_buffers() if is_state_buffer(name)]
    assert len(state) == 6
    x = torch.randn(1, 1, 1024) * 0.1
    assert tuple(m.encode(x).shape) == (1, 8, 4)
    assert tuple(m.decode(torch.randn(1, 8, 3)).shape) == (1, 1, 768)
    assert tuple(m.forward(x).shape) == (1, 1, 1024)


@pytest.mark.slow  # compiles TorchScript / imports auraloss: ~5 s idle, 15-30 s on busy cores
def test_torchscript_engine_reproduces_the_vae_engine(tmp_path, tiny_checkpoint):
    out = tmp_path / "model.ts"
    main(["export", str(tiny_checkpoint), "-o", str(out)])
    exported = load_model(out)
    native = load_model(tiny_checkpoint)
    assert isinstance(exported, TorchScriptEngine)
    assert exported.info.can_stream
    z = np.random.default_rng(0).standard_normal((40, 8)).astype(np.float32)
    np.testing.assert_array_equal(exported.decode(z), native.decode(z))
    audio = np.random.default_rng(1).standard_normal(5000).astype(np.float32) * 0.1
    np.testing.assert_array_equal(exported.encode(audio), native.encode(audio))
    # The export's streaming state carries between calls like the engine's stream decoder.
    a, b = exported.stream_decoder(0), native.stream_decoder(0)
    ys_a = np.concatenate([a.decode(z[i : i + 4]) for i in range(0, 40, 4)], axis=1)
    ys_b = np.concatenate([b.decode(z[i : i + 4]) for i in range(0, 40, 4)], axis=1)
    peak = np.abs(ys_b).max()
    np.testing.assert_allclose(ys_a, ys_b, atol=2e-3 * peak)


def test_export_of_a_non_model_is_a_one_line_error(tmp_path, capsys):
    junk = tmp_path / "junk.pt"
    torch.save({"weights": torch.zeros(3)}, junk)
    assert main(["export", str(junk), "-o", str(tmp_path / "x.ts")]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a latentscape VAE checkpoint" in err and "\n" not in err
    assert not (tmp_path / "x.ts").exists()
