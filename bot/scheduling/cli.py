"""`mlscore tick [--now ISO]`: one scheduling pass from the command line, then exit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from bot.scheduling.deps import ClientFor, TickDeps
from bot.scheduling.tick import run_tick
from bot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.wiring import Container

log = logging.getLogger(__name__)


def deps_from_container(container: Container, *, client_for: ClientFor | None = None) -> TickDeps:
    """TickDeps from the app's container. Without `client_for`, the bot token of the settings
    serves every workspace (single-workspace mode); OAuth deployments pass a lookup."""
    if client_for is None:
        if not container.settings.slack_bot_token:
            raise ConfigError(
                "the scheduler needs SLACK_BOT_TOKEN (or, with OAuth, a per-workspace token "
                "lookup) to post check-ins"
            )
        client_for = _single_client(container)
    return TickDeps(
        database=container.database,
        settings=container.settings,
        metrics=container.metrics,
        rubrics=container.services.rubrics,
        client_for=client_for,
        clock=container.clock,
    )


def _single_client(container: Container) -> ClientFor:
    @cache
    def client() -> WebClient:
        return container.web_client()

    return lambda _slack_team_id: client()


def tick_once(settings: Settings, now: datetime | None = None) -> int:
    """Run one pass at `now` (default: the clock) and return the exit status: 0 when every
    workspace was processed (sends that failed are retried by a later tick), 1 otherwise."""
    from bot.wiring import build_container

    container = build_container(settings)
    try:
        # With OAuth, build_container set up the per-workspace token lookup.
        lookup = container.client_for if settings.oauth_enabled else None
        deps = deps_from_container(container, client_for=lookup)
        at = now if now is not None else container.clock()
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        report = run_tick(deps, at)
    finally:
        container.database.dispose()
    return 1 if report.errors else 0
