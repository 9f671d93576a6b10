"""quiet_decoder_chatter: libmpg123's notes on fd 2 are dropped, everything else passes, and
Python's own stderr goes where it went before (the terminal, or a caller's capture)."""

from __future__ import annotations

import io
import os
import sys

from latentscape.commands.native_stderr import quiet_decoder_chatter


def test_only_the_decoders_notes_are_dropped_from_fd_2(capfd):
    with quiet_decoder_chatter():
        os.write(2, b"Note: Illegal Audio-MPEG-Header 0x00000000 at offset 6720.\n")
        os.write(2, b"Note: Trying to resync...\n")
        os.write(2, b"Note: Hit end of (available) data during resync.\n")
        os.write(2, b"[src/libmpg123/parse.c:1012] error: Giving up resync after 1024 bytes\n")
        os.write(2, b"Warning: Xing stream size off by more than 1%, fuzzy seeking...\n")
        os.write(2, b"a native error the user must see\n")
    assert capfd.readouterr().err == "a native error the user must see\n"
    with quiet_decoder_chatter():
        print("progress 50%", file=sys.stderr)  # Python's stderr: not through the filter
    assert capfd.readouterr().err == "progress 50%\n"
    os.write(2, b"Note: Trying to resync...\n")  # after the block fd 2 is as it was
    assert capfd.readouterr().err == "Note: Trying to resync...\n"


def test_a_stderr_redirected_by_the_caller_keeps_its_redirection(capfd, monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    with quiet_decoder_chatter():
        print("interrupted: 3 sounds saved", file=sys.stderr)
        assert sys.stderr is captured
    assert captured.getvalue() == "interrupted: 3 sounds saved\n"
    assert capfd.readouterr().err == ""
