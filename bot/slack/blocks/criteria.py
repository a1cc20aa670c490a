"""The criteria (which tests are mandatory at each stage): the matrix in force, the survey
invitation, the survey modal and its parser, the results and the adoption notice.

The survey modal has a page per rubric section. Each item takes five blocks: a title, one input
with a static select per stage (labelled with the stage, so the choice is always readable) and an
optional comment. Seven items make 35 blocks plus three around them; a section of up to 19 items
fits one page, longer ones are split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from bot.services.types import OPERATOR
from bot.slack.blocks.assessment import Page, stage_label
from bot.slack.blocks.common import (
    MESSAGE_MAX_BLOCKS,
    Block,
    actions,
    button,
    chunk_lines,
    compact_json,
    context,
    escape,
    header,
    input_block,
    message,
    option,
    section,
    selected_value,
    small_json,
    state_values,
    static_select,
    text_input,
    truncate,
    typed_value,
)
from bot.slack.blocks.paging import page_at, page_modal, section_pages
from bot.slack.i18n import format_date, t
from bot.slack.ids import (
    ActionId,
    BlockId,
    CallbackId,
    cell_block_id,
    comment_block_id,
    title_block_id,
)
from rubric.catalog import Adjustment
from rubric.model import Criteria, Requirement, Rubric, Section, Stage

COMMENT_MAX = 1000
SURVEY_ITEMS_PER_PAGE = 19
NAME_IN_MATRIX = 48


class InvalidSurveyView(ValueError):
    """The view is not a survey page of this rubric."""


# ---- shared ---------------------------------------------------------------------------------


def requirement_label(requirement: Requirement, language: str) -> str:
    return t(f"requirement.{requirement.value}", language)


def requirement_code(requirement: Requirement, language: str) -> str:
    return t(f"requirement.code.{requirement.value}", language)


def _stage_code(stage: Stage, language: str) -> str:
    return t(f"stage.code.{stage.value}", language)


# ---- matrix in force ------------------------------------------------------------------------


def matrix_lines(rubric: Rubric, criteria: Criteria, section: Section, language: str) -> list[str]:
    """A fixed-width table of one section: item code, a code per stage, the item's name."""
    code_width = max(
        [len(t("criteria.item_column", language))] + [len(i.id) for i in section.items]
    )
    cell_width = max(len(requirement_code(r, language)) for r in Requirement) + 2
    head = t("criteria.item_column", language).ljust(code_width + 2) + "".join(
        _stage_code(stage, language).ljust(cell_width) for stage in Stage
    )
    lines = [head.rstrip()]
    for item in section.items:
        if not item.enabled:
            continue
        cells = "".join(
            requirement_code(criteria.requirement(item.id, stage), language).ljust(cell_width)
            for stage in Stage
        )
        name = truncate(item.name.get(language), NAME_IN_MATRIX).replace("`", "'")
        lines.append(f"{item.id.ljust(code_width + 2)}{cells}{name}")
    return lines


def build_criteria_matrix(
    *,
    rubric: Rubric,
    criteria: Criteria,
    language: str,
    adopted_by: str | None,
    adopted_at: datetime | None,
    chart_follows: bool = False,
) -> dict[str, Any]:
    """`/mlscore criteria`: items by stage with short codes, the version and who adopted it."""
    if adopted_by == OPERATOR and adopted_at:
        origin = t("criteria.imported", language, date=format_date(adopted_at, language))
    elif adopted_by and adopted_at:
        origin = t(
            "criteria.adopted", language, user=adopted_by, date=format_date(adopted_at, language)
        )
    else:
        origin = t("criteria.default", language)
    blocks: list[Block] = [
        header(t("criteria.header", language, version=criteria.version)),
        context(origin),
    ]
    for rubric_section in rubric.sections:
        lines = matrix_lines(rubric, criteria, rubric_section, language)
        if len(lines) == 1:
            continue
        title = f"*{escape(rubric_section.name.get(language))}*\n"
        # Code blocks are cut at 2990 characters so the fences and title always fit.
        for chunk in chunk_lines(lines, limit=2900 - len(title)):
            blocks.append(section(f"{title}```\n{chunk}\n```"))
            title = ""
    blocks.append(context(t("criteria.legend", language)))
    if chart_follows:
        blocks.append(context(t("scorecard.chart_below", language)))
    fallback = t("criteria.fallback", language, version=criteria.version)
    return message(fallback, blocks[:MESSAGE_MAX_BLOCKS])


# ---- survey invitation ----------------------------------------------------------------------


def build_survey_invitation(
    *, round_id: int | str, opened_by: str, anonymous: bool, language: str
) -> dict[str, Any]:
    """Posted to the channel when a round opens; the button opens the survey modal."""
    privacy = t("criteria.anonymous" if anonymous else "criteria.public", language)
    return message(
        t("criteria.invite_fallback", language),
        [
            section(t("criteria.invite", language, user=opened_by)),
            context(privacy),
            actions(
                [
                    button(
                        t("criteria.answer", language),
                        ActionId.SURVEY_OPEN,
                        str(round_id),
                        style="primary",
                    )
                ],
                block_id=BlockId.SURVEY_ACTIONS,
            ),
        ],
    )


