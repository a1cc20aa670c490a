"""The one-page check-in: the items that most likely changed first (stale claims, open gaps,
failing CI evidence, claims lacking a required link), every input of theirs prefilled; every
other item one "Show all" click away (views.update of the same page, expanded). Guidance is cut
to its first sentence so that all 28 items fit one view's 100 blocks.

It is the assessment modal's last page (same callback_id, an overall note): submitting it
stores the assessment from the person's draft with this page laid over it. Items shown without
their note or evidence inputs keep the draft's (PageInput.keeping).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack.blocks.assessment import (
    OVERALL_NOTE_MAX,
    AssessmentMeta,
    ItemValue,
    _instructions,
    _level_block,
    item_text_blocks,
    one_page_items,
)
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    input_block,
    modal,
    section,
    text_input,
)
from bot.slack.i18n import t
from bot.slack.ids import ActionId, BlockId, CallbackId
from rubric.model import Rubric


def build_one_page(
    rubric: Rubric,
    *,
    meta: AssessmentMeta,
    team_name: str,
    language: str,
    answers: Mapping[str, ItemValue],
    overall_note: str = "",
    stale: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The one-page check-in for `meta` (its focus, expanded or not), prefilled."""
    shown = one_page_items(rubric, meta)
    focus = meta.focus or ()
    total = sum(1 for item in rubric.items if item.enabled)
    blocks: list[Block] = [
        section(t("quick.intro", language, team=escape(team_name)), block_id=BlockId.INTRO),
        context(_instructions(rubric, language)),
    ]
    if focus:
        blocks.append(context(t("quick.focus", language, items=", ".join(focus[:28]))))
    else:
        blocks.append(context(t("quick.no_focus", language)))
    stale_set = frozenset(stale)
    for item, full in shown:
        value = answers.get(item.id)
        blocks.append(
            _level_block(
                rubric,
                item,
                language,
                value.choice if value else None,
                stale=item.id in stale_set,
                short=True,
            )
        )
        blocks.extend(item_text_blocks(item, language, value, evidence=full))
    if len(shown) < total:
        blocks.append(
            actions(
                [
                    button(
                        t("quick.show_all", language, count=total),
                        ActionId.SHOW_ALL,
                        "all",
                    )
                ],
                block_id=BlockId.SHOW_ALL,
            )
        )
    blocks.append(
        input_block(
            BlockId.OVERALL_NOTE,
            t("assess.overall_note_label", language),
            text_input(ActionId.OVERALL_NOTE, max_length=OVERALL_NOTE_MAX, initial=overall_note),
            optional=True,
        )
    )
    blocks.append(context(t("assess.draft_hint", language)))
    return modal(
        callback_id=CallbackId.ASSESSMENT,
        title=t("quick.title", language),
        blocks=blocks,
        submit=t("common.submit", language),
        close=t("assess.close", language),
        private_metadata=meta.to_json(),
        notify_on_close=True,
    )
