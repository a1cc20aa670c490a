"""What a tick needs, handed in by whoever runs it (the CLI, the APScheduler job, a test)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.charts.worker import ChartWorker
from bot.clock import Clock, utcnow
from bot.metrics import Metrics
from bot.rubric_registry import RubricRegistry
from bot.scheduling.pacing import Pacer
from bot.scheduling.plan import Policy
from bot.services.scheduling import SchedulingStore
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

ClientFor = Callable[[str], "WebClient"]
"""slack_team_id -> a WebClient with that workspace's bot token (one client in single-token
mode; a token lookup in OAuth mode)."""

DEFAULT_WORKERS = 8
"""Threads sending at once. Most of them sleep on the pacer (a digest's chart waits a second
behind its message in the same channel), so a few more than cores keep the workspace rate busy
while charts render."""


@dataclass
class TickDeps:
    store: SchedulingStore
    """The scheduler's transactions (bot.services.scheduling): it opens no session itself."""
    settings: Settings
    metrics: Metrics
    rubrics: RubricRegistry
    client_for: ClientFor
    clock: Clock = utcnow
    monotonic: Callable[[], float] = time.monotonic
    pacer: Pacer = field(default_factory=Pacer)
    workers: int = DEFAULT_WORKERS
    # Digest charts; serve shares its worker process so a weekly run does not hold the GIL
    # that the server's acks need.
    charts: ChartWorker = field(default_factory=lambda: ChartWorker(in_process=True))
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set by stop(): a pass under way sends nothing more, and finishes what is in flight."""

    def stop(self) -> None:
        self.stopping.set()
        self.pacer.stop()

    @property
    def policy(self) -> Policy:
        s = self.settings
        return Policy(
            reminder_after=timedelta(hours=s.reminder_after_hours),
            digest_weekday=s.digest_weekday,
            digest_time=s.digest_time,
            default_tz=s.default_timezone,
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.delivery_lease_seconds)
