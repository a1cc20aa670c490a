"""Several respondents: the `responses`, `consensus` and `lead` commands, the count on the
check-in message, the lead's confirmation message and the modal where a lead settles the
disputed items."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts.spread import render_spread
from bot.services import Action
from bot.services.types import NotFound, ServiceError, StoredAssessment, Submission, TeamInfo
from bot.slack import command_parser as cmd
from bot.slack.blocks.checkin import build_checkin
from bot.slack.blocks.responses import (
    ResolveTarget,
    build_lead_message,
    build_resolve_modal,
    build_responses,
    parse_resolve_modal,
    parse_resolve_value,
    resolve_value,
)
from bot.slack.blocks.scorecard import scorecard_message
from bot.slack.handoff import ack_at_once, pass_on, passed, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.common import scope_of, service_error_text, tell
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel, upload_chart
from rubric.consensus import Rule
from rubric.periods import Cadence

if TYPE_CHECKING:
    from bot.slack.listeners.slash_command import Invocation

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ActionId.RESOLVE_OPEN)(ack=ack_at_once, lazy=[handle_resolve_open])
    app.view_submission(CallbackId.RESOLVE)(ack=handle_resolve_submission, lazy=[after_resolve])


# ---- commands -------------------------------------------------------------------------------


def command_consensus(call: Invocation, parsed: cmd.SetConsensus) -> None:
    team = call.team(parsed.team)
    call.scope.deps.services.set_consensus(
        call.scope.actor(team), call.scope.directory, team.id, Rule(parsed.rule)
    )
    language = call.scope.language(team)
    rule = t(f"responses.rule.{parsed.rule}", language)
    call.notice("info.consensus_set", language, team=team.name, rule=rule)


def command_lead(call: Invocation, parsed: cmd.LeadChange) -> None:
    team = call.team(parsed.team)
    call.scope.deps.services.change_lead(
        call.scope.actor(team), call.scope.directory, team.id, parsed.user_id, add=parsed.add
    )
    key = "info.lead_added" if parsed.add else "info.lead_removed"
    call.notice(key, call.scope.language(team), user=parsed.user_id, team=team.name)


def command_responses_setting(call: Invocation, parsed: cmd.ResponsesSetting) -> None:
    team = call.team(parsed.team)
    services, actor = call.scope.deps.services, call.scope.actor(team)
    if parsed.setting == "anonymous":
        services.set_anonymous(actor, call.scope.directory, team.id, parsed.on)
    else:
        services.set_dm_reminders(actor, call.scope.directory, team.id, parsed.on)
    state = "on" if parsed.on else "off"
    call.notice(f"info.{parsed.setting}_{state}", call.scope.language(team), team=team.name)


def command_responses(call: Invocation, parsed: cmd.ShowResponses) -> None:
    team = call.system(parsed.team)
    services = call.scope.deps.services
    view = services.responses_of(
        call.scope.actor(team), call.scope.directory, team.id, team.system_id
    )
    if view is None:
        raise NotFound("responses.none", team=team.label)
    if view.hidden and _may_settle(call, team):
        # A lead sees which tests to settle (never who said what) below the minimum too.
        view = (
            services.settling_view(
                call.scope.workspace_id, team.id, team.system_id, view.period_key
            )
            or view
        )
    rubric = services.rubrics.get(team.rubric_id)
    resolve = resolve_value(team.id, team.system_id, view.period_key)
    language = call.scope.language(team)
    call.say(build_responses(team.label, rubric, view, language, resolve=resolve))
    if view.hidden or view.count < 2:
        return
    # Files cannot be ephemeral: the spread goes to the person's DM, like a private trend.
    chart = render_spread(
        rubric,
        dict(view.spread),
        team=team.label,
        period=view.period_key,
        respondents=view.count,
        language=language,
    )
    upload_chart(
        call.client,
        chart,
        channel_id=direct_channel(call.client, call.scope.user_id or ""),
        filename=f"spread-{view.period_key}.png",
    )


def _may_settle(call: Invocation, team: TeamInfo) -> bool:
    try:
        call.scope.deps.services.require(
            Action.RESOLVE, call.scope.actor(team), call.scope.directory, team
        )
    except ServiceError:
        return False
    return True


# ---- after a person's answers are stored ----------------------------------------------------


def after_response(
    scope: RequestScope, client: WebClient, context: BoltContext, submission: Submission
) -> None:
    """The check-in message's count, then the leads' confirmation message while answers
    differ. Failures are logged: the answers are stored already."""
    card = submission.scorecard
    team = card.team
    period_key = _period_of(scope, submission)
    if period_key is None:
        return
    try:
        _update_count(scope, client, context, team, period_key)
    except (SlackApiError, ServiceError):
        log.warning("could not update the check-in message's count", exc_info=True)
    view = card.responses
    if view is not None and view.hidden and team.leads:
        # Below the anonymous minimum the scorecard shows no items; the leads still get the
        # ones to settle (without who or how many).
        view = scope.deps.services.settling_view(
            scope.workspace_id, team.id, team.system_id, period_key
        )
    if view is None or not view.unresolved or not team.leads:
        return
    resolve = resolve_value(team.id, team.system_id, period_key)
    rubric = card.rubric
    for lead in dict.fromkeys(team.leads):
        payload = build_lead_message(team.label, rubric, view, team.language, resolve=resolve)
        try:
            client.chat_postMessage(channel=direct_channel(client, lead), **payload)
        except SlackApiError:
            log.warning("could not send a lead the disagreements to confirm", exc_info=True)


def _period_of(scope: RequestScope, submission: Submission) -> str | None:
    view = submission.scorecard.responses
    if view is not None:
        return view.period_key
    return scope.deps.services.assessment_period(
        scope.workspace_id, submission.scorecard.team.id, submission.assessment_id
    )


def _update_count(
    scope: RequestScope, client: WebClient, context: BoltContext, team: TeamInfo, period: str
) -> None:
    found = scope.deps.services.checkin_progress(
        scope.workspace_id, team.id, team.system_id, period
    )
    if found is None:
        return
    members = _people_in(client, found.channel_id, str(context.bot_user_id or ""))
    answered = t(
        "responses.answered",
        team.language,
        answered=len(found.respondents),
        members=max(len(members), len(found.respondents)),
    )
    payload = build_checkin(
        team_id=found.button_key,
        team_name=team.label,
        period_key=period,
        cadence=Cadence(found.cadence) if found.cadence != "off" else Cadence.WEEKLY,
        language=team.language,
        answered=answered,
        confirmed=found.confirmed,
        anonymous=found.anonymous,
    )
    client.chat_update(channel=found.channel_id, ts=found.message_ts, **payload)


def _people_in(client: WebClient, channel_id: str, bot_user_id: str) -> list[str]:
    """The channel's members but the bot: who a check-in asks."""
    people: list[str] = []
    cursor: str | None = None
    while True:
        response = client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
        people += [m for m in response.get("members") or [] if m != bot_user_id]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return people


