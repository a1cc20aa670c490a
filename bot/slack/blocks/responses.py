"""Several respondents in words: who answered and where they differ (in the scorecard, the
`responses` reply and the lead's message), and the modal where a lead settles the disputed items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.services.response_types import DisputedItem, PeriodResponses
from bot.slack.blocks.common import (
    RADIO_MAX_OPTIONS,
    Block,
    actions,
    button,
    chunk_lines,
    context,
    escape,
    input_block,
    message,
    modal,
    option,
    radio_buttons,
    section,
    small_json,
    static_select,
)
from bot.slack.i18n import t
from bot.slack.ids import SEPARATOR, ActionId, BlockId, CallbackId
from rubric.model import LevelScale, Rubric
from rubric.scoring import format_number, range_values


def choice_label(rubric: Rubric, choice: str, language: str) -> str:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        for level in scale.levels:
            if level.key == choice:
                return level.label.get(language)
    return choice


def _who(rubric: Rubric, item: DisputedItem, language: str) -> str:
    """ "Automated: <@A>, <@B> · Manual: <@C>", or counts only in anonymous mode."""
    parts = []
    for counted in item.choices:
        label = choice_label(rubric, counted.choice, language)
        if counted.people:
            people = ", ".join(f"<@{person}>" for person in counted.people)
            parts.append(f"{escape(label)}: {people}")
        else:
            parts.append(t("responses.count", language, label=escape(label), count=counted.count))
    return " · ".join(parts)


def disputed_line(rubric: Rubric, item: DisputedItem, language: str) -> str:
    name = escape(rubric.item(item.item_id).name.get(language))
    kind = t("responses.full" if item.full else "responses.any", language)
    line = f"• *{item.item_id}* {name} ({kind}): {_who(rubric, item, language)}"
    if item.resolved_by:
        agreed = choice_label(rubric, item.agreed or item.proposed, language)
        line += " " + t("responses.settled", language, user=item.resolved_by, level=escape(agreed))
    return line


def resolve_value(team_id: int, system_id: int | None, period_key: str) -> str:
    return f"{team_id}|{system_id or ''}|{period_key}"


def parse_resolve_value(value: str | None) -> tuple[int, int | None, str] | None:
    parts = (value or "").split("|")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2]:
        return None
    if parts[1] and not parts[1].isdigit():
        return None
    return int(parts[0]), (int(parts[1]) if parts[1] else None), parts[2]


def response_blocks(
    rubric: Rubric,
    view: PeriodResponses,
    language: str,
    *,
    resolve: str | None = None,
) -> list[Block]:
    """The count, the respondents (unless anonymous), the disputed items; `resolve` (a button
    value) adds the button that opens the lead's modal while items are unsettled."""
    head = t("responses.header", language, count=view.count, period=view.period_key)
    rule = t(f"responses.rule.{view.rule}", language)
    if view.hidden:
        hidden: list[Block] = [section(head), context(t("responses.hidden", language), rule)]
        if resolve is not None and view.unresolved:
            # Only a lead's view lists the disputed items below the minimum: they may still
            # settle them, seeing no one's answers.
            label = t("responses.resolve_button", language)
            hidden.append(section(t("responses.hidden_settle", language)))
            hidden.append(actions([button(label, ActionId.RESOLVE_OPEN, resolve, style="primary")]))
        return hidden
    lines = [head]
    if view.respondents:
        lines.append(", ".join(f"<@{person}>" for person in view.respondents))
    if not view.items:
        lines.append(t("responses.agree", language))
        return [section("\n".join(lines)), context(rule)]
    lines.append(t("responses.disputed", language, count=len(view.items)))
    lines += [disputed_line(rubric, item, language) for item in view.items]
    blocks: list[Block] = [section(chunk) for chunk in chunk_lines(lines)]
    blocks.append(context(rule))
    if resolve is not None and view.unresolved:
        label = t("responses.resolve_button", language)
        blocks.append(actions([button(label, ActionId.RESOLVE_OPEN, resolve, style="primary")]))
    return blocks


