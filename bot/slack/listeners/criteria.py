"""The criteria: `/mlscore criteria [survey|results|adopt|set]`, the survey invitation button and
the survey modal.

The modal has a page per rubric section and moves with response_action "update", so the stack
never grows. Every page's answers are stored as votes when the page is left (Next, Back, or
Submit on the last page), so nothing is lost; closing the modal stores the page on screen only
when the person changed something on it, so merely looking does not count as a vote.

Replies about votes go only to the person who asked; what a channel sees (the invitation, the
adoption) never names a voter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.criteria_survey import CriteriaUseCases, SurveyState
from bot.services.types import Invalid, ServiceError, TeamRef
from bot.slack import command_parser as cmd
from bot.slack.blocks.common import MESSAGE_MAX_BLOCKS, context, message, section
from bot.slack.blocks.criteria import (
    InvalidSurveyView,
    SurveyMeta,
    SurveyPageInput,
    build_criteria_matrix,
    build_survey_invitation,
    build_survey_page,
    parse_survey_page,
    survey_pages,
    validate_survey_page,
)
from bot.slack.blocks.criteria_survey import (
    build_adoption,
    build_adoption_announcement,
    build_cell_set,
    build_results,
    localized_params,
    page_differs,
    page_votes,
    survey_answers,
)
from bot.slack.handoff import ack_at_once, pass_on, passed, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId, CallbackId, cell_block_id
from bot.slack.listeners.common import scope_of, tell
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel, upload_chart
from rubric.model import Rubric, Stage

if TYPE_CHECKING:
    from bot.slack.listeners.slash_command import Invocation

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ActionId.SURVEY_OPEN)(ack=ack_at_once, lazy=[handle_survey_open])
    app.action(ActionId.SURVEY_BACK)(ack=ack_at_once, lazy=[handle_survey_back])
    app.view_submission(CallbackId.CRITERIA_SURVEY)(
        ack=handle_survey_submission, lazy=[after_survey_page]
    )
    app.view_closed(CallbackId.CRITERIA_SURVEY)(ack=ack_at_once, lazy=[handle_survey_closed])


def use_cases(scope: RequestScope) -> CriteriaUseCases:
    return CriteriaUseCases.of(scope.deps.services)


def error_text(error: ServiceError, rubric: Rubric, language: str) -> str:
    """A service error in the person's words, stages and levels included."""
    return t(error.key, language, **localized_params(error.params, rubric, language))


