"""``import_gate``: an import that waits, so that what happens "during an import" happens
during it, on any machine."""

from __future__ import annotations

import threading

import pytest

GATE_AFTER = 20


@pytest.fixture
def import_gate(monkeypatch):
    """An import reads ``GATE_AFTER`` files, then waits until the test sets the returned
    event (at most 60 s)."""
    import latentscape.engines.corpus.job as job_module

    gate, reads, real = threading.Event(), [0], job_module.read_segments

    def gated(*args, **kwargs):
        reads[0] += 1
        if reads[0] > GATE_AFTER:
            gate.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(job_module, "read_segments", gated)
    yield gate
    gate.set()
