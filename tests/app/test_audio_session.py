"""AudioSession on the JACK dummy server: another device or block size keeps the audio playing
until the new engine is ready (make before break); a device that will not open lets it go."""

from __future__ import annotations

import glob
import os
import subprocess
import uuid

import numpy as np
import pytest
from PySide6 import QtCore

from latentscape.audio_session import AudioSession
from latentscape.engines.loader import load_model
from support.audio_waits import BLOCK, wait_until

pytestmark = pytest.mark.audio


@pytest.fixture
def session(qtbot, jack_server, nn_model):
    audio = AudioSession(device="JACK", block_frames=BLOCK, player="process")
    with qtbot.waitSignal(audio.started, timeout=60_000):
        audio.start(load_model(nn_model(sr=16000, hop=64, latent=4)))
    yield audio
    audio.shutdown()


def test_a_new_device_setting_plays_on_until_its_engine_is_ready(session, qtbot):
    """A start takes 1.2-4.5 s (a decoder process warms the model): the engine playing now
    goes on meanwhile instead of falling silent, and hands over at once."""
    old = session.engine
    assert old is not None and old.status_reason == ""  # playing on JACK
    seen: list = []
    sampler = QtCore.QTimer()
    sampler.timeout.connect(lambda: seen.append(session.engine))
    sampler.start(5)
    callbacks = old.stats().callbacks
    with qtbot.waitSignal(session.started, timeout=60_000) as started:
        session.set_device("JACK", BLOCK)  # the user picks the device again
        assert session.engine is old
    sampler.stop()
    new = started.args[0]
    assert new is session.engine and new is not old and new.status_reason == ""
    assert None not in seen and seen[0] is old
    assert old.stats().callbacks > callbacks  # it rendered blocks while the new one started
    qtbot.waitUntil(lambda: old.status_reason == "stopped", timeout=10_000)


def test_a_device_that_will_not_open_lets_the_playing_engine_go(session, qtbot, monkeypatch):
    """When the successor cannot open its device while the old engine plays (busy: an ALSA
    hw device opens once; or gone), the old engine is let go and the successor started once
    more, so that a device busy only for it gets its chance. Here the device does not exist:
    the second start is silent too, and the session says why."""
    from latentscape import audio_session

    starts: list[str | None] = []
    real_start = audio_session._start_engine

    def counted(cfg, retired):
        starts.append(cfg.device)
        return real_start(cfg, retired)

    monkeypatch.setattr(audio_session, "_start_engine", counted)
    old = session.engine
    statuses: list[str] = []
    session.statusChanged.connect(statuses.append)
    with qtbot.waitSignal(session.started, timeout=60_000) as started:
        session.set_device("no such device here", BLOCK)
    silent = started.args[0]
    assert starts == ["no such device here"] * 2
    assert silent is session.engine and "no such device here" in silent.status_reason
    qtbot.waitUntil(lambda: old.status_reason == "stopped", timeout=10_000)
    qtbot.waitUntil(lambda: bool(statuses), timeout=5_000)
    assert statuses[-1] == silent.status_reason


def _jackd(name: str) -> subprocess.Popen:
    server = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", str(BLOCK)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(["jack_wait", "-w", "-t", "15", "-s", name], check=True, capture_output=True)
    return server


def test_sound_comes_back_by_itself_when_the_audio_server_returns(
    qtbot, jack_server, nn_model, monkeypatch
):
    """The server quits mid-stream: the app plays on silently and says why; once a server of
    that name runs again, the session finds the device and plays on it, and says so."""
    name = f"ls-back-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)  # for the player and device processes
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    servers = [_jackd(name)]
    audio = AudioSession(device="JACK", block_frames=BLOCK, player="process")
    try:
        with qtbot.waitSignal(audio.started, timeout=60_000):
            audio.start(load_model(nn_model(sr=16000, hop=64, latent=4)))
        lost = audio.engine
        assert lost is not None and lost.status_reason == ""
        servers[0].terminate()  # SIGTERM: a SIGKILLed jackd stays in JACK's registry
        servers[0].wait(10)
        qtbot.waitUntil(lambda: lost.device_lost, timeout=15_000)
        assert "playing silently" in lost.status_reason and audio.engine is lost
        servers.append(_jackd(name))
        with qtbot.waitSignal(audio.reconnected, timeout=60_000) as back:
            pass
        engine = audio.engine
        assert engine is not lost and engine.status_reason == "" and not engine.device_lost
        assert "Sound output is back" in back.args[0] and "JACK" in back.args[0]
        start = engine.tap.position
        voice = engine.audition(np.full((20, 4), 1.0, np.float32))
        wait_until(lambda: voice.finished)
        played, _ = engine.tap.read_since(start)
        assert np.abs(played).max() > 0.01  # the server's clock drives it: it plays again
    finally:
        audio.shutdown()
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(10)
        for leftover in glob.glob(f"/dev/shm/jack*{name}*"):
            os.unlink(leftover)
