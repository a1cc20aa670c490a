"""Helper processes end when the process that started them is gone."""

from __future__ import annotations

import os
import threading
import time

# How often a helper process checks that the process that started it is still there.
PARENT_POLL_SECONDS = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """Runs in a helper process as it starts: ends it once the process that started it is gone.

    That process may die without closing it (SIGKILL, the OOM killer); the helper would then
    wait on its queue for ever. Not prctl(PR_SET_PDEATHSIG): that signal fires when the *thread*
    that started the helper exits, and ProcessPoolExecutor starts helpers from whichever thread
    happens to need one (docs/performance.md, finding 13), so a retired request or pool thread
    would kill a healthy helper. The parent pid changes only when the whole parent process is gone.
    The first check runs before any sleep, so a parent that died before this ran is noticed.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
