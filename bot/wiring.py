"""The one place that builds the engine, the services, the tick's deps, the Bolt app and the web
app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import text

from bot.charts.worker import ChartWorker
from bot.clock import Clock, utcnow
from bot.db.engine import Database
from bot.drain import DrainableExecutor
from bot.metrics import Metrics
from bot.rubric_registry import RubricRegistry
from bot.scheduling.deps import ClientFor, TickDeps
from bot.services import Services
from bot.services.scheduling import SchedulingStore
from bot.settings import ConfigError, Settings
from bot.slack.clients import make_web_client

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.oauth import OAuthFlow
    from slack_sdk import WebClient
    from starlette.applications import Starlette

    from bot.slack.deps import SlackDeps

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    database: Database
    services: Services
    metrics: Metrics
    clock: Clock
    # With OAuth: the client that speaks for one workspace, with its own stored token.
    workspace_client: Callable[[str], WebClient] | None = None
    # One chart worker process per server, shared by listeners and the tick.
    charts: ChartWorker = field(default_factory=ChartWorker)
    # Set when the process is shutting down: Slack calls stop waiting out rate limits.
    stopping: threading.Event = field(default_factory=threading.Event)
    # The pools of work already accepted, drained on shutdown (bot.drain).
    pools: list[DrainableExecutor] = field(default_factory=list)
    # Single-workspace mode: one client with the settings' token, made on first use.
    _single_client: WebClient | None = field(default=None, init=False, repr=False)

    def database_ok(self) -> bool:
        try:
            with self.database.read() as session:
                session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except Exception:
            log.warning("database check failed", exc_info=True)
            return False
        return True

    def client_for(self, slack_team_id: str) -> WebClient:
        """The Web API client that speaks for one workspace."""
        if self.workspace_client is not None:
            return self.workspace_client(slack_team_id)
        if self._single_client is None:
            self._single_client = self.web_client()
        return self._single_client

    def web_client(self, token: str | None = None) -> WebClient:
        bot_token = token
        if bot_token is None and self.settings.slack_bot_token:
            bot_token = self.settings.slack_bot_token.get_secret_value()
        return make_web_client(
            bot_token,
            base_url=self.settings.slack_api_url,
            metrics=self.metrics,
            stop=self.stopping,
        )


def build_container(settings: Settings, *, clock: Clock = utcnow) -> Container:
    database = Database.from_url(settings.database_url)
    services = Services(
        database=database,
        rubrics=RubricRegistry(settings.rubric_file),
        clock=clock,
        admins=settings.admins,
        default_language=settings.default_language,
        default_timezone=settings.default_timezone,
    )
    container = Container(
        settings=settings,
        database=database,
        services=services,
        metrics=Metrics(),
        clock=clock,
    )
    if settings.oauth_enabled:
        from bot.slack.oauth import workspace_clients

        # Container.client_for (the scheduler's) finds each workspace's token here.
        container.workspace_client = workspace_clients(
            database,
            settings.require_token_key(),
            base_url=settings.slack_api_url,
            metrics=container.metrics,
            stop=container.stopping,
        )
    return container


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
        store=SchedulingStore(container.database),
        settings=container.settings,
        metrics=container.metrics,
        rubrics=container.services.rubrics,
        client_for=client_for,
        clock=container.clock,
        charts=container.charts,
        # One signal: a stopped pass also ends its clients' rate-limit waits.
        stopping=container.stopping,
    )


def build_tick_deps(container: Container) -> TickDeps:
    return deps_from_container(container, client_for=container.client_for)


def build_slack_deps(container: Container) -> SlackDeps:
    from bot.scheduling.service import SchedulingService
    from bot.slack.deps import SlackDeps

    deps = SlackDeps(
        settings=container.settings,
        services=container.services,
        metrics=container.metrics,
        charts=container.charts,
        scheduling=SchedulingService(build_tick_deps(container), container.services),
    )
    # Drained on shutdown in this order: the work after an ack may hand a chart to the other.
    container.pools.extend([deps.listeners, deps.background])
    return deps


def build_bolt(
    container: Container,
    *,
    socket_mode: bool = False,
    work_process: bool = False,
) -> App:
    from bot.slack.app import build_bolt_app

    settings = container.settings
    signing_secret = None if socket_mode else settings.require_signing_secret()
    oauth_flow = build_oauth_flow(container)
    return build_bolt_app(
        build_slack_deps(container),
        # With OAuth the app's client has no token: Bolt finds each workspace's in the store.
        client=container.web_client()
        if oauth_flow is None
        else make_web_client(
            None,
            base_url=settings.slack_api_url,
            metrics=container.metrics,
            # Bolt copies this client's retry handlers into each workspace's client.
            stop=container.stopping,
        ),
        signing_secret=signing_secret,
        oauth_flow=oauth_flow,
        socket_mode=socket_mode,
        work_process=work_process,
    )


def build_web(container: Container, bolt_app: App) -> Starlette:
    from bot.evidence_api import RateLimiter, evidence_endpoint
    from bot.web import create_web_app

    settings = container.settings
    return create_web_app(
        bolt_app,
        signing_secret=settings.require_signing_secret(),
        database_ok=container.database_ok,
        metrics=container.metrics,
        evidence=evidence_endpoint(
            container.services,
            RateLimiter(settings.evidence_pushes_per_minute),
            container.client_for,
        ),
    )


def build_oauth_flow(container: Container) -> OAuthFlow | None:
    """Bolt's OAuth flow when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, else None.

    Refuses (ConfigError) without MLSCORE_TOKEN_KEY: tokens are only ever stored encrypted.
    """
    if not container.settings.oauth_enabled:
        return None
    from bot.slack.oauth import oauth_flow_for

    return oauth_flow_for(
        container.settings,
        container.database,
        metrics=container.metrics,
        clock=container.clock,
    )
