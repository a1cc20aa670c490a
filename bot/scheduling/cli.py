"""`mlscore tick [--now ISO]`: one scheduling pass from the command line, then exit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.scheduling.deps import ClientFor, TickDeps
from bot.scheduling.tick import run_tick
from bot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from bot.wiring import Container

log = logging.getLogger(__name__)


def deps_from_container(container: Container, *, client_for: ClientFor | None = None) -> TickDeps:
    """TickDeps from the app's container. Without `client_for`, the container's clients: the
    settings' bot token (single-workspace mode), refused when missing, or each workspace's own
    (OAuth)."""
    if client_for is None:
        if not container.settings.oauth_enabled and not container.settings.slack_bot_token:
            raise ConfigError(
                "the scheduler needs SLACK_BOT_TOKEN (or, with OAuth, a per-workspace token "
                "lookup) to post check-ins"
            )
        client_for = container.client_for
    return TickDeps(
        database=container.database,
        settings=container.settings,
        metrics=container.metrics,
        rubrics=container.services.rubrics,
        client_for=client_for,
        clock=container.clock,
        charts=container.charts,
    )


def tick_once(settings: Settings, now: datetime | None = None) -> int:
    """Run one pass at `now` (default: the clock) and return the exit status: 0 when every
    workspace was processed (sends that failed are retried by a later tick), 1 otherwise."""
    from bot.db.migrate import upgrade
    from bot.wiring import build_container

    # As serve does: a database that was never migrated (or is behind) is brought to head
    # first, instead of the pass breaking off on a missing table.
    upgrade(settings.database_url)
    container = build_container(settings)
    try:
        deps = deps_from_container(container)
        at = now if now is not None else container.clock()
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        report = run_tick(deps, at)
    finally:
        container.charts.close()  # the digest's charts start a worker process; end it here
        container.database.dispose()
    return 1 if report.errors else 0
