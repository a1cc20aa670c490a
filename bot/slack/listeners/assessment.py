"""The assessment modal: open it, move between pages, keep drafts, submit.

Pages move with response_action "update", so the modal stack never grows past one view. A middle
page is acked with the next page first and merged into the person's draft just after, because
the write can queue behind other writers; if it fails, the person is taken back to that page as
they filled it. The last page is stored before its ack, and view_closed stores the page on
screen, so nothing typed is lost.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import Action
from bot.services.plans import StageGated
from bot.services.types import (
    DraftPage,
    DraftState,
    ItemDraft,
    ServiceError,
    StorageError,
    StorageUnavailable,
    StoredAssessment,
    Submission,
    TeamInfo,
    Unavailable,
)
from bot.slack.blocks.assessment import (
    AssessmentMeta,
    InvalidView,
    ItemInput,
    PageInput,
    build_assessment_page,
    build_draft_prompt,
    errors_response,
    pages,
    parse_assessment_page,
    stage_label,
    update_response,
    validate_page,
)
from bot.slack.blocks.common import escape, first_input_block, record_id
from bot.slack.blocks.scorecard import build_announcement
from bot.slack.clients import is_unconfirmed
from bot.slack.handoff import ack_at_once, pass_on, passed, work
from bot.slack.i18n import t
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.common import scope_of, service_error_text, tell
from bot.slack.listeners.responses import after_response
from bot.slack.scope import RequestScope
from rubric.model import Rubric, Stage

log = logging.getLogger(__name__)


def register(app: App) -> None:
    # Only the last page has work after its ack; the others skip the hand-over (for which
    # Bolt copies the whole request: a quarter of a page's ack time).
    app.view_submission(CallbackId.ASSESSMENT, matchers=[a_middle_page])(handle_page_submission)
    app.view_submission(CallbackId.ASSESSMENT)(ack=handle_page_submission, lazy=[after_page])
    app.view_closed(CallbackId.ASSESSMENT)(ack=ack_at_once, lazy=[handle_modal_closed])
    app.action(ActionId.NAV_BACK)(ack=ack_at_once, lazy=[handle_back])
    app.action(ActionId.DRAFT_CONTINUE)(ack=ack_at_once, lazy=[handle_draft_continue])
    app.action(ActionId.DRAFT_DISCARD)(ack=ack_at_once, lazy=[handle_draft_discard])


def a_middle_page(body: dict[str, Any]) -> bool:
    """Only the last page carries the overall note."""
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, dict) else None
    return isinstance(blocks, list) and not any(
        isinstance(block, dict) and block.get("block_id") == BlockId.OVERALL_NOTE
        for block in blocks
    )


# ---- opening -------------------------------------------------------------------------------


def _inputs(state: DraftState) -> dict[str, ItemInput]:
    return {
        item: ItemInput(a.choice, a.note, a.evidence_url, a.evidence_label)
        for item, a in state.answers.items()
    }


def page_view(
    scope: RequestScope,
    rubric: Rubric,
    team: TeamInfo,
    state: DraftState,
    *,
    language: str,
    page: int,
) -> dict[str, Any]:
    """A page of the modal; the stage is a field only for those the rule lets change it."""
    stage_editable = scope.deps.services.allowed(
        Action.STAGE, scope.actor(team), scope.directory, team
    )
    return build_assessment_page(
        rubric,
        meta=_meta(team, state, page),
        team_name=team.label,
        language=language,
        stage=state.stage,
        answers=_inputs(state),
        overall_note=state.overall_note,
        stage_editable=stage_editable,
        stale=state.stale,
    )


def _meta(team: TeamInfo, state: DraftState, page: int) -> AssessmentMeta:
    return AssessmentMeta(
        team_key(team), page=page, period=state.period_key, stage_version=state.stage_version
    )


def team_key(team: TeamInfo) -> str:
    """How a modal names what it assesses: the team's id, and its system's when one was named
    (`team:system`)."""
    return str(team.id) if team.system_id is None else f"{team.id}:{team.system_id}"


def team_from_key(scope: RequestScope, key: str) -> TeamInfo:
    """The team (or team and system) a modal names, in the workspace of the request only."""
    team_part, _, system_part = key.partition(":")
    team_id = record_id(team_part)
    system_id = record_id(system_part) if system_part else None
    if team_id is None or (system_part and system_id is None):
        raise InvalidView("not an id this database hands out")
    services = scope.deps.services
    if system_id is None:
        return services.get_team(scope.workspace_id, team_id)
    team = services.get_system(scope.workspace_id, system_id)
    if team.id != team_id:
        raise InvalidView("the system is not the team's")
    return team


def open_assessment(
    scope: RequestScope,
    client: WebClient,
    *,
    trigger_id: str,
    team: TeamInfo,
    period_key: str | None = None,
) -> None:
    """Opens the modal at once (trigger_id lives 3 s): the draft prompt, or page 1 pre-filled."""
    services = scope.deps.services
    start = services.start_assessment(
        scope.actor(team),
        scope.directory,
        team.id,
        period_key=period_key,
        system_id=team.system_id,
    )
    language = scope.language(team)
    state = start.state if period_key is None else replace(start.state, period_key=period_key)
    if start.resumed_draft and start.draft_saved_at is not None:
        view = build_draft_prompt(
            meta=_meta(team, state, state.page),
            team_name=team.label,
            language=language,
            saved_at=start.draft_saved_at,
            pages_total=len(pages(start.rubric)),
        )
    else:
        page = state.page if start.resumed_draft else 0
        view = page_view(scope, start.rubric, team, state, language=language, page=page)
    client.views_open(trigger_id=trigger_id, view=view)


# ---- pages ---------------------------------------------------------------------------------


def _team_and_page(scope: RequestScope, view: dict[str, Any]) -> tuple[TeamInfo, Rubric, PageInput]:
    meta = AssessmentMeta.from_json(view.get("private_metadata"))
    team = team_from_key(scope, meta.team_id)
    rubric = scope.deps.services.rubrics.get(team.rubric_id)
    page_input = parse_assessment_page(view, rubric)
    if page_input.without_note or page_input.without_evidence:
        # The one-page check-in shows some items without every input: the draft's stay.
        page_input = page_input.keeping(_current_draft(scope, team).answers)
    return team, rubric, page_input


# One person's pages are stored in the order they were sent: a page and a Back or a close of
# the same draft wait here for each other. Striped: a fixed set of locks, each shared by the
# drafts whose key hashes to it.
_DRAFT_LOCKS = tuple(threading.Lock() for _ in range(64))


def _draft_lock(scope: RequestScope, team: TeamInfo) -> threading.Lock:
    key = (scope.workspace_id, team.id, team.system_id, scope.user_id)
    return _DRAFT_LOCKS[hash(key) % len(_DRAFT_LOCKS)]


def _draft_page(page_input: PageInput) -> DraftPage:
    return DraftPage(
        page=page_input.page.index,
        answers={
            item: ItemDraft(v.choice, v.note, None, v.evidence_url, v.evidence_label)
            for item, v in page_input.answers.items()
        },
        stage=page_input.stage,
        overall_note=page_input.overall_note,
        period_key=page_input.meta.period,
        stage_version=page_input.meta.stage_version,
    )


def _current_draft(scope: RequestScope, team: TeamInfo) -> DraftState:
    """The person's draft, or what a new one starts from: reads only, no write lock."""
    services = scope.deps.services
    actor = scope.actor(team)
    current = services.get_draft(actor, team.id, team.system_id)
    if current is None:
        current = services.start_assessment(
            actor, scope.directory, team.id, system_id=team.system_id
        ).state
    return current


