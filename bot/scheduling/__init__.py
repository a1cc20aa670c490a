"""Scheduled check-ins, reminders, lead DMs and the weekly digest, each sent exactly once.

`run_tick(deps, now)` is one pass; `start_scheduler(deps)` runs it every minute in a server;
`bot.tick_command.tick_once(settings, now)` is `mlscore tick`; `SchedulingService` holds the
skip, pause and on-demand digest use cases.
"""

from __future__ import annotations

from bot.scheduling.deps import TickDeps
from bot.scheduling.pacing import Pacer
from bot.scheduling.plan import Job, Policy
from bot.scheduling.scheduler import start_scheduler, stop_scheduler
from bot.scheduling.tick import TickReport, run_tick

__all__ = [
    "Job",
    "Pacer",
    "Policy",
    "TickDeps",
    "TickReport",
    "run_tick",
    "start_scheduler",
    "stop_scheduler",
]
