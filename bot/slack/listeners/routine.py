"""A routine check-in in one or two clicks: "Nothing changed" on the check-in message, the
one-page "Update" modal and its "Show all" button (bot.slack.blocks.quick)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.routine import RoutineCheck
from bot.services.types import ServiceError, StorageError, StorageUnavailable, TeamInfo
from bot.slack.blocks.assessment import AssessmentMeta, InvalidView
from bot.slack.blocks.checkin import confirmed_message, confirmed_notice, parse_checkin_value
from bot.slack.blocks.quick import build_one_page
from bot.slack.handoff import ack_at_once, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId
from bot.slack.listeners.assessment import (
    _inputs,
    _store_page,
    _team_and_page,
    announce,
    open_assessment,
    team_from_key,
    team_key,
)
from bot.slack.listeners.common import scope_of, service_error_text, tell
from bot.slack.listeners.responses import after_response
from bot.slack.scope import RequestScope

log = logging.getLogger(__name__)


def register(app: App) -> None:
    # A team with several systems has one such button per system (`checkin_unchanged:<id>`).
    app.action(re.compile(rf"^{ActionId.CHECKIN_UNCHANGED}(:\d+)?$"))(
        ack=ack_at_once, lazy=[handle_checkin_unchanged]
    )
    app.action(ActionId.SHOW_ALL)(ack=ack_at_once, lazy=[handle_show_all])


def open_one_page(
    scope: RequestScope,
    client: WebClient,
    *,
    trigger_id: str,
    team: TeamInfo,
    period_key: str,
    focus: tuple[str, ...],
    check: RoutineCheck,
) -> None:
    """The one-page check-in with `focus` first, prefilled with the person's draft when they
    have one (drafts are kept as in the paged modal), else the last agreed answers."""
    services = scope.deps.services
    start = services.start_assessment(
        scope.actor(team), scope.directory, team.id, period_key=period_key, system_id=team.system_id
    )
    state = replace(start.state, period_key=period_key)
    meta = AssessmentMeta(
        team_key(team), period=period_key, stage_version=state.stage_version, focus=focus
    )
    stale = check.state.stale if check.state is not None else ()
    view = build_one_page(
        start.rubric,
        meta=meta,
        team_name=team.label,
        language=scope.language(team),
        answers=_inputs(state),
        overall_note=state.overall_note,
        stale=stale,
    )
    client.views_open(trigger_id=trigger_id, view=view)


def open_update(
    scope: RequestScope, client: WebClient, *, trigger_id: str, team: TeamInfo, period_key: str
) -> None:
    """The check-in's "Update": one page starting with what most likely changed; the paged
    modal for a team with nothing to start from."""
    check = scope.deps.services.routine_check(
        scope.actor(team),
        scope.directory,
        team.id,
        period_key=period_key,
        system_id=team.system_id,
        require_open=False,
    )
    if not check.has_previous:
        open_assessment(scope, client, trigger_id=trigger_id, team=team, period_key=period_key)
        return
    open_one_page(
        scope,
        client,
        trigger_id=trigger_id,
        team=team,
        period_key=period_key,
        focus=check.likely,
        check=check,
    )


@work
def handle_checkin_unchanged(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    scope = scope_of(context)
    parsed = parse_checkin_value(action.get("value"))
    try:
        if parsed is None:
            raise InvalidView("not a check-in button")
        key, period_key = parsed
        # `team` or `team:system`, in this workspace only; InvalidView for anything else.
        team = team_from_key(scope, key)
        unchanged = scope.deps.services.confirm_unchanged(
            scope.actor(team),
            scope.directory,
            team.id,
            period_key=period_key,
            system_id=team.system_id,
        )
        check = unchanged.check
        trigger_id = str(body.get("trigger_id") or "")
        if unchanged.stored is None and not check.has_previous:
            open_assessment(scope, client, trigger_id=trigger_id, team=team, period_key=period_key)
            return
        if unchanged.stored is None:
            # Something needs a look: only those items, then submit.
            open_one_page(
                scope,
                client,
                trigger_id=trigger_id,
                team=team,
                period_key=period_key,
                focus=check.review,
                check=check,
            )
            return
    except (StorageError, StorageUnavailable):
        log.exception("could not record a check-in as unchanged")
        tell(scope, client, body, t("error.storage", scope.language()))
        return
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))
        return
    except InvalidView:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    if unchanged.stored.created:
        submission = None
        try:
            submission = scope.deps.services.submission(scope.actor(team), unchanged.stored)
        except (StorageError, StorageUnavailable):
            # Stored; the message still says so, but the scorecard post is missing.
            log.exception("stored an unchanged check-in but could not read it back to announce")
        # Not knowing whether the team is anonymous, name nobody.
        anonymous = submission is None or submission.scorecard.anonymous
        # The channel's check-in of this system alone is rebuilt by after_response, with its
        # count and who confirmed; only other messages are marked here.
        counted = submission is not None and _has_count(scope, team, period_key)
        _mark_message(
            scope,
            client,
            body,
            team,
            check=check,
            period_key=period_key,
            anonymous=anonymous,
            counted=counted,
        )
        if submission is not None:
            announce(scope, client, team, submission)
            after_response(scope, client, context, submission)


def _has_count(scope: RequestScope, team: TeamInfo, period_key: str) -> bool:
    try:
        found = scope.deps.services.checkin_progress(
            scope.workspace_id, team.id, team.system_id, period_key
        )
    except (ServiceError, StorageError, StorageUnavailable):
        log.warning("could not read the check-in message to count on", exc_info=True)
        return False
    return found is not None


def _mark_message(
    scope: RequestScope,
    client: WebClient,
    body: dict[str, Any],
    team: TeamInfo,
    *,
    check: RoutineCheck,
    period_key: str,
    anonymous: bool,
    counted: bool,
) -> None:
    """The clicked message says who confirmed, in place (a DM, the person's own, loses its
    buttons; one in the channel keeps them for the others); a click elsewhere (a DM) updates
    the channel's check-in too. `counted`: after_response rebuilds that check-in instead."""
    container = body.get("container") or {}
    clicked = (container.get("channel_id"), container.get("message_ts"))
    original = body.get("message") or {}
    posted = (check.channel_id, check.message_ts)
    updates: list[tuple[str, str, dict[str, Any]]] = []
    if clicked[0] and clicked[1] and not (counted and clicked == posted):
        updates.append(
            (
                str(clicked[0]),
                str(clicked[1]),
                confirmed_message(
                    original.get("blocks") or [],
                    fallback=str(original.get("text") or ""),
                    team_name=team.label,
                    user_id=scope.user_id or "",
                    language=scope.language(team),
                    anonymous=anonymous,
                    shared=clicked[0] == check.channel_id,
                ),
            )
        )
    if posted[0] and posted[1] and posted != clicked and team.system_id is None and not counted:
        # Clicked elsewhere (the leads' DM): the channel's one-system check-in is rebuilt
        # as a notice; its blocks are not at hand.
        updates.append(
            (
                posted[0],
                posted[1],
                confirmed_notice(
                    team_name=team.label,
                    period_key=period_key,
                    user_id=scope.user_id or "",
                    language=team.language,
                    anonymous=anonymous,
                ),
            )
        )
    for channel, ts, payload in updates:
        try:
            client.chat_update(channel=channel, ts=ts, **payload)
        except SlackApiError as error:
            log.warning("could not update a check-in message: %s", error.response.get("error"))


@work
def handle_show_all(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Keeps what the page holds in the draft, then shows every item on the same page."""
    scope = scope_of(context)
    view = body["view"]
    try:
        team, rubric, page_input = _team_and_page(scope, view)
        state = _store_page(scope, team, page_input)
        # The stale marks stay on the expanded page; the draft does not keep them.
        check = scope.deps.services.routine_check(
            scope.actor(team),
            scope.directory,
            team.id,
            period_key=page_input.meta.period,
            system_id=team.system_id,
            require_open=False,
        )
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))
        return
    except InvalidView:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    meta = replace(page_input.meta, expanded=True)
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=build_one_page(
            rubric,
            meta=meta,
            team_name=team.label,
            language=scope.language(team),
            answers=_inputs(state),
            overall_note=state.overall_note,
            stale=check.state.stale if check.state is not None else (),
        ),
    )
