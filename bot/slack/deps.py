"""Everything a listener may need, built once in bot.wiring and handed to the Bolt app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.charts.worker import ChartWorker
from bot.drain import DrainableExecutor
from bot.slack.directory import TTLCache

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.scheduling.service import SchedulingService
    from bot.services import Services
    from bot.settings import Settings


@dataclass
class SlackDeps:
    settings: Settings
    services: Services
    metrics: Metrics
    user_cache: TTLCache = field(default_factory=TTLCache)
    charts: ChartWorker = field(default_factory=ChartWorker)
    # The work after each ack (Bolt's lazy listeners). Bolt's default pool of 5 threads made
    # work queue behind slower listeners.
    listeners: DrainableExecutor = field(
        default_factory=lambda: DrainableExecutor(max_workers=32, thread_name_prefix="bolt")
    )
    # Slow work after the ack (charts, uploads); a few threads, since renders queue anyway.
    background: DrainableExecutor = field(
        default_factory=lambda: DrainableExecutor(max_workers=4, thread_name_prefix="slow")
    )
    # The check-in controls (skip, pause, resume, digest now); None where nothing schedules.
    scheduling: SchedulingService | None = None
    # Short-lived: after an uninstall and reinstall the workspace gets a new row, and other
    # replicas must stop using the old id soon.
    workspace_ids: TTLCache = field(default_factory=lambda: TTLCache(ttl=30.0))
