"""Stage moves in Slack: `plan`, `plans`, `waive`, the plan modal, the waiver buttons, and the
stage gate's reply. Thin: parse, call one use case, render."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Action
from bot.services.plans import PlanView, StageGated, WaiverView
from bot.services.types import Invalid, ServiceError, TeamInfo
from bot.slack import command_parser as cmd
from bot.slack.blocks.common import record_id
from bot.slack.blocks.plans import (
    build_gate,
    build_owner_dm,
    build_plan_modal,
    build_plans_list,
    build_preview,
    build_waiver_request,
    parse_plan_button_value,
    parse_plan_modal,
    waiver_decided_text,
)
from bot.slack.chart_posts import post_burnup_later
from bot.slack.handoff import ack_at_once, pass_on, passed, work
from bot.slack.i18n import format_date, t
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.common import scope_of, service_error_text, tell
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel

if TYPE_CHECKING:
    from bot.slack.listeners.slash_command import Invocation

log = logging.getLogger(__name__)

BURNUPS = 3
"""How many plans' burn-up charts `plans` sends at most (the newest)."""


def register(app: App) -> None:
    app.action(ActionId.PLAN_MAKE)(ack=ack_at_once, lazy=[handle_plan_make])
    app.action(ActionId.WAIVER_APPROVE)(ack=ack_at_once, lazy=[handle_waiver_approve])
    app.action(ActionId.WAIVER_REJECT)(ack=ack_at_once, lazy=[handle_waiver_reject])
    app.view_submission(CallbackId.PLAN)(ack=handle_plan_submission, lazy=[after_plan_created])


# ---- commands ----------------------------------------------------------------------------------


def command_plan(call: Invocation, parsed: cmd.PlanPreview) -> None:
    team = call.system(parsed.team)
    services = call.scope.deps.services
    actor = call.scope.actor(team)
    found = services.stage_preview(
        actor, call.scope.directory, team.id, team.system_id, parsed.stage
    )
    can_plan = services.allowed(Action.PLAN, actor, call.scope.directory, found.system)
    call.say(build_preview(found, call.scope.language(team), can_plan=can_plan))


def command_plans(call: Invocation, parsed: cmd.ListPlans) -> None:
    team = call.team(parsed.team)
    services = call.scope.deps.services
    plans = services.list_plans(call.scope.actor(team), call.scope.directory, team.id)
    today = services.today()
    language = call.scope.language(team)
    call.say(build_plans_list(team.name, plans, language, today))
    # Each open plan's burn-up (the newest few), in the person's DM: files cannot be ephemeral.
    for plan in [p for p in plans if p.target_date >= today or p.met < len(p.items)][-BURNUPS:]:
        burnup = services.plan_burnup(call.scope.actor(team), call.scope.directory, plan.id)
        post_burnup_later(
            call.scope.deps,
            call.client,
            burnup,
            channel_id=lambda: direct_channel(call.client, call.scope.user_id or ""),
            language=language,
            tell=lambda text: call.say({"text": text}),
        )


def command_waive(call: Invocation, parsed: cmd.Waive) -> None:
    team = call.system(parsed.team)
    services = call.scope.deps.services
    waiver = services.request_waiver(
        call.scope.actor(team),
        call.scope.directory,
        team.id,
        team.system_id,
        item_id=parsed.item_id,
        expires_on=parsed.until,
        reason=parsed.reason,
    )
    rubric = services.rubrics.get(team.rubric_id)
    sent = 0
    for approver in waiver.approvers:
        payload = build_waiver_request(waiver, rubric, team.language)
        posted = _dm(call.client, approver, payload)
        if posted is None:
            continue
        sent += 1
        # It shows the requester's reason: erasing their notes must be able to edit it.
        services.record_post(
            call.scope.actor(team),
            team.id,
            channel_id=posted[0],
            message_ts=posted[1],
            authors=[waiver.requested_by],
            kind="waiver_request",
            language=team.language,
        )
    language = call.scope.language(team)
    if sent == 0:
        # Nobody would ever see it otherwise: say who can still decide it, and where.
        call.notice(
            "info.waiver_no_approver",
            language,
            item=waiver.item_id,
            team=waiver.system.label,
            date=format_date(waiver.expires_on, language),
        )
        return
    call.notice(
        "info.waiver_requested",
        language,
        item=waiver.item_id,
        team=waiver.system.label,
        date=format_date(waiver.expires_on, language),
        count=sent,
    )


def command_waivers(call: Invocation, parsed: cmd.ListWaivers) -> None:
    """Each pending waiver the person may decide, with its buttons (ephemeral)."""
    services = call.scope.deps.services
    found = services.pending_waivers(call.scope.actor(), call.scope.directory)
    language = call.scope.language()
    if not found:
        call.notice("info.no_pending_waivers", language)
        return
    for waiver in found:
        rubric = services.rubrics.get(waiver.system.rubric_id)
        call.say(build_waiver_request(waiver, rubric, language))


def command_stage(call: Invocation, parsed: cmd.SetStage) -> TeamInfo | None:
    """The stage command through the gate: unmet mandatory tests at the new stage stop the
    move and are shown, unless an admin gave a reason to override."""
    team = call.system(parsed.team)
    services = call.scope.deps.services
    try:
        updated = services.set_stage(
            call.scope.actor(team),
            call.scope.directory,
            team.id,
            parsed.stage,
            team.system_id,
            gate=True,
            override_reason=parsed.override,
        )
    except StageGated as gated:
        language = call.scope.language(team)
        name = gated.system.label
        override = f"/mlscore stage {name} {parsed.stage.value} override <reason>"
        call.say(build_gate(name, gated.rubric, gated.report, language, override))
        return None
    return updated


