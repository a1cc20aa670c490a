"""Everything a listener may need, built once in bot.wiring and handed to the Bolt app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.charts.worker import ChartWorker
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
    # Slow work after the ack (charts, uploads); a few threads, since renders queue anyway.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="slow")
    )
    # The check-in controls (skip, pause, resume, digest now); None where nothing schedules.
    scheduling: SchedulingService | None = None
    # Short-lived: after an uninstall and reinstall the workspace gets a new row, and other
    # replicas must stop using the old id soon.
    workspace_ids: TTLCache = field(default_factory=lambda: TTLCache(ttl=30.0))
