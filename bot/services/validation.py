"""Checking a finished assessment before anything is stored.

The modal shows every problem at once (one error per block), so `problems` lists them all in
rubric order; `submit` refuses with the first one.
"""

from __future__ import annotations

from bot.limits import NOTE_MAX_CHARS, OVERALL_NOTE_MAX_CHARS
from bot.services.types import DraftState, Invalid
from bot.usertext import has_nul
from rubric.evidence import LABEL_MAX, valid_evidence_url
from rubric.model import Answer, LevelScale, Rubric
from rubric.scoring import range_value


def problems(rubric: Rubric, state: DraftState) -> list[Invalid]:
    """Every reason the state cannot be submitted; empty when it can.

    Keys: error.answer_missing(item), error.invalid_choice(item, choice),
    error.note_too_long(item, limit, length), error.overall_note_too_long(limit, length),
    error.nul.
    """
    found: list[Invalid] = []
    for item in rubric.items:
        if not item.enabled:
            continue
        draft = state.answers.get(item.id)
        choice = draft.choice.strip() if draft and draft.choice else ""
        if not choice:
            found.append(Invalid("error.answer_missing", item=item.id))
        elif not valid_choice(rubric, choice):
            found.append(Invalid("error.invalid_choice", item=item.id, choice=choice))
        if (
            draft
            and draft.evidence_url.strip()
            and not valid_evidence_url(draft.evidence_url.strip())
        ):
            found.append(Invalid("error.evidence_url", item=item.id))
        if draft and len(draft.evidence_label) > LABEL_MAX:
            found.append(Invalid("error.evidence_label_too_long", item=item.id, limit=LABEL_MAX))
        if draft and len(draft.note) > NOTE_MAX_CHARS:
            found.append(
                Invalid(
                    "error.note_too_long",
                    item=item.id,
                    limit=NOTE_MAX_CHARS,
                    length=len(draft.note),
                )
            )
    if has_nul(state.overall_note, *(draft.note for draft in state.answers.values())):
        found.append(Invalid("error.nul"))
    if len(state.overall_note) > OVERALL_NOTE_MAX_CHARS:
        found.append(
            Invalid(
                "error.overall_note_too_long",
                limit=OVERALL_NOTE_MAX_CHARS,
                length=len(state.overall_note),
            )
        )
    return found


def answers_to_store(rubric: Rubric, state: DraftState) -> list[Answer]:
    """The answers of a valid state for the enabled items, in rubric order; answers to unknown
    or disabled items (left over from an older rubric in a draft) are dropped."""
    stored: list[Answer] = []
    for item in rubric.items:
        draft = state.answers.get(item.id)
        if item.enabled and draft is not None and draft.choice:
            stored.append(
                Answer(
                    item_id=item.id,
                    choice=draft.choice.strip(),
                    note=draft.note.strip(),
                    evidence_url=draft.evidence_url.strip(),
                    evidence_label=draft.evidence_label.strip(),
                )
            )
    return stored


def valid_choice(rubric: Rubric, choice: str) -> bool:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        return any(level.key == choice for level in scale.levels)
    try:
        range_value(scale, choice)
    except ValueError:
        return False
    return True
