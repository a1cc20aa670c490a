"""What the criteria survey use cases return, turned into the builders of blocks/criteria.py and
extended where they stop: who voted what (public rounds only), cells hidden for anonymity, the
adoption's changes, a single cell set, and the survey answers <-> the modal's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.criteria_survey import (
    ANONYMITY_THRESHOLD,
    Adoption,
    CellChange,
    CellUpdate,
    ItemVote,
    SurveyResults,
    SurveyState,
)
from bot.slack.blocks import criteria as base
from bot.slack.blocks.assessment import stage_label
from bot.slack.blocks.common import (
    MESSAGE_MAX_BLOCKS,
    Block,
    chunk_lines,
    context,
    escape,
    message,
    section,
)
from bot.slack.i18n import format_date, t
from rubric.catalog import Adjustment
from rubric.model import Requirement, Rubric, Stage

# Parameters of service errors that name a stage or a level, shown in the person's words.
_STAGE_PARAMS = ("stage", "earlier_stage")
_LEVEL_PARAMS = ("level", "earlier_level")
_STAGES = frozenset(stage.value for stage in Stage)
_LEVELS = frozenset(level.value for level in Requirement)


def localized_params(params: Mapping[str, object], rubric: Rubric, language: str) -> dict[str, Any]:
    """Error parameters with stage and level values replaced by their labels."""
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name in _STAGE_PARAMS and isinstance(value, str) and value in _STAGES:
            shown[name] = stage_label(rubric, Stage(value), language)
        elif name in _LEVEL_PARAMS and isinstance(value, str) and value in _LEVELS:
            shown[name] = base.requirement_label(Requirement(value), language)
        elif isinstance(value, str):
            shown[name] = escape(value)
        else:
            shown[name] = value
    return shown


# ---- the modal's values ---------------------------------------------------------------------


def survey_answers(state: SurveyState) -> dict[str, base.SurveyAnswer]:
    """The pre-fill of the survey pages: the person's votes, else the matrix in force."""
    return {
        item_id: base.SurveyAnswer(dict(vote.levels), vote.comment)
        for item_id, vote in state.answers.items()
    }


def page_votes(
    page: base.SurveyPageInput,
) -> tuple[dict[tuple[str, Stage], Requirement], dict[str, str]]:
    """A parsed survey page as the arguments of CriteriaUseCases.vote: votes and comments."""
    votes = {
        (item_id, stage): level
        for item_id, answer in page.answers.items()
        for stage, level in answer.levels.items()
    }
    comments = {item_id: answer.comment.strip() for item_id, answer in page.answers.items()}
    return votes, comments


def page_differs(page: base.SurveyPageInput, state: SurveyState) -> bool:
    """Whether a page as submitted says anything the person's starting point did not."""
    for item_id, answer in page.answers.items():
        before = state.answers.get(item_id, ItemVote({}))
        if dict(answer.levels) != dict(before.levels) or answer.comment.strip() != before.comment:
            return True
    return False


# ---- results --------------------------------------------------------------------------------


def _as_block_results(results: SurveyResults) -> base.SurveyResults:
    cells = tuple(
        base.CellResult(
            item_id=cell.item_id,
            stage=cell.stage,
            counts=dict(cell.tally.counts),
            proposed=cell.tally.proposed,
            split=cell.tally.split,
        )
        for cell in results.cells
        if cell.tally is not None
    )
    comments = tuple(
        base.SurveyComment(
            item_id=comment.item_id,
            text=comment.text,
            user_id=None if results.round.anonymous else comment.user_id,
        )
        for comment in results.comments
    )
    return base.SurveyResults(
        participants=results.participants,
        open=results.round.open,
        anonymous=results.round.anonymous,
        cells=cells,
        comments=comments,
    )


def voter_lines(results: SurveyResults, language: str) -> list[str]:
    """Who voted what, for the cells where people disagreed. Empty for anonymous rounds, which
    carry no voters at all (the service never hands them out)."""
    if results.round.anonymous:
        return []
    lines: list[str] = []
    by_item: dict[str, list[str]] = {}
    for cell in results.cells:
        levels = {level for _, level in cell.voters}
        if len(levels) < 2:
            continue
        groups = []
        for level in sorted(levels, key=lambda r: r.rank, reverse=True):
            people = ", ".join(f"<@{user}>" for user, chosen in cell.voters if chosen is level)
            groups.append(f"{base.requirement_code(level, language)} {people}")
        stage = t(f"stage.code.{cell.stage.value}", language)
        by_item.setdefault(cell.item_id, []).append(f"{stage}: " + " · ".join(groups))
    for item_id, parts in by_item.items():
        lines.append(f"*{item_id}* " + " | ".join(parts))
    return lines