def build_responses(
    team_name: str, rubric: Rubric, view: PeriodResponses, language: str, *, resolve: str | None
) -> dict[str, Any]:
    title = t("responses.title", language, team=escape(team_name))
    blocks = [section(f"*{title}*"), *response_blocks(rubric, view, language, resolve=resolve)]
    return message(title, blocks)


def build_lead_message(
    team_name: str, rubric: Rubric, view: PeriodResponses, language: str, *, resolve: str
) -> dict[str, Any]:
    """The lead's confirmation message: what differs, who said what, and the resolve button."""
    text = t("responses.lead_intro", language, team=escape(team_name), count=len(view.items))
    blocks = [section(text), *response_blocks(rubric, view, language, resolve=resolve)]
    return message(text, blocks)


@dataclass(frozen=True)
class ResolveTarget:
    team_id: int
    system_id: int | None
    period_key: str


def _options(rubric: Rubric, language: str) -> list[dict[str, Any]]:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        return [option(level.label.get(language), level.key) for level in scale.levels]
    return [option(format_number(v), format_number(v)) for v in range_values(scale)]


def build_resolve_modal(
    team_name: str, rubric: Rubric, view: PeriodResponses, target: ResolveTarget, language: str
) -> dict[str, Any]:
    """Only the unsettled disputed items, each prefilled with the consensus rule's choice."""
    options = _options(rubric, language)
    blocks: list[Block] = [
        section(t("responses.modal_intro", language, team=escape(team_name))),
    ]
    if view.hidden:
        blocks.append(context(t("responses.hidden_settle", language)))
    for item in view.unresolved:
        name = rubric.item(item.item_id).name.get(language)
        element = (
            radio_buttons(ActionId.RESOLVE_LEVEL, options, initial=item.proposed)
            if len(options) <= RADIO_MAX_OPTIONS
            else static_select(
                ActionId.RESOLVE_LEVEL,
                options,
                placeholder=t("responses.pick", language),
                initial=item.proposed,
            )
        )
        if not view.hidden:
            blocks.append(context(f"*{item.item_id}*: {_who(rubric, item, language)}"))
        blocks.append(
            input_block(
                f"{BlockId.RESOLVE}{SEPARATOR}{item.item_id}", f"{item.item_id} {name}", element
            )
        )
    metadata = json.dumps(
        {"team": target.team_id, "system": target.system_id, "period": target.period_key},
        separators=(",", ":"),
    )
    return modal(
        callback_id=CallbackId.RESOLVE,
        title=t("responses.modal_title", language),
        submit=t("responses.modal_submit", language),
        blocks=blocks,
        private_metadata=metadata,
    )


def parse_resolve_modal(view: dict[str, Any]) -> tuple[ResolveTarget, dict[str, str]] | None:
    """(what is resolved, item id -> chosen level) from a submitted resolve modal."""
    try:
        metadata = small_json(view.get("private_metadata"))
    except ValueError:  # not what this modal wrote: nothing to resolve
        return None
    if not isinstance(metadata, dict):
        return None
    team, system, period = metadata.get("team"), metadata.get("system"), metadata.get("period")
    if not isinstance(team, int) or not isinstance(period, str):
        return None
    if system is not None and not isinstance(system, int):
        return None
    values = (view.get("state") or {}).get("values") or {}
    prefix = f"{BlockId.RESOLVE}{SEPARATOR}"
    choices: dict[str, str] = {}
    for block_id, entry in values.items():
        if not str(block_id).startswith(prefix):
            continue
        selected = (entry.get(ActionId.RESOLVE_LEVEL) or {}).get("selected_option") or {}
        if selected.get("value"):
            choices[str(block_id)[len(prefix) :]] = str(selected["value"])
    return ResolveTarget(team, system, period), choices
