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


def _child_stderr(body: str) -> tuple[int, str]:
    """Run ``body`` in a fresh Python whose stderr is a pipe (as on a terminal: Python's
    ``sys.stderr`` is fd 2); returns its exit code and what reached its stderr."""
    import subprocess
    import textwrap

    code = "import logging, os, sys\n"
    code += "from latentscape.commands.native_stderr import quiet_decoder_chatter\n"
    code += textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    return done.returncode, done.stderr.decode()


def test_on_a_terminal_python_and_native_lines_show_and_the_notes_do_not():
    rc, err = _child_stderr(
        """
        with quiet_decoder_chatter():
            print("progress line", file=sys.stderr)
            os.write(2, b"Note: Trying to resync...\\n")
            os.write(2, b"native line\\n")
            handler = logging.StreamHandler()  # made meanwhile: it keeps sys.stderr
        logging.getLogger("t").addHandler(handler)
        logging.getLogger("t").warning("logged after the block")
        os.write(2, b"Note: after the block, nothing is filtered\\n")
        """
    )
    assert rc == 0
    lines = err.splitlines()
    assert "progress line" in lines and "native line" in lines
    assert "logged after the block" in lines and "Logging error" not in err
    assert "Note: Trying to resync..." not in lines
    assert lines[-1] == "Note: after the block, nothing is filtered"


def test_a_crash_inside_still_shows_its_traceback():
    rc, err = _child_stderr(
        """
        import ctypes
        def crash_here():
            ctypes.string_at(0)  # a segfault inside a native call
        with quiet_decoder_chatter():
            crash_here()
        """
    )
    assert rc != 0
    assert "Fatal Python error" in err and "crash_here" in err