# ---- survey modal ---------------------------------------------------------------------------


class SurveyAnswer(NamedTuple):
    """One participant's answer on one item: a level per stage and an optional comment."""

    levels: Mapping[Stage, Requirement]
    comment: str = ""


@dataclass(frozen=True)
class SurveyMeta:
    round_id: str
    page: int = 0

    def to_json(self) -> str:
        return compact_json({"r": self.round_id, "p": self.page})

    @classmethod
    def from_json(cls, text: str | None) -> SurveyMeta:
        try:
            data = small_json(text)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            meta = cls(round_id=str(data["r"]), page=int(data["p"]))
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            raise InvalidSurveyView(f"unreadable survey metadata: {error}") from None
        if meta.page < 0:
            raise InvalidSurveyView("negative page")
        return meta


# A survey page walks the rubric as an assessment page does.
SurveyPage = Page


@dataclass(frozen=True)
class SurveyPageInput:
    """A survey page as submitted. `answers` holds every item of the page; a stage whose select
    came back empty or unknown is missing from `levels` and named in `errors`."""

    meta: SurveyMeta
    page: SurveyPage
    is_last: bool
    answers: dict[str, SurveyAnswer]
    errors: dict[str, str] = field(default_factory=dict)


def survey_pages(rubric: Rubric) -> tuple[SurveyPage, ...]:
    return tuple(
        SurveyPage(index=index, section=section, items=items)
        for index, (section, items) in enumerate(section_pages(rubric, SURVEY_ITEMS_PER_PAGE))
    )


def survey_answers_from_criteria(rubric: Rubric, criteria: Criteria) -> dict[str, SurveyAnswer]:
    """Pre-fill values: the matrix in force."""
    return {
        item.id: SurveyAnswer({stage: criteria.requirement(item.id, stage) for stage in Stage})
        for item in rubric.items
    }


def build_survey_page(
    rubric: Rubric,
    *,
    meta: SurveyMeta,
    language: str,
    answers: Mapping[str, SurveyAnswer],
) -> dict[str, Any]:
    """Survey page `meta.page`, pre-filled with `answers` (the matrix in force, or the person's
    earlier votes in this round)."""
    all_pages = survey_pages(rubric)
    page = page_at(all_pages, meta.page)
    total = len(all_pages)
    options = [option(requirement_label(r, language), r.value) for r in Requirement]
    blocks: list[Block] = [
        section(
            t(
                "survey.intro",
                language,
                section=escape(page.section.name.get(language)),
                page=page.index + 1,
                pages=total,
            ),
            block_id=BlockId.INTRO,
        )
    ]
    for item in page.items:
        answer = answers.get(item.id, SurveyAnswer({}))
        blocks.append(
            section(
                f"*{item.id}* · {escape(item.name.get(language))}",
                block_id=title_block_id(item.id),
            )
        )
        for stage in Stage:
            chosen = answer.levels.get(stage)
            blocks.append(
                input_block(
                    cell_block_id(item.id, stage.value),
                    t(
                        "survey.cell_label",
                        language,
                        code=item.id,
                        stage=stage_label(rubric, stage, language),
                    ),
                    static_select(
                        ActionId.SURVEY_CELL,
                        options,
                        placeholder=stage_label(rubric, stage, language),
                        initial=chosen.value if chosen else None,
                    ),
                )
            )
        blocks.append(
            input_block(
                comment_block_id(item.id),
                t("survey.comment_label", language, code=item.id),
                text_input(ActionId.SURVEY_COMMENT, max_length=COMMENT_MAX, initial=answer.comment),
                optional=True,
            )
        )
    return page_modal(
        index=page.index,
        total=total,
        blocks=blocks,
        callback_id=CallbackId.CRITERIA_SURVEY,
        title=t("survey.title", language, page=page.index + 1, pages=total),
        back_action=ActionId.SURVEY_BACK,
        close=t("common.cancel", language),
        private_metadata=SurveyMeta(meta.round_id, page.index).to_json(),
        language=language,
    )


def parse_survey_page(view: Mapping[str, Any], rubric: Rubric) -> SurveyPageInput:
    """Read a survey page back from view.state.values. Raises InvalidSurveyView."""
    meta = SurveyMeta.from_json(view.get("private_metadata"))
    all_pages = survey_pages(rubric)
    if meta.page >= len(all_pages):
        raise InvalidSurveyView(f"page {meta.page} is not in rubric {rubric.id}")
    page = all_pages[meta.page]
    state = state_values(dict(view))
    answers: dict[str, SurveyAnswer] = {}
    errors: dict[str, str] = {}
    for item in page.items:
        levels: dict[Stage, Requirement] = {}
        for stage in Stage:
            block_id = cell_block_id(item.id, stage.value)
            raw = selected_value(state, block_id, ActionId.SURVEY_CELL)
            try:
                levels[stage] = Requirement(raw or "")
            except ValueError:
                errors[block_id] = "survey.error.bad_level"
        comment = typed_value(state, comment_block_id(item.id), ActionId.SURVEY_COMMENT)
        if len(comment) > COMMENT_MAX:
            errors[comment_block_id(item.id)] = "survey.error.comment_too_long"
        answers[item.id] = SurveyAnswer(levels, comment)
    return SurveyPageInput(
        meta=meta,
        page=page,
        is_last=page.index == len(all_pages) - 1,
        answers=answers,
        errors=errors,
    )


