"""Running a check as an ordinary user: root reads and writes any file."""

from __future__ import annotations

import os


def as_nobody(task) -> str:
    """``task()`` (→ str) run in a forked child that drops to the user 'nobody'.

    Root reads any file, so permission checks need an ordinary user. (Forked child: the
    interpreter lives under /root, which 'nobody' cannot read, so a fresh subprocess could
    not even start.)
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os.write(write_fd, task().encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        message = f.read()
    os.waitpid(pid, 0)
    return message