# ---- the plan modal ----------------------------------------------------------------------------


@work
def handle_plan_make(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    scope = scope_of(context)
    language = scope.language()
    parsed = parse_plan_button_value(action.get("value"))
    if parsed is None:
        tell(scope, client, body, t("error.stale_view", language))
        return
    team_id, system_id, stage = parsed
    services = scope.deps.services
    try:
        team = services.get_team(scope.workspace_id, team_id)
        actor = scope.actor(team)
        found = services.stage_preview(actor, scope.directory, team_id, system_id, stage)
        services.require(Action.PLAN, actor, scope.directory, found.system)
        if not found.preview.unmet:
            raise Invalid("error.nothing_to_plan", team=found.system.label)
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, language))
        return
    client.views_open(
        trigger_id=str(body["trigger_id"]), view=build_plan_modal(found, scope.language(team))
    )


def handle_plan_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The ack function: the plan is stored before the modal closes, or its errors shown."""
    scope = scope_of(context)
    language = scope.language()
    parsed = parse_plan_modal(body["view"])
    if parsed is None:
        ack(response_action="errors", errors={BlockId.PLAN_DATE: t("error.stale_view", language)})
        return
    if parsed.missing:
        errors = {
            block: t(
                "plan.error_date" if block == BlockId.PLAN_DATE else "plan.error_owner", language
            )
            for block in parsed.missing
        }
        ack(response_action="errors", errors=errors)
        return
    assert parsed.target_date is not None
    services = scope.deps.services
    try:
        team = services.get_team(scope.workspace_id, parsed.team_id)
        plan = services.create_plan(
            scope.actor(team),
            scope.directory,
            parsed.team_id,
            parsed.system_id,
            target_stage=parsed.target,
            target_date=parsed.target_date,
            owners=parsed.owners,
        )
    except ServiceError as error:
        text = service_error_text(error, language, mrkdwn=False)
        ack(response_action="errors", errors={BlockId.PLAN_DATE: text})
        return
    ack(response_action="clear")
    pass_on(context, plan_id=plan.id, team_id=parsed.team_id)


@work
def after_plan_created(client: WebClient, context: BoltContext) -> None:
    """The work function: each owner gets a DM with their items; the maker is told."""
    values = passed(context)
    plan_id = values.get("plan_id")
    if not isinstance(plan_id, int):
        return
    scope = scope_of(context)
    services = scope.deps.services
    team = services.get_team(scope.workspace_id, int(values["team_id"]))
    plan = next(
        (
            p
            for p in services.list_plans(scope.actor(team), scope.directory, team.id)
            if p.id == plan_id
        ),
        None,
    )
    if plan is None:
        return
    notify_owners(scope, client, plan)
    language = scope.language(team)
    tell(
        scope,
        client,
        {},
        t(
            "info.plan_created",
            language,
            team=plan.system.label,
            stage=t(f"stage.{plan.target_stage.value}", language),
            date=format_date(plan.target_date, language),
            count=len(plan.items),
        ),
    )


def notify_owners(scope: RequestScope, client: WebClient, plan: PlanView) -> None:
    rubric = scope.deps.services.rubrics.get(plan.system.rubric_id)
    for owner in dict.fromkeys(item.owner for item in plan.items):
        _dm(client, owner, build_owner_dm(plan, rubric, owner, plan.system.language))


# ---- waiver buttons ----------------------------------------------------------------------------


@work
def handle_waiver_approve(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _decide(body, action, client, context, approve=True)


@work
def handle_waiver_reject(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    _decide(body, action, client, context, approve=False)


def _decide(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    *,
    approve: bool,
) -> None:
    scope = scope_of(context)
    language = scope.language()
    waiver_id = record_id(action.get("value"))
    if waiver_id is None:
        tell(scope, client, body, t("error.stale_view", language))
        return
    services = scope.deps.services
    try:
        waiver: WaiverView = services.decide_waiver(
            scope.actor(), scope.directory, waiver_id, approve=approve
        )
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, language))
        return
    rubric = services.rubrics.get(waiver.system.rubric_id)
    text = waiver_decided_text(waiver, rubric, language)
    channel = (body.get("channel") or {}).get("id")
    ts = (body.get("message") or {}).get("ts")
    try:
        if channel and ts:
            # The request's buttons are spent: the message now says who decided.
            client.chat_update(channel=channel, ts=ts, text=text, blocks=[])
    except SlackApiError as error:
        log.warning("could not update a waiver request: %s", error.response.get("error"))
    if waiver.requested_by != scope.user_id:
        _dm(
            client,
            waiver.requested_by,
            {"text": waiver_decided_text(waiver, rubric, waiver.system.language)},
        )
    tell(scope, client, {}, text)


def _dm(client: WebClient, user: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """A direct message: (its channel, its ts); a Slack refusal is logged and reported as
    not sent (None)."""
    try:
        channel = direct_channel(client, user)
        response = client.chat_postMessage(
            channel=channel, text=payload["text"], blocks=payload.get("blocks")
        )
    except SlackApiError as error:
        log.warning("could not send a direct message: %s", error.response.get("error"))
        return None
    return str(response.get("channel") or channel), str(response["ts"])