def _notice(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


@contextmanager
def _replying(call: Invocation, rubric: Rubric) -> Iterator[None]:
    """Expected failures of a criteria command become a message to the person (the command
    listener's own catch-all knows only the main catalog's keys)."""
    try:
        yield
    except ServiceError as error:
        call.say(_notice(error_text(error, rubric, call.language)))


# ---- slash commands -------------------------------------------------------------------------


def command_criteria_show(call: Invocation, _: cmd.CriteriaShow) -> None:
    scope = call.scope
    view = use_cases(scope).criteria_view(scope.workspace_id)
    payload = build_criteria_matrix(
        rubric=view.rubric,
        criteria=view.criteria,
        language=call.language,
        adopted_by=view.adopted_by,
        adopted_at=view.adopted_at,
    )
    if len(payload["blocks"]) < MESSAGE_MAX_BLOCKS:
        payload["blocks"].append(context(t("criteria.chart_follows", call.language)))
    call.say(payload)
    # The image is the slow part (render + upload); the text answer is already out.
    try:
        from bot.charts import render_criteria

        with scope.deps.metrics.time_chart("criteria"):
            chart = render_criteria(view.rubric, view.criteria, language=call.language)
        channel = direct_channel(call.client, scope.user_id or "")
        upload_chart(
            call.client,
            chart,
            channel_id=channel,
            filename=f"mlscore-criteria-v{view.version}.png",
        )
    except Exception:
        # The image is a courtesy: the matrix itself is already answered as text.
        log.warning("could not render or upload the criteria chart", exc_info=True)


def _invitation_language(call: Invocation, channel_id: str) -> str:
    """A channel message speaks the language of the team bound to the channel, if any."""
    try:
        team = call.scope.deps.services.resolve_team(
            call.scope.actor(), TeamRef(channel_id=channel_id)
        )
    except ServiceError:
        return call.scope.settings.default_language
    return team.language


def command_criteria_survey(call: Invocation, parsed: cmd.CriteriaSurvey) -> None:
    scope = call.scope
    cases = use_cases(scope)
    rubric = scope.deps.services.rubrics.default()
    with _replying(call, rubric):
        channel_id = call.channel_id
        if parsed.channel is not None:
            if parsed.channel.channel_id is None:
                raise Invalid("error.channel_mention_needed", name=parsed.channel.name or "")
            channel_id = parsed.channel.channel_id
        if not channel_id:
            raise Invalid("criteria.survey_channel_needed")
        survey = cases.open_survey(
            scope.actor(), scope.directory, channel_id=channel_id, anonymous=parsed.anonymous
        )
        invitation = build_survey_invitation(
            round_id=survey.id,
            opened_by=survey.opened_by,
            anonymous=survey.anonymous,
            language=_invitation_language(call, channel_id),
        )
        try:
            posted = call.client.chat_postMessage(channel=channel_id, **invitation)
        except SlackApiError as error:
            log.warning("could not post a survey invitation: %s", error.response.get("error"))
            call.say(_notice(t("criteria.invite_failed", call.language, channel=channel_id)))
            return
        cases.record_invitation(
            scope.workspace_id,
            survey.id,
            channel_id=str(posted.get("channel") or channel_id),
            message_ts=str(posted.get("ts") or ""),
        )
        call.say(_notice(t("info.survey_opened", call.language, channel=channel_id)))


def command_criteria_results(call: Invocation, _: cmd.CriteriaResults) -> None:
    scope = call.scope
    rubric = scope.deps.services.rubrics.default()
    with _replying(call, rubric):
        results = use_cases(scope).results(scope.actor(), scope.directory)
        # Only to the person who asked; and the results carry no voter unless the round is
        # public, whoever asks.
        call.say(build_results(results, call.language))


def command_criteria_adopt(call: Invocation, _: cmd.CriteriaAdopt) -> None:
    scope = call.scope
    cases = use_cases(scope)
    rubric = scope.deps.services.rubrics.default()
    with _replying(call, rubric):
        adoption = cases.adopt(scope.actor(), scope.directory)
        call.say(build_adoption(adoption, rubric, call.language))
        if not adoption.created:
            return
        channel_id = cases.survey_round(scope.workspace_id, adoption.round_id).channel_id
        if channel_id:
            announcement = build_adoption_announcement(
                adoption, scope.user_id or "", _invitation_language(call, channel_id)
            )
            try:
                call.client.chat_postMessage(channel=channel_id, **announcement)
            except SlackApiError as error:
                log.warning("could not announce an adoption: %s", error.response.get("error"))


def command_criteria_set(call: Invocation, parsed: cmd.CriteriaSet) -> None:
    scope = call.scope
    rubric = scope.deps.services.rubrics.default()
    with _replying(call, rubric):
        update = use_cases(scope).set_cell(
            scope.actor(),
            scope.directory,
            item_id=parsed.item_id,
            stage=parsed.stage,
            requirement=parsed.requirement,
            reason=parsed.reason,
        )
        call.say(
            build_cell_set(update, rubric=rubric, reason=parsed.reason, language=call.language)
        )


# ---- the survey modal -----------------------------------------------------------------------


def survey_view(state: SurveyState, language: str, page: int) -> dict[str, Any]:
    return build_survey_page(
        state.rubric,
        meta=SurveyMeta(str(state.round.id), page),
        language=language,
        answers=survey_answers(state),
    )


@work
def handle_survey_open(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    scope = scope_of(context)
    language = scope.language()
    rubric = scope.deps.services.rubrics.default()
    try:
        round_id = int(str(action.get("value") or ""))
        state = use_cases(scope).survey_state(scope.actor(), round_id)
        if not state.round.open:
            raise Invalid("criteria.error.round_closed")
    except ValueError:
        tell(scope, client, body, t("error.stale_view", language))
        return
    except ServiceError as error:
        tell(scope, client, body, error_text(error, rubric, language))
        return
    client.views_open(trigger_id=str(body["trigger_id"]), view=survey_view(state, language, 0))


def _read_page(scope: RequestScope, view: dict[str, Any]) -> tuple[int, SurveyPageInput]:
    rubric = scope.deps.services.rubrics.default()
    page = parse_survey_page(view, rubric)
    try:
        return int(page.meta.round_id), page
    except ValueError:
        raise InvalidSurveyView("round id is not a number") from None


def _first_input(rubric: Rubric, page: int) -> str:
    pages = survey_pages(rubric)
    items = pages[min(page, len(pages) - 1)].items
    return cell_block_id(items[0].id, Stage.RESEARCH.value)


def _store(scope: RequestScope, round_id: int, page: SurveyPageInput) -> None:
    votes, comments = page_votes(page)
    use_cases(scope).vote(scope.actor(), round_id, votes, comments)


def handle_survey_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The ack function: each page's votes are stored before its ack."""
    scope = scope_of(context)
    language = scope.language()
    rubric = scope.deps.services.rubrics.default()
    view = body["view"]
    try:
        round_id, page = _read_page(scope, view)
    except InvalidSurveyView as error:
        log.warning("survey page could not be read: %s", error)
        ack(
            response_action="errors",
            errors={_first_input(rubric, 0): t("error.stale_view", language)},
        )
        return
    errors = validate_survey_page(page, language)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        _store(scope, round_id, page)
        if not page.is_last:
            state = use_cases(scope).survey_state(scope.actor(), round_id)
            ack(response_action="update", view=survey_view(state, language, page.page.index + 1))
            return
    except ServiceError as error:
        block = _first_input(rubric, page.page.index)
        ack(response_action="errors", errors={block: error_text(error, rubric, language)})
        return
    ack(response_action="clear")
    pass_on(context, saved=True)


@work
def after_survey_page(client: WebClient, context: BoltContext) -> None:
    """The work function: a note that the votes are in, once the modal has closed."""
    if passed(context).get("saved"):
        scope = scope_of(context)
        tell(scope, client, {}, t("info.survey_saved", scope.language()))


@work
def handle_survey_back(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    scope = scope_of(context)
    view = body["view"]
    round_id, page = _read_page(scope, view)
    cases = use_cases(scope)
    # A page with an unreadable cell is not stored: going back must not fail for it.
    if not page.errors:
        try:
            _store(scope, round_id, page)
        except ServiceError as error:
            log.info("survey page not stored on the way back: %s", error.key)
    state = cases.survey_state(scope.actor(), round_id)
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=survey_view(state, scope.language(), max(0, page.page.index - 1)),
    )


@work
def handle_survey_closed(body: dict[str, Any], context: BoltContext) -> None:
    scope = scope_of(context)
    try:
        round_id, page = _read_page(scope, body["view"])
        if page.errors:
            return
        state = use_cases(scope).survey_state(scope.actor(), round_id)
        if state.round.open and page_differs(page, state):
            _store(scope, round_id, page)
    except (InvalidSurveyView, ServiceError) as error:
        log.info("closed survey page not stored: %s", error)


__all__ = [
    "command_criteria_adopt",
    "command_criteria_results",
    "command_criteria_set",
    "command_criteria_show",
    "command_criteria_survey",
    "register",
]
