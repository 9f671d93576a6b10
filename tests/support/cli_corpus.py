"""A folder of short real sound files and a tiny nn~ model, for the CLI corpus tests."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf


def write_sounds(folder, count: int = 8, rate: int = 22050) -> None:
    """``count`` decaying tones ``s0.flac``… of rising pitch and level, and ``broken.wav``
    (a text file)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        t = np.arange(int(rate * 0.4)) / rate
        level = 0.1 + 0.8 * i / count  # spread sounds out along the model's loudness axis
        x = level * np.sin(2 * np.pi * (150 + 60 * i) * t) * np.exp(-t * rng.uniform(1, 8))
        sf.write(folder / f"s{i}.flac", x.astype(np.float32), rate)
    (folder / "broken.wav").write_text("not audio\n" * 20)


@pytest.fixture
def setup(tmp_path, nn_model):
    """(tmp_path with ``sounds/`` written, the path of a tiny nn~ model)."""
    write_sounds(tmp_path / "sounds")
    return tmp_path, nn_model()
