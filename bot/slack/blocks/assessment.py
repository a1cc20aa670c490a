"""The assessment modal, one page per rubric section, and the parser of what Slack sends back.

Flow (the listeners drive it; everything here is pure):
- `build_assessment_page` renders page `meta.page`, pre-filled with the given inputs.
- On "Next" the listener parses the page (`parse_assessment_page`), checks it (`validate_page`),
  answers with `errors_response(...)` or stores the page in the draft and answers
  `update_response(next page)`. response_action "update" replaces the view in place, so the modal
  stack stays at one view and Slack's limit of three is never reached.
- "Back" is a button (block_actions carries view.state too): store the page, views.update back.
- Closing sends view_closed (notify_on_close) with the page's state: the draft keeps it.

Every test needs a level before its page can move on (Slack also marks those inputs required);
notes and the overall note are optional. Notes are capped at NOTE_MAX and the overall note at
OVERALL_NOTE_MAX characters, here and in the inputs' max_length.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from bot.limits import NOTE_MAX_CHARS, OVERALL_NOTE_MAX_CHARS
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    compact_json,
    context,
    escape,
    input_block,
    modal,
    option,
    plain,
    radio_buttons,
    section,
    selected_value,
    small_json,
    state_values,
    static_select,
    text_input,
    typed_value,
)
from bot.slack.blocks.paging import page_at, page_modal, section_pages
from bot.slack.i18n import format_datetime, format_number, t
from bot.slack.ids import (
    ActionId,
    BlockId,
    CallbackId,
    evidence_label_block_id,
    evidence_url_block_id,
    item_block_id,
    note_block_id,
)
from bot.usertext import has_nul
from rubric import scoring
from rubric.evidence import LABEL_MAX, URL_MAX, valid_evidence_url
from rubric.model import (
    Answer,
    Item,
    LevelScale,
    RangeScale,
    Rubric,
    Section,
    Snapshot,
    Stage,
)

# The product's limits (bot/limits.py), enforced here in max_length and in validation.
NOTE_MAX = NOTE_MAX_CHARS
OVERALL_NOTE_MAX = OVERALL_NOTE_MAX_CHARS
# Four blocks per item (level, note, evidence link, its label) plus at most eight others must
# fit in a view's 100 blocks.
ITEMS_PER_PAGE_MAX = 22
STAGE_DESCRIPTION_MAX = 75
VIEW_BLOCKS = 100
GUIDANCE_SHORT_MAX = 150
# The one-page check-in's own blocks: intro, instructions, focus note, Show all, overall note,
# the draft hint.
ONE_PAGE_OTHER_BLOCKS = 6


class InvalidView(ValueError):
    """The view is not one of ours (or its metadata was tampered with or is from an old build)."""


class ItemValue(Protocol):
    """Anything with a choice, a note and evidence: ItemInput here, the services' ItemDraft."""

    @property
    def choice(self) -> str | None: ...

    @property
    def note(self) -> str: ...

    @property
    def evidence_url(self) -> str: ...

    @property
    def evidence_label(self) -> str: ...


class ItemInput(NamedTuple):
    """What one item's inputs hold: the chosen level key or number (None if unset), the note,
    and the evidence link with its label."""

    choice: str | None
    note: str = ""
    evidence_url: str = ""
    evidence_label: str = ""


