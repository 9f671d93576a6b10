"""The user sees when the output clips: the status bar and the model panel count the blocks the
clip guard limited (a real window and engine; the silent player runs the same mixer)."""

from __future__ import annotations

import numpy as np


def test_clipped_blocks_show_next_to_the_underruns(opened, qtbot):
    w = opened
    panel, label = w.model_panel, w._audio_label
    qtbot.waitUntil(lambda: panel.stat_text("clipped") == "0", timeout=5000)
    assert "clipped" not in label.text()
    engine = w.controller.audio.engine
    hot = 1.5 * np.sin(np.arange(16000, dtype=np.float32) * 0.05)  # 1 s, 3.5 dB over full scale
    voice = engine.audition(audio=hot, audio_rate_hz=16000)
    qtbot.waitUntil(lambda: voice.finished, timeout=10_000)
    clipped = engine.stats().clipped_blocks
    assert clipped > 0
    qtbot.waitUntil(lambda: panel.stat_text("clipped") == str(clipped), timeout=5000)
    assert f"· {clipped} clipped blocks" in label.text()
