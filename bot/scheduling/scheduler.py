"""The in-process trigger: APScheduler 3.11 runs one tick every `tick_seconds`.

APScheduler only triggers. The schedule itself lives in the app's tables, and the job store is
in memory (a shared APScheduler job store fires every job once per process). One instance at a
time, missed runs coalesced into one, and no misfire limit: a tick that starts late (a busy
machine, a paused VM) still runs, since every tick works out for itself what is due.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.deps import TickDeps
from bot.scheduling.tick import run_tick

log = logging.getLogger(__name__)

JOB_ID = "mlscore-tick"


def start_scheduler(deps: TickDeps) -> BackgroundScheduler:
    """Start a background scheduler running `run_tick(deps, deps.clock())`; the first tick
    runs right away."""
    scheduler = BackgroundScheduler(
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


def stop_scheduler(scheduler: BackgroundScheduler, *, wait: bool = True) -> None:
    """Stop triggering; with `wait`, let a pass under way finish (its claims stay consistent
    either way: an interrupted send is retried after its lease)."""
    if scheduler.running:
        scheduler.shutdown(wait=wait)


def _tick(deps: TickDeps) -> None:
    try:
        run_tick(deps, deps.clock())
    except Exception:
        # A broken pass must not kill the job: the next one tries again.
        log.exception("scheduling pass failed")
