"""`mlscore tick [--now ISO]`: one scheduling pass from the command line, then exit (SIGTERM
stops it gracefully)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from bot.scheduling.deps import TickDeps
from bot.scheduling.tick import run_tick
from bot.settings import Settings

log = logging.getLogger(__name__)


def tick_once(settings: Settings, now: datetime | None = None) -> int:
    """Run one pass at `now` (default: the clock) and return the exit status: 0 when every
    workspace was processed (sends that failed are retried by a later tick), 1 otherwise.

    SIGTERM stops the pass (see bot.scheduling.tick): the posts under way finish and are
    recorded within `stop_grace_seconds`, and the exit status is 0. If they take longer, the
    process ends with status 1 and those posts are retried after their lease."""
    from bot.db.migrate import upgrade
    from bot.wiring import build_container, deps_from_container

    # As serve does: a database that was never migrated (or is behind) is brought to head
    # first, instead of the pass breaking off on a missing table.
    upgrade(settings.database_url)
    container = build_container(settings)
    try:
        deps = deps_from_container(container)
        at = now if now is not None else container.clock()
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        with _stopping_on_sigterm(deps, settings.stop_grace_seconds):
            report = run_tick(deps, at)
    finally:
        container.charts.close()  # the digest's charts start a worker process; end it here
        container.database.dispose()
    return 1 if report.errors else 0


@contextmanager
def _stopping_on_sigterm(deps: TickDeps, grace: float) -> Iterator[None]:
    """SIGTERM stops the pass instead of killing the process with posts in flight (the next
    tick would post them again after their lease). Only in the main thread, and only where
    SIGTERM still has its default action (nothing else in the process handles it)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
    ):
        yield
        return
    deadline = threading.Timer(grace, _give_up, args=(grace,))
    deadline.daemon = True

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if deps.stopping.is_set():
            return
        deps.stopping.set()
        # The rest runs in a thread: this handler interrupts the main thread anywhere, maybe
        # inside the pacer's lock or the logging machinery.
        threading.Thread(target=_stop, args=(deps, deadline), daemon=True).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        deadline.cancel()  # the pass is over: whatever follows is clean-up


def _stop(deps: TickDeps, deadline: threading.Timer) -> None:
    log.info(
        "SIGTERM: sending nothing more, waiting up to %.0f s for the posts under way",
        deadline.interval,
    )
    deps.stop()
    deadline.start()


def _give_up(grace: float) -> None:
    log.error(
        "the posts under way did not finish within %.0f s of SIGTERM; exiting now. They are "
        "retried after their lease; one may arrive twice if Slack took it.",
        grace,
    )
    logging.shutdown()
    os._exit(1)