def _store_page(scope: RequestScope, team: TeamInfo, page_input: PageInput) -> DraftState:
    with _draft_lock(scope, team):
        return scope.deps.services.save_draft_page(
            scope.actor(team), scope.directory, team.id, _draft_page(page_input), team.system_id
        )


def _read_page(
    scope: RequestScope, view: dict[str, Any], ack: Ack
) -> tuple[TeamInfo, Rubric, PageInput] | None:
    """The page and its team, or None once the refusal has been acked.

    Slack only shows errors on input blocks, so a refusal goes on the view's first one; an
    empty ack would close the modal as if it had been accepted.
    """
    try:
        return _team_and_page(scope, view)
    except (StorageError, StorageUnavailable):
        log.exception("could not read the team of an assessment page")
        key = "error.storage"
    except (InvalidView, ServiceError) as error:
        log.warning("assessment page could not be read: %s", error)
        key = "error.stale_view"
    block = first_input_block(view)
    if block is None:
        ack()
    else:
        ack(response_action="errors", errors={block: t(key, scope.language())})
    return None


def handle_page_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The ack function: the next page, or errors, or (last page) store and close."""
    scope = scope_of(context)
    view = body["view"]
    read = _read_page(scope, view, ack)
    if read is None:
        return
    team, rubric, page_input = read
    language = scope.language(team)
    errors = validate_page(page_input, language)
    if errors:
        ack(errors_response(errors))
        return
    error_block = first_input_block(view) or BlockId.OVERALL_NOTE
    update = _draft_page(page_input)
    services = scope.deps.services
    with _draft_lock(scope, team):
        try:
            if page_input.is_last:
                state = update.applied_to(_current_draft(scope, team), scope.user_id or "")
                stored = services.store_assessment(
                    scope.actor(team),
                    scope.directory,
                    team.id,
                    state,
                    submission_key=view["id"],
                    system_id=team.system_id,
                )
            else:
                # Written before the ack: the next page's ack reads the draft, and might not
                # see a write made after this ack (in a thread, or in the work process).
                state = services.save_draft_page(
                    scope.actor(team), scope.directory, team.id, update, team.system_id
                )
        except (StorageError, StorageUnavailable):
            # The database is down or busy: keep the modal open with what was typed.
            log.exception("could not store an assessment page")
            ack(response_action="errors", errors={error_block: t("error.storage", language)})
            return
        except StageGated as gated:
            # Shown on the stage field when this page has it; the answers stay in the draft.
            _keep_last_page(scope, team, update)
            block = BlockId.STAGE if _has_stage_field(view) else error_block
            ack(response_action="errors", errors={block: gate_modal_text(gated, language)})
            return
        except ServiceError as error:
            if page_input.is_last:
                _keep_last_page(scope, team, update)
            ack(
                response_action="errors",
                errors={error_block: service_error_text(error, language, mrkdwn=False)},
            )
            return
    if not page_input.is_last:
        following = page_view(scope, rubric, team, state, language=language, page=update.page + 1)
        ack(update_response(following))
        return
    ack(response_action="clear")
    if stored.created:
        kept = stored.kept_stage.value if stored.kept_stage is not None else None
        pass_on(
            context,
            team_id=stored.team_id,
            system_id=stored.system_id,
            assessment_id=stored.assessment_id,
            kept_stage=kept,
        )


@work
def after_page(client: WebClient, context: BoltContext) -> None:
    """The work function: a new assessment is announced, its scorecard built first."""
    handed = passed(context)
    if "assessment_id" not in handed:
        return
    system_id = handed.get("system_id")
    stored = StoredAssessment(
        team_id=int(handed["team_id"]),
        assessment_id=int(handed["assessment_id"]),
        created=True,
        system_id=int(system_id) if system_id is not None else None,
    )
    scope = scope_of(context)
    try:
        submission = scope.deps.services.submission(scope.actor(), stored)
    except (StorageError, StorageUnavailable):
        log.exception("stored an assessment but could not read it back to announce it")
        tell(scope, client, {}, t("assess.announce_not_read", scope.language()))
        return
    team = submission.scorecard.team
    if handed.get("kept_stage"):
        rubric = submission.scorecard.rubric
        language = scope.language(team)
        stage = stage_label(rubric, Stage(str(handed["kept_stage"])), language)
        tell(
            scope,
            client,
            {},
            t("assess.stage_kept", language, team=escape(team.label), stage=stage),
        )
    announce(scope, client, team, submission)
    after_response(scope, client, context, submission)


def _has_stage_field(view: dict[str, Any]) -> bool:
    return any(block.get("block_id") == BlockId.STAGE for block in view.get("blocks", []))


def gate_modal_text(gated: StageGated, language: str) -> str:
    """The gate's refusal in a modal (plain text): the unmet tests and the override command."""
    stage = gated.report.stage
    return t(
        "gate.modal",
        language,
        count=len(gated.report.gaps),
        stage=stage_label(gated.rubric, stage, language),
        tests=", ".join(gap.item_id for gap in gated.report.gaps),
        team=gated.system.label,
        stage_word=stage.value,
    )