@dataclass(frozen=True)
class AssessmentMeta:
    """The modal's private_metadata: which team, which page, which draft (and its version)."""

    team_id: str
    page: int = 0
    draft_id: str | None = None
    version: int = 0
    period: str | None = None
    stage_version: int | None = None
    """Which reading of the team's stage the modal shows (services.DraftState)."""
    focus: tuple[str, ...] | None = None
    """On the one-page check-in (bot.slack.blocks.quick): the items it starts with; None on
    the paged modal."""
    expanded: bool = False
    """On the one-page check-in: every other item is shown too ("Show all")."""

    def to_json(self) -> str:
        data: dict[str, Any] = {"t": self.team_id, "p": self.page, "v": self.version}
        if self.focus is not None:
            data["f"] = list(self.focus)
        if self.expanded:
            data["x"] = 1
        if self.draft_id is not None:
            data["d"] = self.draft_id
        if self.period is not None:
            data["k"] = self.period
        if self.stage_version is not None:
            data["s"] = self.stage_version
        return compact_json(data)

    @classmethod
    def from_json(cls, text: str | None) -> AssessmentMeta:
        try:
            data = small_json(text)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            meta = cls(
                team_id=str(data["t"]),
                page=int(data["p"]),
                draft_id=None if data.get("d") is None else str(data["d"]),
                version=int(data.get("v", 0)),
                period=None if data.get("k") is None else str(data["k"]),
                stage_version=None if data.get("s") is None else int(data["s"]),
                focus=_focus(data.get("f")),
                expanded=bool(data.get("x")),
            )
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            raise InvalidView(f"unreadable assessment metadata: {error}") from None
        if meta.page < 0:
            raise InvalidView("negative page")
        return meta

    @property
    def one_page(self) -> bool:
        return self.focus is not None

    def at_page(self, page: int) -> AssessmentMeta:
        return replace(self, page=page)


def _focus(raw: object) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(each, str) for each in raw):
        raise TypeError("focus is not a list of item ids")
    return tuple(raw)


@dataclass(frozen=True)
class Page:
    index: int
    section: Section
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PageInput:
    """One page as submitted. `answers` covers every item on the page, in rubric order.

    `stage` is read on the first page only, and only where the modal offers the stage field
    (to those who may change it; None elsewhere or when unset); `overall_note` on the last page
    only. `errors` maps block ids to i18n keys for values that cannot be accepted as they are
    (a note over the limit or with a NUL, a choice not on the scale); `validate_page` adds the
    missing required ones.
    """

    meta: AssessmentMeta
    page: Page
    is_last: bool
    stage: Stage | None
    answers: dict[str, ItemInput]
    overall_note: str | None
    errors: dict[str, str] = field(default_factory=dict)
    stage_field: bool = False
    without_note: frozenset[str] = frozenset()
    """Items shown without their note input (the one-page check-in): the draft's note stays."""
    without_evidence: frozenset[str] = frozenset()
    """Items shown without their evidence inputs: the draft's link and label stay."""

    def keeping(self, answers: Mapping[str, ItemValue]) -> PageInput:
        """The page with what it did not show taken from `answers` (the draft)."""
        merged = dict(self.answers)
        for item_id, value in self.answers.items():
            kept = answers.get(item_id)
            if kept is None:
                continue
            note = kept.note if item_id in self.without_note else value.note
            url, label = (
                (kept.evidence_url, kept.evidence_label)
                if item_id in self.without_evidence
                else (value.evidence_url, value.evidence_label)
            )
            merged[item_id] = ItemInput(value.choice, note, url, label)
        return replace(self, answers=merged)


def pages(rubric: Rubric) -> tuple[Page, ...]:
    """The modal's pages: one per section with enabled items, long sections split."""
    return tuple(
        Page(index=index, section=section, items=items)
        for index, (section, items) in enumerate(section_pages(rubric, ITEMS_PER_PAGE_MAX))
    )


def inputs_from_snapshot(snapshot: Snapshot | None) -> dict[str, ItemInput]:
    """Pre-fill values from a stored assessment."""
    if snapshot is None:
        return {}
    return {
        item_id: ItemInput(answer.choice, answer.note, answer.evidence_url, answer.evidence_label)
        for item_id, answer in snapshot.answers.items()
    }


def apply_page(answers: Mapping[str, ItemValue], page_input: PageInput) -> dict[str, ItemInput]:
    """The draft's answers with this page's answers laid over them."""
    merged = {
        key: ItemInput(value.choice, value.note, value.evidence_url, value.evidence_label)
        for key, value in answers.items()
    }
    merged.update(page_input.answers)
    return merged


def to_snapshot(stage: Stage, answers: Mapping[str, ItemValue], note: str = "") -> Snapshot:
    """The answers as a domain snapshot; items without a choice are left out."""
    return Snapshot(
        stage=stage,
        answers={
            item_id: Answer(
                item_id=item_id,
                choice=value.choice,
                note=value.note,
                evidence_url=value.evidence_url,
                evidence_label=value.evidence_label,
            )
            for item_id, value in answers.items()
            if value.choice is not None
        },
        note=note,
    )