def validate_survey_page(page_input: SurveyPageInput, language: str) -> dict[str, str]:
    """Localized errors by block id for response_action "errors"; empty when acceptable."""
    messages: dict[str, str] = {}
    for block_id, key in page_input.errors.items():
        if key == "survey.error.comment_too_long":
            item_id = block_id.split(":", 1)[1]
            length = len(page_input.answers[item_id].comment)
            messages[block_id] = t(key, language, length=length, max=COMMENT_MAX)
        else:
            messages[block_id] = t(key, language)
    return messages


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellResult:
    """The votes on one item at one stage, and what they propose."""

    item_id: str
    stage: Stage
    counts: Mapping[Requirement, int]
    proposed: Requirement | None
    split: bool = False


@dataclass(frozen=True)
class SurveyComment:
    item_id: str
    text: str
    user_id: str | None = None


@dataclass(frozen=True)
class SurveyResults:
    participants: int
    open: bool
    anonymous: bool
    cells: tuple[CellResult, ...]
    comments: tuple[SurveyComment, ...] = ()


def _cell_text(cell: CellResult, language: str) -> str:
    counts = "·".join(str(cell.counts.get(requirement, 0)) for requirement in Requirement)
    proposed = requirement_code(cell.proposed, language) if cell.proposed else "—"
    flag = " :warning:" if cell.split else ""
    return f"{_stage_code(cell.stage, language)} *{proposed}* {counts}{flag}"


def build_survey_results(
    results: SurveyResults, *, rubric: Rubric, language: str
) -> dict[str, Any]:
    """`/mlscore criteria results`: per item and stage the counts (n/a·poor·opt·MUST), the
    proposed level and a warning on split votes. Comments carry their author only when the round
    is not anonymous, whatever the caller passes."""
    status = t("results.status_open" if results.open else "results.status_closed", language)
    counts_order = "·".join(requirement_code(r, language) for r in Requirement)
    blocks: list[Block] = [
        header(t("results.header", language)),
        context(
            t("results.summary", language, participants=results.participants, status=status),
            t("results.method", language) + f" ({counts_order})",
        ),
    ]
    by_item: dict[str, list[CellResult]] = {}
    for cell in results.cells:
        by_item.setdefault(cell.item_id, []).append(cell)
    if not results.participants or not by_item:
        blocks.append(section(t("results.no_votes", language)))
    for rubric_section in rubric.sections:
        lines = [
            f"*{item.id}*  "
            + "  |  ".join(
                _cell_text(cell, language)
                for cell in sorted(by_item[item.id], key=lambda c: c.stage.rank)
            )
            for item in rubric_section.items
            if item.id in by_item
        ]
        if lines:
            title = f"*{escape(rubric_section.name.get(language))}*"
            blocks += [section(chunk) for chunk in chunk_lines([title, *lines])]
    comment_lines = [_comment_line(c, results.anonymous) for c in results.comments]
    if comment_lines:
        room = MESSAGE_MAX_BLOCKS - len(blocks) - 2
        chunks = chunk_lines([t("results.comments_title", language), *comment_lines])
        blocks += [section(chunk) for chunk in chunks[: max(room, 0)]]
    if results.open:
        blocks.append(context(t("results.adopt_hint", language)))
    fallback = t("results.fallback", language, participants=results.participants)
    return message(fallback, blocks[:MESSAGE_MAX_BLOCKS])


def _comment_line(comment: SurveyComment, anonymous: bool) -> str:
    author = f" — <@{comment.user_id}>" if comment.user_id and not anonymous else ""
    text = truncate(" ".join(comment.text.split()), 500)
    return f"• *{comment.item_id}*: {escape(text)}{author}"


def build_criteria_adopted(
    *, version: int, adjustments: Sequence[Adjustment], rubric: Rubric, language: str
) -> dict[str, Any]:
    """The confirmation after `criteria adopt`, listing cells raised to keep the rule that
    requirements never loosen as the stage advances."""
    text = t("info.criteria_adopted", language, version=version)
    blocks: list[Block] = [section(text)]
    if adjustments:
        cells = [
            f"• *{a.item_id}* {stage_label(rubric, a.stage, language)}: "
            f"{requirement_label(a.before, language)} → {requirement_label(a.after, language)}"
            for a in adjustments
        ]
        intro = t("info.criteria_adjusted", language)
        blocks += [section(chunk) for chunk in chunk_lines([intro, *cells])][:40]
    return message(text, blocks)