def _keep_last_page(scope: RequestScope, team: TeamInfo, update: DraftPage) -> None:
    """A refused last page stays in the draft, so closing the modal now loses nothing."""
    try:
        scope.deps.services.save_draft_page(
            scope.actor(team), scope.directory, team.id, update, team.system_id
        )
    except (StorageError, ServiceError):
        log.warning("could not keep a refused last page as a draft", exc_info=True)


def announce(
    scope: RequestScope, client: WebClient, team: TeamInfo, submission: Submission
) -> None:
    """Tells the team's channel; a failure here is logged, the assessment is already stored."""
    card = submission.scorecard
    anonymous = card.anonymous or (card.responses is not None and card.responses.anonymous)
    message = build_announcement(
        team_name=team.label,
        user_id="" if anonymous else scope.user_id or "",
        score=card.score,
        diff=card.diff,
        report=card.gaps,
        rubric=card.rubric,
        language=team.language,
    )
    try:
        client.chat_postMessage(channel=team.channel_id, **message)
    except Exception as error:
        log.warning("could not announce an assessment in its channel", exc_info=True)
        if scope.user_id:
            # Slack may have posted it without answering; the person should look, not resend.
            key = (
                "assess.announce_unconfirmed" if is_unconfirmed(error) else "assess.announce_failed"
            )
            _tell_user_post_failed(scope, client, team, key)