# ---- building -------------------------------------------------------------------------------


def build_assessment_page(
    rubric: Rubric,
    *,
    meta: AssessmentMeta,
    team_name: str,
    language: str,
    stage: Stage | None,
    answers: Mapping[str, ItemValue],
    overall_note: str = "",
    stage_editable: bool = True,
    stale: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The modal view for page `meta.page`, pre-filled with `stage`, `answers` and the note.

    The first page offers the stage as a field when `stage_editable` (to those who may change
    it), and only names it otherwise. Items in `stale` (claims past their freshness window)
    come first on their page, marked, and the first page lists them all."""
    all_pages = pages(rubric)
    page = page_at(all_pages, meta.page)
    total = len(all_pages)
    is_last = page.index == total - 1

    blocks: list[Block] = [
        section(
            t(
                "assess.intro",
                language,
                team=escape(team_name),
                section=escape(page.section.name.get(language)),
                page=page.index + 1,
                pages=total,
            ),
            block_id=BlockId.INTRO,
        ),
        context(_instructions(rubric, language)),
    ]
    if page.index == 0 and stage_editable:
        blocks.append(_stage_block(rubric, language, stage))
    elif page.index == 0 and stage is not None:
        blocks.append(
            context(t("assess.stage_fixed", language, stage=stage_label(rubric, stage, language)))
        )
    if page.index == 0 and stale:
        blocks.append(context(t("assess.stale_intro", language, items=", ".join(stale[:28]))))
    stale_set = frozenset(stale)
    ordered = sorted(page.items, key=lambda item: item.id not in stale_set)
    for item in ordered:
        value = answers.get(item.id)
        is_stale = item.id in stale_set
        blocks.append(
            _level_block(rubric, item, language, value.choice if value else None, stale=is_stale)
        )
        blocks.extend(item_text_blocks(item, language, value))
    if is_last:
        blocks.append(
            input_block(
                BlockId.OVERALL_NOTE,
                t("assess.overall_note_label", language),
                text_input(
                    ActionId.OVERALL_NOTE, max_length=OVERALL_NOTE_MAX, initial=overall_note
                ),
                hint=t("assess.overall_note_hint", language, max=OVERALL_NOTE_MAX),
                optional=True,
            )
        )
    return page_modal(
        index=page.index,
        total=total,
        blocks=blocks,
        footer=[context(t("assess.draft_hint", language))],
        callback_id=CallbackId.ASSESSMENT,
        title=t("assess.title", language, page=page.index + 1, pages=total),
        back_action=ActionId.NAV_BACK,
        close=t("assess.close", language),
        private_metadata=meta.at_page(page.index).to_json(),
        language=language,
    )


def _instructions(rubric: Rubric, language: str) -> str:
    scale = rubric.scale
    if isinstance(scale, RangeScale):
        return t(
            "assess.range_instructions",
            language,
            min=format_number(scale.min, language),
            max=format_number(scale.max, language),
        )
    lines = [t("assess.instructions", language)]
    for level in scale.levels:
        if level.description is not None:
            lines.append(f"*{level.label.get(language)}*: {level.description.get(language)}")
    return "\n".join(lines)


def stage_label(rubric: Rubric, stage: Stage, language: str) -> str:
    """A stage's name: the rubric's own label when it has one, else the catalog's."""
    info = next((info for info in rubric.stages if info.stage is stage), None)
    return info.label.get(language) if info else t(f"stage.{stage.value}", language)


def _stage_block(rubric: Rubric, language: str, stage: Stage | None) -> Block:
    options = []
    for each in Stage:
        entry = option(stage_label(rubric, each, language), each.value)
        info = next((info for info in rubric.stages if info.stage is each), None)
        if info is not None:
            entry["description"] = plain(info.description.get(language), STAGE_DESCRIPTION_MAX)
        options.append(entry)
    return input_block(
        BlockId.STAGE,
        t("assess.stage_label", language),
        radio_buttons(ActionId.STAGE, options, initial=stage.value if stage else None),
        hint=t("assess.stage_hint", language),
    )


def item_label(item: Item, language: str) -> str:
    return f"{item.id} · {item.name.get(language)}"


def short_guidance(item: Item, language: str, limit: int = GUIDANCE_SHORT_MAX) -> str:
    """The item's guidance cut to its first sentence (and `limit` characters): the one-page
    check-in shows this, the paged modal the whole text."""
    text = item.guidance.get(language).strip()
    first, dot, rest = text.partition(". ")
    short = first + "." if dot and rest else text
    return short if len(short) <= limit else short[: limit - 1].rstrip() + "…"


def _level_block(
    rubric: Rubric,
    item: Item,
    language: str,
    choice: str | None,
    *,
    stale: bool = False,
    short: bool = False,
) -> Block:
    scale = rubric.scale
    element: dict[str, Any]
    if isinstance(scale, LevelScale):
        options = [option(level.label.get(language), level.key) for level in scale.levels]
        element = radio_buttons(ActionId.ITEM_LEVEL, options, initial=choice)
    else:
        values = range_values(scale)
        options = [option(format_number(value, language), _range_key(value)) for value in values]
        element = static_select(
            ActionId.ITEM_LEVEL,
            options,
            placeholder=t("assess.value_placeholder", language),
            initial=_normalise_range_choice(scale, choice),
        )
    label = item_label(item, language)
    if stale:
        label = t("assess.stale_label", language, label=label)
    return input_block(
        item_block_id(item.id),
        label,
        element,
        hint=short_guidance(item, language) if short else item.guidance.get(language),
    )


def one_page_items(rubric: Rubric, meta: AssessmentMeta) -> list[tuple[Item, bool]]:
    """The one-page check-in's items, each with whether it gets every input (level, note,
    evidence) or a compact pair (level, note): the focus first, in rubric order, then, once
    expanded (or when there is no focus), every other enabled item. Focus items beyond what
    fits in a view's 100 blocks are shown compact."""
    enabled = [item for item in rubric.items if item.enabled]
    wanted = set(meta.focus or ())
    focus = [item for item in enabled if item.id in wanted]
    rest = [item for item in enabled if item.id not in wanted]
    shown = focus + rest if (meta.expanded or not focus) else focus
    # Compact items take 2 blocks, full ones 4, plus ONE_PAGE_OTHER_BLOCKS of the page's own.
    room = VIEW_BLOCKS - ONE_PAGE_OTHER_BLOCKS - 2 * len(shown)
    full = {item.id for item in focus[: max(0, room // 2)]}
    return [(item, item.id in full) for item in shown]


class ItemText(NamedTuple):
    """One of the optional text inputs an item has beside its level."""

    block_id: Callable[[str], str]
    action_id: str
    label_key: str
    placeholder_key: str
    max_length: int


NOTE = ItemText(
    note_block_id, ActionId.ITEM_NOTE, "assess.note_label", "assess.note_placeholder", NOTE_MAX
)
# Plain text inputs, not url_text_input: the bot, not Slack, decides what is refused, so the
# person is told why in their language.
EVIDENCE_URL = ItemText(
    evidence_url_block_id,
    ActionId.ITEM_EVIDENCE_URL,
    "assess.evidence_url_label",
    "assess.evidence_url_placeholder",
    URL_MAX,
)
EVIDENCE_LABEL = ItemText(
    evidence_label_block_id,
    ActionId.ITEM_EVIDENCE_LABEL,
    "assess.evidence_label_label",
    "assess.evidence_label_placeholder",
    LABEL_MAX,
)


def item_text_blocks(
    item: Item, language: str, value: ItemValue | None, *, evidence: bool = True
) -> list[Block]:
    """The item's note input and, with `evidence`, its evidence link and label, prefilled."""
    shown = [(NOTE, value.note if value else "")]
    if evidence:
        shown.append((EVIDENCE_URL, value.evidence_url if value else ""))
        shown.append((EVIDENCE_LABEL, value.evidence_label if value else ""))
    return [
        input_block(
            field.block_id(item.id),
            t(field.label_key, language, code=item.id),
            text_input(
                field.action_id,
                max_length=field.max_length,
                # A note is stored within its limit already; links and labels may come from CI.
                initial=text if field is NOTE else text[: field.max_length],
                placeholder=t(field.placeholder_key, language),
            ),
            optional=True,
        )
        for field, text in shown
    ]


def range_values(scale: RangeScale) -> list[float]:
    """Every value a range scale offers, at most 100 (a static select's limit)."""
    values = list(scoring.range_values(scale))
    if len(values) > 100:
        raise ValueError("a range scale with more than 100 values cannot be offered in a select")
    return values


def _range_key(value: float) -> str:
    """The stored form of a range value: "7", "7.5" (always a dot, whatever the language)."""
    return format_number(value, "en", decimals=6)


def _normalise_range_choice(scale: RangeScale, choice: str | None) -> str | None:
    if choice is None:
        return None
    try:
        value = float(choice.replace(",", "."))
    except ValueError:
        return None
    keys = {_range_key(candidate) for candidate in range_values(scale)}
    key = _range_key(value)
    return key if key in keys else None


# ---- parsing --------------------------------------------------------------------------------


def parse_assessment_page(view: Mapping[str, Any], rubric: Rubric) -> PageInput:
    """Read a page back from a view_submission, block_actions or view_closed payload's view.

    Raises InvalidView if the view's metadata does not name a page of this rubric.
    """
    meta = AssessmentMeta.from_json(view.get("private_metadata"))
    page, is_last = _page_of(meta, rubric)
    state = state_values(dict(view))
    errors: dict[str, str] = {}

    stage: Stage | None = None
    stage_field = page.index == 0 and not meta.one_page and _has_block(view, BlockId.STAGE)
    if stage_field:
        raw_stage = selected_value(state, BlockId.STAGE, ActionId.STAGE)
        if raw_stage is not None:
            try:
                stage = Stage(raw_stage)
            except ValueError:
                errors[BlockId.STAGE] = "assess.error.stage_required"

    accepted = _accepted_choices(rubric)
    answers: dict[str, ItemInput] = {}
    without_note: set[str] = set()
    without_evidence: set[str] = set()
    for item in page.items:
        choice = selected_value(state, item_block_id(item.id), ActionId.ITEM_LEVEL)
        if choice is not None and choice not in accepted:
            errors[item_block_id(item.id)] = "assess.error.bad_choice"
            choice = None
        note = typed_value(state, note_block_id(item.id), ActionId.ITEM_NOTE)
        if len(note) > NOTE_MAX:
            errors[note_block_id(item.id)] = "assess.error.note_too_long"
        elif has_nul(note):
            errors[note_block_id(item.id)] = "assess.error.nul"
        url, label = _evidence_inputs(state, item, errors)
        answers[item.id] = ItemInput(choice, note, url, label)
        if not _has_block(view, note_block_id(item.id)):
            without_note.add(item.id)
        if not _has_block(view, evidence_url_block_id(item.id)):
            without_evidence.add(item.id)

    overall_note: str | None = None
    if is_last:
        overall_note = typed_value(state, BlockId.OVERALL_NOTE, ActionId.OVERALL_NOTE)
        if len(overall_note) > OVERALL_NOTE_MAX:
            errors[BlockId.OVERALL_NOTE] = "assess.error.note_too_long"
        elif has_nul(overall_note):
            errors[BlockId.OVERALL_NOTE] = "assess.error.nul"
    return PageInput(
        meta=meta,
        page=page,
        is_last=is_last,
        stage=stage,
        answers=answers,
        overall_note=overall_note,
        errors=errors,
        stage_field=stage_field,
        without_note=frozenset(without_note),
        without_evidence=frozenset(without_evidence),
    )


def _page_of(meta: AssessmentMeta, rubric: Rubric) -> tuple[Page, bool]:
    """The page the metadata names, and whether it is the last one."""
    if meta.one_page:
        # The one-page check-in: its own items, and it is the last page.
        items = tuple(item for item, _ in one_page_items(rubric, meta))
        return Page(index=0, section=rubric.sections[0], items=items), True
    all_pages = pages(rubric)
    if meta.page >= len(all_pages):
        raise InvalidView(f"page {meta.page} is not in rubric {rubric.id}")
    page = all_pages[meta.page]
    return page, page.index == len(all_pages) - 1


def _evidence_inputs(state: dict[str, Any], item: Item, errors: dict[str, str]) -> tuple[str, str]:
    """The item's evidence link and label as typed (trimmed); a link that is not http(s), a
    label over the limit or with a NUL adds an error on its block."""
    url = typed_value(state, evidence_url_block_id(item.id), ActionId.ITEM_EVIDENCE_URL).strip()
    if url and not valid_evidence_url(url):
        errors[evidence_url_block_id(item.id)] = "assess.error.evidence_url"
    label_id = evidence_label_block_id(item.id)
    label = typed_value(state, label_id, ActionId.ITEM_EVIDENCE_LABEL).strip()
    if len(label) > LABEL_MAX:
        errors[label_id] = "assess.error.evidence_label_too_long"
    elif has_nul(label):
        errors[label_id] = "assess.error.nul"
    return url, label


def _has_block(view: Mapping[str, Any], block_id: str) -> bool:
    blocks = view.get("blocks")
    return isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("block_id") == block_id for block in blocks
    )


def _accepted_choices(rubric: Rubric) -> frozenset[str]:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        return frozenset(level.key for level in scale.levels)
    return frozenset(_range_key(value) for value in range_values(scale))


def validate_page(page_input: PageInput, language: str) -> dict[str, str]:
    """Localized errors by block id; empty when the page can be accepted.

    Every item needs a level, the first page needs the stage, notes must be within limits.
    """
    keys = dict(page_input.errors)
    if page_input.stage_field and page_input.stage is None:
        keys.setdefault(BlockId.STAGE, "assess.error.stage_required")
    for item_id, value in page_input.answers.items():
        if value.choice is None:
            keys.setdefault(item_block_id(item_id), "assess.error.level_required")
    messages: dict[str, str] = {}
    for block_id, key in keys.items():
        if key == "assess.error.note_too_long":
            text = _note_text(page_input, block_id)
            limit = OVERALL_NOTE_MAX if block_id == BlockId.OVERALL_NOTE else NOTE_MAX
            messages[block_id] = t(key, language, length=len(text), max=limit)
        elif key == "assess.error.evidence_label_too_long":
            messages[block_id] = t(key, language, max=LABEL_MAX)
        else:
            messages[block_id] = t(key, language)
    return messages


def _note_text(page_input: PageInput, block_id: str) -> str:
    if block_id == BlockId.OVERALL_NOTE:
        return page_input.overall_note or ""
    item_id = block_id.split(":", 1)[1]
    return page_input.answers[item_id].note


def errors_response(errors: Mapping[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": dict(errors)}


def update_response(view: Mapping[str, Any]) -> dict[str, Any]:
    return {"response_action": "update", "view": dict(view)}


# ---- "continue your draft?" -----------------------------------------------------------------


def build_draft_prompt(
    *,
    meta: AssessmentMeta,
    team_name: str,
    language: str,
    saved_at: datetime,
    pages_total: int,
) -> dict[str, Any]:
    """A small modal offering to continue a draft (at `meta.page`) or start fresh.

    Both buttons carry the metadata; the listener answers with views.update to the right page.
    """
    value = meta.to_json()
    return modal(
        callback_id=CallbackId.DRAFT_PROMPT,
        title=t("draft.title", language),
        blocks=[
            section(
                t(
                    "draft.body",
                    language,
                    team=escape(team_name),
                    saved=format_datetime(saved_at, language),
                    page=meta.page + 1,
                    pages=pages_total,
                )
            ),
            actions(
                [
                    button(
                        t("draft.continue", language),
                        ActionId.DRAFT_CONTINUE,
                        value,
                        style="primary",
                    ),
                    button(t("draft.discard", language), ActionId.DRAFT_DISCARD, value),
                ],
                block_id=BlockId.DRAFT_ACTIONS,
            ),
        ],
        close=t("common.cancel", language),
        private_metadata=value,
    )
