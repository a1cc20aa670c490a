"""Buttons outside the assessment modal: check-in messages and the Home tab."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services.types import ServiceError
from bot.slack.blocks.assessment import InvalidView
from bot.slack.blocks.checkin import parse_checkin_value
from bot.slack.blocks.common import escape, record_id
from bot.slack.blocks.scorecard import scorecard_message
from bot.slack.handoff import ack_at_once, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId
from bot.slack.listeners.assessment import open_assessment, team_from_key
from bot.slack.listeners.common import scope_of, service_error_text, tell
from bot.slack.listeners.routine import open_update
from bot.slack.note_posts import post_scorecard
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel

log = logging.getLogger(__name__)


def register(app: App) -> None:
    # A team with several systems has a check-in button per system (`checkin_open:<id>`).
    app.action(re.compile(rf"^{ActionId.CHECKIN_OPEN}(:\d+)?$"))(
        ack=ack_at_once, lazy=[handle_checkin_open]
    )
    app.action(ActionId.HOME_ASSESS)(ack=ack_at_once, lazy=[handle_home_assess])
    app.action(ActionId.HOME_SCORECARD)(ack=ack_at_once, lazy=[handle_home_scorecard])


def _open(
    scope: RequestScope,
    client: WebClient,
    body: dict[str, Any],
    team_id: int,
    period_key: str | None,
) -> None:
    services = scope.deps.services
    trigger_id = str(body["trigger_id"])
    try:
        team = services.get_team(scope.workspace_id, team_id)
        if period_key is None:
            open_assessment(scope, client, trigger_id=trigger_id, team=team)
        else:
            # From a check-in: one page, starting with what most likely changed.
            open_update(scope, client, trigger_id=trigger_id, team=team, period_key=period_key)
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))


@work
def handle_checkin_open(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    scope = scope_of(context)
    parsed = parse_checkin_value(action.get("value"))
    if parsed is None or any(record_id(part) is None for part in parsed[0].split(":", 1)):
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    if ":" not in parsed[0]:
        _open(scope, client, body, int(parsed[0]), parsed[1])
        return
    # One system's button: its modal, for this period (the system must be the team's, in this
    # workspace).
    try:
        team = team_from_key(scope, parsed[0])
        open_update(
            scope, client, trigger_id=str(body["trigger_id"]), team=team, period_key=parsed[1]
        )
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))
    except InvalidView:
        tell(scope, client, body, t("error.stale_view", scope.language()))


@work
def handle_home_assess(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    scope = scope_of(context)
    value = str(action.get("value") or "")
    if ":" in value:
        # One system of a team with several: its own modal.
        try:
            team = team_from_key(scope, value)
            open_assessment(scope, client, trigger_id=str(body["trigger_id"]), team=team)
        except ServiceError as error:
            tell(scope, client, body, service_error_text(error, scope.language()))
        except InvalidView:
            tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    team_id = record_id(value)
    if team_id is None:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    _open(scope, client, body, team_id, None)


@work
def handle_home_scorecard(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    scope = scope_of(context)
    team_id = record_id(action.get("value"))
    services = scope.deps.services
    language = scope.language()
    if team_id is None:
        tell(scope, client, body, t("error.stale_view", language))
        return
    try:
        team = services.get_team(scope.workspace_id, team_id)
        card = services.scorecard(scope.actor(team), scope.directory, team.id)
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, language))
        return
    if card is None:
        tell(scope, client, body, t("error.no_assessment", language, team=escape(team.name)))
        return
    payload = scorecard_message(card, language)
    dm = direct_channel(client, scope.user_id or "")
    post_scorecard(scope, client, card, payload, channel_id=dm, language=language)
