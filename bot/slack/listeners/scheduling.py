"""Check-in controls: skip a period, pause and resume, post the weekly summary now."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services.types import ServiceError
from bot.slack import command_parser as cmd
from bot.slack.blocks.checkin import (
    build_paused,
    build_resumed,
    build_skipped,
    parse_checkin_value,
)
from bot.slack.blocks.common import escape, record_id
from bot.slack.blocks.errors import ephemeral
from bot.slack.handoff import ack_at_once, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId
from bot.slack.listeners.common import scope_of, service_error_text

if TYPE_CHECKING:
    from bot.scheduling.service import SchedulingService
    from bot.slack.listeners.slash_command import Invocation
    from bot.slack.scope import RequestScope

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ActionId.CHECKIN_SKIP)(ack=ack_at_once, lazy=[handle_checkin_skip])


def scheduling_of(scope: RequestScope) -> SchedulingService:
    service = scope.deps.scheduling
    if service is None:
        raise RuntimeError("this app was built without the scheduling service")
    return service


def command_skip(call: Invocation, parsed: cmd.Skip) -> None:
    # A team with several systems, named without one, means those on the team's schedule.
    team = call.system(parsed.team, team_ok=True)
    now = scheduling_of(call.scope).deps.clock()
    skipped = scheduling_of(call.scope).skip_period(
        call.scope.actor(team), call.scope.directory, team.id, now, system_id=team.system_id
    )
    language = call.scope.language(team)
    if skipped.already:
        call.notice("checkin.already_skipped", language, team=team.label, period=skipped.period_key)
        return
    call.say(build_skipped(team_name=team.label, period_key=skipped.period_key, language=language))


def command_pause(call: Invocation, parsed: cmd.Pause) -> None:
    team = call.system(parsed.team, team_ok=True)
    now = scheduling_of(call.scope).deps.clock()
    scheduling_of(call.scope).pause(
        call.scope.actor(team),
        call.scope.directory,
        team.id,
        parsed.until,
        now,
        system_id=team.system_id,
    )
    language = call.scope.language(team)
    call.say(build_paused(team_name=team.label, until=parsed.until, language=language))


def command_resume(call: Invocation, parsed: cmd.Resume) -> None:
    team = call.system(parsed.team, team_ok=True)
    scheduling_of(call.scope).resume(
        call.scope.actor(team), call.scope.directory, team.id, system_id=team.system_id
    )
    call.say(build_resumed(team_name=team.label, language=call.scope.language(team)))


def command_digest(call: Invocation, _: cmd.Digest) -> None:
    now = scheduling_of(call.scope).deps.clock()
    posted = scheduling_of(call.scope).digest_now(
        call.scope.actor(), call.scope.directory, call.channel_id, now
    )
    if posted.chart_failed:
        call.notice("info.digest_posted_no_chart", channel=posted.channel_id)
    else:
        call.notice("info.digest_posted", channel=posted.channel_id)


@work
def handle_checkin_skip(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Any,
) -> None:
    scope = scope_of(context)
    language = scope.language()
    parsed = parse_checkin_value(action.get("value"))
    # "team" or, on a system's own check-in, "team:system": ids the database hands out only.
    team_part, _, system_part = parsed[0].partition(":") if parsed is not None else ("", "", "")
    team_id = record_id(team_part)
    system_id = record_id(system_part) if system_part else None
    if parsed is None or team_id is None or (system_part and system_id is None):
        respond(ephemeral({"text": t("error.stale_view", language), "replace_original": False}))
        return
    period_key = parsed[1]
    try:
        team = scheduling_of(scope).store.team(scope.workspace_id, team_id, system_id)
        skipped = scheduling_of(scope).skip_period(
            scope.actor(team),
            scope.directory,
            team.id,
            scheduling_of(scope).deps.clock(),
            period_key=period_key,
            system_id=system_id,
        )
    except ServiceError as error:
        respond(ephemeral({"text": service_error_text(error, language), "replace_original": False}))
        return
    if skipped.already:
        text = t("checkin.already_skipped", language, team=escape(team.label), period=period_key)
        respond(ephemeral({"text": text, "replace_original": False}))
        return
    message = build_skipped(
        team_name=team.label, period_key=skipped.period_key, language=team.language
    )
    # The whole channel sees that this period was skipped, so nobody answers it twice.
    client.chat_postMessage(channel=team.channel_id, **message)
