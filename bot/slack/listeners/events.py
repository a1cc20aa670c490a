"""Events API: the Home tab, and erasing a workspace when the app leaves it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services.types import Unavailable
from bot.slack.blocks.home import build_home, build_home_unavailable
from bot.slack.handoff import ack_at_once, work
from bot.slack.listeners.common import scope_of, service_error_text

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_at_once, lazy=[handle_home_opened])
    # Erased before the ack, in the process that took the request: its workspace cache is
    # cleared at once (the work process's expires within its 30 s TTL).
    app.event("app_uninstalled")(handle_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)


def publish_home(context: BoltContext, client: WebClient, user_id: str) -> None:
    scope = scope_of(context)
    services = scope.deps.services
    language = scope.language()
    try:
        summaries = services.teams_for_user(scope.actor(), scope.directory)
    except Unavailable as error:
        log.warning("the Home tab could not list the teams: %s", error.key)
        view = build_home_unavailable(service_error_text(error, language), language)
    else:
        view = build_home(summaries, language)
    client.views_publish(user_id=user_id, view=view)


@work
def handle_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(context, client, str(event["user"]))


def handle_uninstalled(context: BoltContext) -> None:
    _erase(context, "app_uninstalled")


def handle_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    # Only the bot's own token going away ends the installation; revoked user tokens do not.
    if not (event.get("tokens") or {}).get("bot"):
        return
    _erase(context, "tokens_revoked")


def _erase(context: BoltContext, reason: str) -> None:
    scope = scope_of(context)
    scope.deps.services.erase_workspace(scope.slack_team_id)
    scope.deps.workspace_ids.forget((scope.slack_team_id, context.enterprise_id))
    log.info("erased a workspace's data after %s", reason)
