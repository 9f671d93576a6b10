"""``latentscape export``: an nn~-convention TorchScript file that reloads with identical output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.script_state import is_state_buffer
from latentscape.engines.torchscript_engine import TorchScriptEngine
from latentscape.engines.vae.fast_stream import export_frame_weights


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
@pytest.mark.parametrize("checkpoint", ["tiny_checkpoint", "envelope_checkpoint"])
def test_torchscript_engine_reproduces_the_vae_engine(tmp_path, request, checkpoint):
    path = request.getfixturevalue(checkpoint)
    out = tmp_path / "model.ts"
    main(["export", str(path), "-o", str(out)])
    exported = load_model(out)
    native = load_model(path)
    assert isinstance(exported, TorchScriptEngine)
    assert exported.info.can_stream
    # The export names its checkpoint: the app lets it play the checkpoint's latents.
    assert exported.info.space == native.info.space == native.info.content_hash
    assert exported.info.content_hash != native.info.content_hash
    z = np.random.default_rng(0).standard_normal((40, 8)).astype(np.float32)
    np.testing.assert_array_equal(exported.decode(z), native.decode(z))
    audio = np.random.default_rng(1).standard_normal(5000).astype(np.float32) * 0.1
    np.testing.assert_array_equal(exported.encode(audio), native.encode(audio))
    # Streaming: the engine recognises its own export and runs the same compiled kernel ...
    assert exported.uses_frame_kernel
    ys_native = _stream(native.stream_decoder(0), z)
    np.testing.assert_array_equal(_stream(exported.stream_decoder(0), z), ys_native)
    # ... which the export's own TorchScript streaming state reproduces up to float rounding.
    script_path = load_model(out, frame_kernel=False)
    assert not script_path.uses_frame_kernel
    peak = np.abs(ys_native).max()
    np.testing.assert_allclose(
        _stream(script_path.stream_decoder(0), z), ys_native, atol=2e-3 * peak
    )


@pytest.mark.slow  # compiles TorchScript: ~5 s idle, 15-30 s on busy cores
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_our_exports_stay_on_the_cpu_kernel_when_a_gpu_is_asked_for(tmp_path, tiny_checkpoint):
    out = tmp_path / "model.ts"
    main(["export", str(tiny_checkpoint), "-o", str(out)])
    engine = load_model(out, device="cuda")
    assert engine.device == "cpu" and engine.uses_frame_kernel


def _stream(decoder, z: np.ndarray) -> np.ndarray:
    """Decode ``z`` four frames per call; returns ``[1, frames * hop]``."""
    return np.concatenate([decoder.decode(z[i : i + 4]) for i in range(0, len(z), 4)], axis=1)


@pytest.mark.slow  # compiles TorchScript: ~5 s idle, 15-30 s on busy cores
def test_only_exports_the_kernel_reproduces_stream_through_it(tmp_path, tiny_checkpoint):
    out = tmp_path / "model.ts"
    main(["export", str(tiny_checkpoint), "-o", str(out)])
    model = torch.jit.load(str(out))
    assert export_frame_weights(model) is not None
    with torch.no_grad():
        model.core.decoder.head.bias.fill_(float("nan"))  # damaged weights
    assert export_frame_weights(model) is None
    assert export_frame_weights(torch.jit.script(torch.nn.Linear(2, 2))) is None


def test_export_of_a_non_model_is_a_one_line_error(tmp_path, capsys):
    junk = tmp_path / "junk.pt"
    torch.save({"weights": torch.zeros(3)}, junk)
    assert main(["export", str(junk), "-o", str(tmp_path / "x.ts")]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a latentscape VAE checkpoint" in err and "\n" not in err
    assert not (tmp_path / "x.ts").exists()


@pytest.mark.slow  # compiles TorchScript
def test_an_export_of_our_vae_gives_the_decoder_process_a_torch_free_file(
    tmp_path, tiny_checkpoint, nn_model
):
    from latentscape.engines.audio.voice_host_process import _load

    out = tmp_path / "model.ts"
    main(["export", str(tiny_checkpoint), "-o", str(out)])
    engine = load_model(out)
    path = engine.decoder_file()
    assert path is not None and path.name.endswith(".frames.npz")
    z = np.random.default_rng(2).standard_normal((30, engine.latent_size)).astype(np.float32)
    got = _load(str(path)).stream_decoder(seed=4).decode(z)
    np.testing.assert_array_equal(got, engine.stream_decoder(seed=4).decode(z))
    assert load_model(nn_model()).decoder_file() is None  # any other TorchScript: the file


@pytest.mark.slow  # compiles TorchScript: ~5 s idle, 15-30 s on busy cores
def test_importing_with_an_export_of_the_projects_model_keeps_its_latents_and_map(
    tmp_path, tiny_checkpoint, sound_folder, capsys
):
    """The export encodes the same latents: nothing is encoded again, the map stays."""
    from latentscape.project_store import ProjectStore

    project = str(tmp_path / "p.lsc")
    base = ["import", str(sound_folder), "-p", project, "--quiet"]
    assert main([*base, "--model", str(tiny_checkpoint)]) == 0
    assert main(["map", "-p", project, "--method", "pca", "--quiet"]) == 0
    ts = tmp_path / "model.ts"
    assert main(["export", str(tiny_checkpoint), "-o", str(ts)]) == 0
    capsys.readouterr()
    assert main([*base, "--model", str(ts)]) == 0
    out = capsys.readouterr().out
    assert "0 re-encoded" in out and "the project's model is now" not in out
    with ProjectStore.open(project) as store:
        assert store.model().content_hash == load_model(tiny_checkpoint).info.content_hash
        assert store.atlas() is not None