# ---- the lead's modal -----------------------------------------------------------------------


@work
def handle_resolve_open(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    scope = scope_of(context)
    target = parse_resolve_value(action.get("value"))
    if target is None:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    team_id, system_id, period_key = target
    services = scope.deps.services
    try:
        team = services.get_team(scope.workspace_id, team_id)
        view = services.to_resolve(
            scope.actor(team), scope.directory, team_id, system_id, period_key
        )
        if view is None or not view.unresolved:
            raise NotFound("responses.nothing_to_resolve")
        rubric = services.rubrics.get(team.rubric_id)
        modal = build_resolve_modal(
            team.name,
            rubric,
            view,
            ResolveTarget(team_id, system_id, period_key),
            scope.language(team),
        )
        client.views_open(trigger_id=str(body["trigger_id"]), view=modal)
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))


def handle_resolve_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Store the lead's choices (only the disputed items count), then close the modal."""
    scope = scope_of(context)
    view = body["view"]
    parsed = parse_resolve_modal(view)
    if parsed is None:
        # Not a form this bot can read (an old or altered one): say so on its first input.
        block = next(iter((view.get("state") or {}).get("values") or {}), "")
        if not block:
            ack(response_action="clear")
            return
        ack(response_action="errors", errors={block: t("error.stale_view", scope.language())})
        return
    target, choices = parsed
    services = scope.deps.services
    language = scope.language()
    try:
        team = services.get_team(scope.workspace_id, target.team_id)
        stored = services.resolve(
            scope.actor(team),
            scope.directory,
            target.team_id,
            target.system_id,
            period_key=target.period_key,
            choices=choices,
            submission_key=str(view["id"]),
        )
    except ServiceError as error:
        block = next(iter((view.get("state") or {}).get("values") or {}), "")
        ack(
            response_action="errors",
            errors={block: service_error_text(error, language, mrkdwn=False)},
        )
        return
    ack(response_action="clear")
    pass_on(
        context,
        team_id=stored.team_id,
        system_id=stored.system_id,
        assessment_id=stored.assessment_id,
    )


@work
def after_resolve(client: WebClient, context: BoltContext) -> None:
    """The lead is shown the agreed scorecard in a DM."""
    handed = passed(context)
    if "assessment_id" not in handed:
        return
    scope = scope_of(context)
    system_id = handed.get("system_id")
    stored = StoredAssessment(
        team_id=int(handed["team_id"]),
        assessment_id=int(handed["assessment_id"]),
        created=True,
        system_id=int(system_id) if system_id is not None else None,
    )
    submission = scope.deps.services.submission(scope.actor(), stored)
    team = submission.scorecard.team
    language = scope.language(team)
    card = scorecard_message(submission.scorecard, language)
    text = t("responses.resolved", language, team=team.label)
    client.chat_postMessage(
        channel=direct_channel(client, scope.user_id or ""), text=text, blocks=card["blocks"]
    )