def build_results(results: SurveyResults, language: str) -> dict[str, Any]:
    """`/mlscore criteria results`: the counts, proposals and split flags of blocks/criteria.py,
    the round's origin, a note on cells hidden for anonymity, and (public rounds only) who
    voted what."""
    payload = base.build_survey_results(
        _as_block_results(results), rubric=results.rubric, language=language
    )
    blocks: list[Block] = list(payload["blocks"])
    privacy = t(
        "results.privacy_anonymous" if results.round.anonymous else "results.privacy_public",
        language,
    )
    origin = context(
        t(
            "results.round",
            language,
            user=results.round.opened_by,
            date=format_date(results.round.opened_at, language),
            privacy=privacy,
        )
    )
    blocks.insert(min(2, len(blocks)), origin)
    tail: list[Block] = []
    if results.hidden_cells:
        tail.append(
            context(
                t(
                    "results.hidden",
                    language,
                    count=results.hidden_cells,
                    threshold=results.threshold,
                )
            )
        )
    if results.voters:
        mentions = [f"<@{user}>" for user in results.voters]
        # Twenty mentions a line, so a chunk never cuts a mention in half.
        rows = [", ".join(mentions[i : i + 20]) for i in range(0, len(mentions), 20)]
        tail += [section(c) for c in chunk_lines([t("results.voters_list", language), *rows])]
    lines = voter_lines(results, language)
    if lines:
        tail += [
            section(chunk) for chunk in chunk_lines([t("results.voters_title", language), *lines])
        ]
    # Extra blocks go before the closing hint; whatever does not fit in 50 is dropped from the
    # voters list, never from the counts.
    hint = [blocks.pop()] if results.round.open and blocks else []
    room = MESSAGE_MAX_BLOCKS - len(blocks) - len(hint)
    blocks += tail[: max(room, 0)] + hint
    return message(payload["text"], blocks[:MESSAGE_MAX_BLOCKS])


# ---- adoption and single cells --------------------------------------------------------------


def _change_line(change: Adjustment | CellChange, rubric: Rubric, language: str) -> str:
    before = base.requirement_label(change.before, language)
    after = base.requirement_label(change.after, language)
    return f"• *{change.item_id}* {stage_label(rubric, change.stage, language)}: {before} → {after}"


def build_adoption(adoption: Adoption, rubric: Rubric, language: str) -> dict[str, Any]:
    """The reply to `criteria adopt`: the new version, what the survey changed, the cells raised
    so no stage loosens, and the cells kept for lack of votes."""
    if not adoption.created:
        text = t("adopt.closed_without_votes", language, version=adoption.version)
        return message(text, [section(text)])
    payload = base.build_criteria_adopted(
        version=adoption.version,
        adjustments=adoption.adjustments,
        rubric=rubric,
        language=language,
    )
    blocks: list[Block] = list(payload["blocks"])
    summary = t(
        "adopt.summary",
        language,
        answered=t("adopt.answered", language, participants=adoption.participants),
        changed=t("adopt.changed", language, changes=len(adoption.changes)),
    )
    extra: list[Block] = [context(summary)]
    if adoption.changes:
        lines = [_change_line(c, rubric, language) for c in adoption.changes]
        extra += [
            section(chunk) for chunk in chunk_lines([t("adopt.changes_title", language), *lines])
        ]
    if adoption.kept:
        extra.append(
            context(
                t("adopt.kept", language, count=len(adoption.kept), threshold=ANONYMITY_THRESHOLD)
            )
        )
    # The version line first, then the summary and changes, then the fix-ups.
    blocks = blocks[:1] + extra + blocks[1:]
    return message(payload["text"], blocks[:MESSAGE_MAX_BLOCKS])


def build_adoption_announcement(adoption: Adoption, user_id: str, language: str) -> dict[str, Any]:
    """Posted to the survey's channel: the outcome everyone voted on, nothing about anyone."""
    text = t("adopt.announce", language, user=user_id, version=adoption.version)
    return message(text, [section(text)])


def build_cell_set(
    update: CellUpdate, *, rubric: Rubric, reason: str, language: str
) -> dict[str, Any]:
    """The reply to `criteria set`: the cell's new level, the later stages raised with it."""
    text = t(
        "info.criteria_cell_set",
        language,
        item=update.item_id,
        stage=stage_label(rubric, update.stage, language),
        level=base.requirement_label(update.after, language),
        version=update.version,
    )
    blocks: list[Block] = [section(text)]
    if update.adjustments:
        lines = [_change_line(a, rubric, language) for a in update.adjustments]
        blocks += [
            section(chunk) for chunk in chunk_lines([t("info.criteria_adjusted", language), *lines])
        ]
    blocks.append(context(t("set.summary", language, reason=escape(reason))))
    return message(text, blocks[:MESSAGE_MAX_BLOCKS])
