"""The in-process trigger: APScheduler 3.11 runs one tick every `tick_seconds`.

APScheduler only triggers. The schedule itself lives in the app's tables, and the job store is
in memory (a shared APScheduler job store fires every job once per process). One instance at a
time, missed runs coalesced into one, and no misfire limit: a tick that starts late (a busy
machine, a paused VM) still runs, since every tick works out for itself what is due.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.deps import TickDeps
from bot.scheduling.tick import run_tick

log = logging.getLogger(__name__)

JOB_ID = "mlscore-tick"


class TickScheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler is untyped
    """The background scheduler with the deps of the passes it runs, so stopping it can stop a
    pass under way."""

    def __init__(self, deps: TickDeps, **options: object) -> None:
        super().__init__(**options)
        self.deps = deps


def start_scheduler(deps: TickDeps) -> TickScheduler:
    """Start a background scheduler running `run_tick(deps, deps.clock())`; the first tick
    runs right away."""
    scheduler = TickScheduler(
        deps,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    scheduler.add_job(
        _tick,
        IntervalTrigger(seconds=deps.settings.tick_seconds, timezone=UTC),
        args=[deps],
        id=JOB_ID,
        name="mlscore scheduling pass",
        next_run_time=deps.clock(),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.start()
    log.info("scheduler started: a pass every %d s", deps.settings.tick_seconds)
    return scheduler


def stop_scheduler(scheduler: TickScheduler, *, wait: bool = True) -> bool:
    """Stop triggering, and stop a pass under way as `mlscore tick` does on SIGTERM: it claims
    nothing more, gives back the claims still waiting for their turn, and the posts in flight
    finish and are recorded. With `wait`, waits for that up to the settings' stop grace;
    False when it took longer (those posts are retried after their lease, as after a crash)."""
    if not scheduler.running:
        return True
    deps = scheduler.deps
    deps.stop()
    if not wait:
        scheduler.shutdown(wait=False)
        return True
    grace = deps.settings.stop_grace_seconds
    stopped = threading.Thread(
        target=scheduler.shutdown, kwargs={"wait": True}, name="tick-stop", daemon=True
    )
    stopped.start()
    stopped.join(grace)
    if stopped.is_alive():
        log.error(
            "the posts under way did not finish within %.0f s of the stop; they are retried "
            "after their lease, and one may arrive twice if Slack took it.",
            grace,
        )
        return False
    return True


def _tick(deps: TickDeps) -> None:
    try:
        run_tick(deps, deps.clock())
    except Exception:
        # A broken pass must not kill the job: the next one tries again.
        log.exception("scheduling pass failed")
