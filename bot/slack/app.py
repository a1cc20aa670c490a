"""Builds the Bolt app: a middleware that scopes each request, the listeners, one error handler."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.types import ServiceError, Unavailable
from bot.slack.blocks.common import first_input_block
from bot.slack.blocks.errors import build_notice_modal, escape_params
from bot.slack.deps import SlackDeps
from bot.slack.directory import SlackDirectory
from bot.slack.i18n import resolve_language, t
from bot.slack.listeners import register_all
from bot.slack.scope import RequestScope

log = logging.getLogger(__name__)


def _workspace_key(context: BoltContext) -> tuple[str, str | None] | None:
    team_id = context.team_id
    if not team_id:
        # Org-wide installs can send enterprise-only payloads; key them by the enterprise.
        team_id = context.enterprise_id
    if not team_id:
        return None
    return team_id, context.enterprise_id


def acting_team(body: dict[str, Any]) -> str | None:
    """The workspace of the person who acted, as the payload names it."""
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return None


def foreign_view(body: dict[str, Any], context: BoltContext) -> bool:
    """A modal of one workspace submitted (or clicked) by someone of another: Bolt scopes the
    request to the workspace that built the view (`view.app_installed_team_id`), so without
    this check its ids (a team, a survey round) would be acted on for a stranger."""
    view = body.get("view")
    if not isinstance(view, dict) or context.is_enterprise_install:
        return False
    installed = view.get("app_installed_team_id")
    actor = acting_team(body)
    return bool(installed and actor and installed != actor)


def _refuse_foreign(body: dict[str, Any], client: WebClient, language: str) -> BoltResponse:
    message = t("error.foreign_view", language)
    view = body.get("view") or {}
    log.warning("refused a %s whose view belongs to another workspace", body.get("type"))
    if body.get("type") == "view_submission":
        block = first_input_block(view)
        if block is not None:
            return BoltResponse(
                status=200,
                body=json.dumps({"response_action": "errors", "errors": {block: message}}),
                headers={"content-type": ["application/json"]},
            )
    elif body.get("type") == "block_actions" and view.get("id"):
        try:
            client.views_update(view_id=view["id"], view=build_notice_modal(message, language))
        except SlackApiError as error:
            log.warning("could not say so in the view: %s", error.response.get("error"))
    return BoltResponse(status=200, body="")


def make_scope_middleware(deps: SlackDeps) -> Callable[..., BoltResponse]:
    def scope_middleware(
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        next_: Callable[[], BoltResponse],
    ) -> BoltResponse:
        if foreign_view(body, context):
            directory = SlackDirectory(
                client, workspace=context.team_id or "", cache=deps.user_cache
            )
            locale = directory.locale(context.user_id) if context.user_id else None
            language = resolve_language(locale, None, default=deps.settings.default_language)
            return _refuse_foreign(body, client, language)
        key = _workspace_key(context)
        if key is not None:
            context["scope"] = RequestScope(
                deps=deps,
                slack_team_id=key[0],
                enterprise_id=key[1],
                user_id=context.user_id,
                channel_id=context.channel_id,
                directory=SlackDirectory(client, workspace=key[0], cache=deps.user_cache),
            )
        return next_()

    return scope_middleware


# The events after which a workspace's data is erased (bot.slack.listeners.events).
ERASURE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


def _event_type(body: dict[str, Any]) -> str | None:
    event = body.get("event")
    return (
        str(event.get("type"))
        if body.get("type") == "event_callback" and isinstance(event, dict)
        else None
    )


def handle_error(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse:
    """The one place errors end that no listener handled: an expected one (storage unavailable)
    told as it is, anything else logged in full and told briefly; never a 5xx to Slack."""
    kind = {"type": body.get("type") or ("command" if "command" in body else None)}
    scope = context.get("scope")
    language = scope.language() if isinstance(scope, RequestScope) else "en"
    if isinstance(error, Unavailable) and _event_type(body) in ERASURE_EVENTS:
        # The workspace's data must go: a non-2xx makes Slack send the event again (after a
        # minute, then five), by when storage may be back. A 200 would lose the erasure.
        log.warning("could not erase a workspace now, Slack will retry: %s", error.key)
        return BoltResponse(status=503, body="")
    if isinstance(error, ServiceError):
        log.warning("a Slack request ended in %s", error.key, extra={"ctx": kind})
        message = t(error.key, language, **escape_params(error.params))
    else:
        log.error(
            "unhandled error in a Slack request: %s",
            type(error).__name__,
            exc_info=error,
            extra={"ctx": kind},
        )
        message = t("error.unexpected", language)
    if body.get("type") == "view_submission":
        # An empty ack would close the modal as if it had been accepted: keep it open instead.
        block = first_input_block(body.get("view") or {})
        if block is not None:
            return BoltResponse(
                status=200,
                body=json.dumps({"response_action": "errors", "errors": {block: message}}),
                headers={"content-type": ["application/json"]},
            )
    if "command" in body:
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": message}),
            headers={"content-type": ["application/json"]},
        )
    return BoltResponse(status=200, body="")


def build_bolt_app(
    deps: SlackDeps,
    *,
    client: WebClient,
    signing_secret: str | None,
    oauth_flow: OAuthFlow | None = None,
    socket_mode: bool = False,
    work_process: bool = False,
) -> App:
    """The Bolt app. Work functions run in Bolt's threads unless bot.workproc takes them over;
    `work_process=True` builds the work process's app, which runs only handed-over work."""
    app = App(
        # The client carries the bot token in single-workspace mode; with OAuth, Bolt finds
        # each workspace's token in the installation store.
        client=client,
        signing_secret=signing_secret or None,
        # Over Socket Mode requests arrive on the authenticated websocket, unsigned; the work
        # process's come over a pipe from the web process, which checked them.
        request_verification_enabled=not (socket_mode or work_process),
        # auth.test is called on the first request instead, so start-up needs no network.
        token_verification_enabled=False,
        oauth_flow=oauth_flow,
        # Each listener's ack function runs before the response; its work function after it,
        # through the lazy runner (bot/slack/handoff.py).
        process_before_response=True,
        # Ours, so that serve can let the work already acked finish on SIGTERM.
        listener_executor=deps.listeners,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    app.use(make_scope_middleware(deps))
    register_all(app)
    app.error(handle_error)
    return app