def _tell_user_post_failed(
    scope: RequestScope, client: WebClient, team: TeamInfo, key: str
) -> None:
    try:
        client.chat_postMessage(
            channel=scope.user_id or "",
            text=t(key, scope.language(team), team=escape(team.name), channel=team.channel_id),
        )
    except Exception:
        log.warning("could not tell the user either; the assessment is stored", exc_info=True)


@work
def handle_modal_closed(body: dict[str, Any], context: BoltContext) -> None:
    """Closing the form keeps what it holds as a draft. If storage is down, what was typed
    since the last page is lost: the person is told so, in a direct message."""
    scope = scope_of(context)
    try:
        team, _, page_input = _team_and_page(scope, body["view"])
        _store_page(scope, team, page_input)
    except (StorageError, Unavailable) as error:
        log.warning(
            "closed assessment view not kept, storage unavailable: %s", type(error).__name__
        )
        tell(scope, context.client, {}, t("assess.draft_not_kept", scope.language()))
    except (InvalidView, ServiceError) as error:
        log.info("closed assessment view not kept as a draft: %s", error)


@work
def handle_back(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    scope = scope_of(context)
    view = body["view"]
    try:
        team, rubric, page_input = _team_and_page(scope, view)
        state = _store_page(scope, team, page_input)
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))
        return
    except InvalidView:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    target = max(0, page_input.page.index - 1)
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=page_view(scope, rubric, team, state, language=scope.language(team), page=target),
    )


def _draft_action(
    body: dict[str, Any], context: BoltContext, client: WebClient, *, fresh: bool
) -> None:
    scope = scope_of(context)
    view = body["view"]
    meta = AssessmentMeta.from_json(body["actions"][0].get("value"))
    services = scope.deps.services
    try:
        team = team_from_key(scope, meta.team_id)
        start = services.start_assessment(
            scope.actor(team), scope.directory, team.id, fresh=fresh, system_id=team.system_id
        )
    except ServiceError as error:
        tell(scope, client, body, service_error_text(error, scope.language()))
        return
    except InvalidView:
        tell(scope, client, body, t("error.stale_view", scope.language()))
        return
    state = start.state if meta.period is None else replace(start.state, period_key=meta.period)
    page = 0 if fresh else state.page
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=page_view(scope, start.rubric, team, state, language=scope.language(team), page=page),
    )


@work
def handle_draft_continue(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _draft_action(body, context, client, fresh=False)


@work
def handle_draft_discard(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _draft_action(body, context, client, fresh=True)
