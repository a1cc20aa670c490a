"""What /proc says about processes, for tests that check a chart worker does not outlive its parent.

Read from /proc directly (Linux only) rather than through psutil, which the project does not use.
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios
from pathlib import Path

from tests.support.polling import wait_until


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name; None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    return stat[stat.rindex(")") + 2 :].split()


def running(pid: int) -> bool:
    """Whether the process exists and has not exited: a zombie ('Z') counts as gone.

    An orphaned zombie is reaped by init, but in a container PID 1 may never reap it.
    """
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def exited(pid: int) -> bool:
    """Whether the process has gone at least as far as closing its files on the way out.

    Between that and becoming a zombie it still shows as running for a moment; what a parent
    waiting on a pipe the child holds (a multiprocessing sentinel) has seen is this.
    """
    if not running(pid):
        return True
    try:
        return not any(Path(f"/proc/{pid}/fd").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return True


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def children_of(parent: int) -> list[int]:
    """The running children of `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat_fields(pid)
        if fields is not None and int(fields[1]) == parent and running(pid):
            found.append(pid)
    return sorted(found)


def chart_workers_of(parent: int) -> list[int]:
    """The running children of `parent` that are multiprocessing spawn workers."""
    return [pid for pid in children_of(parent) if "spawn_main" in cmdline(pid)]


def unread_pipe_bytes(pid: int) -> int:
    """Bytes that wait, written and not yet read, in the pipes the process holds.

    Each pipe is opened again through /proc and asked how much it holds (FIONREAD), which
    reads nothing out of it.
    """
    total = 0
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if not os.readlink(entry).startswith("pipe:"):
                continue
            fd = os.open(entry, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:  # closed meanwhile
            continue
        try:
            held = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
            total += struct.unpack("i", held)[0]
        finally:
            os.close(fd)
    return total


def wait_until_gone(pid: int, *, timeout: float) -> bool:
    """Polls until the process has exited; False if it is still running after `timeout` seconds."""
    try:
        wait_until(lambda: not running(pid), timeout=timeout, what=f"process {pid} to exit")
    except AssertionError:
        return False
    return True
