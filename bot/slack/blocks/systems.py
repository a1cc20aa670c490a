"""A team's ML systems: the `systems` list, a team's scorecard overview (one line per system),
and the buttons that ask which system a command meant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.types import SystemLine, TeamInfo
from bot.slack.blocks.common import (
    MESSAGE_MAX_BLOCKS,
    Block,
    actions,
    button,
    chunk_lines,
    compact_json,
    escape,
    header,
    message,
    section,
    small_json,
    truncate,
)
from bot.slack.i18n import format_number, t
from bot.slack.ids import ActionId

# Slack allows 25 elements in an actions block and 2,000 characters in a button's value.
_BUTTONS_PER_BLOCK = 25
_BUTTON_VALUE_MAX = 2000
_ARROWS = {1: "↑", 0: "→", -1: "↓"}


def system_line(line: SystemLine, language: str) -> str:
    system = line.system
    name = escape(system.system_name or system.name)
    stage = t(f"stage.{system.stage.value}", language)
    archived = t("systems.archived", language) if line.archived else ""
    if line.final_score is None:
        return t("systems.line_never", language, name=name, stage=stage, archived=archived)
    arrow = _ARROWS.get(line.direction, "") if line.direction is not None else ""
    return t(
        "systems.line",
        language,
        name=name,
        stage=stage,
        score=format_number(line.final_score, language),
        gaps="?" if line.open_gaps is None else line.open_gaps,
        arrow=arrow,
        archived=archived,
    )


def build_system_lines(
    team: TeamInfo, lines: Sequence[SystemLine], language: str, *, title_key: str
) -> dict[str, Any]:
    """One line per system (as the service ordered them: weakest first)."""
    title = t(title_key, language, team=team.name, count=len(lines))
    chunks = chunk_lines(system_line(line, language) for line in lines)
    blocks: list[Block] = [header(title)]
    blocks += [section(chunk) for chunk in chunks[: MESSAGE_MAX_BLOCKS - 1]]
    return message(title, blocks)


def choice_value(system_id: int, command_text: str) -> str:
    """What a choice button carries: the system picked, and the command to run for it."""
    return compact_json({"s": system_id, "c": truncate(command_text, _BUTTON_VALUE_MAX - 40)})


def parse_choice_value(value: str | None) -> tuple[int, str] | None:
    """(system id, command text) from a choice button, or None when it is not one of ours."""
    try:
        data = small_json(value, max_length=_BUTTON_VALUE_MAX)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    system_id, text = data.get("s"), data.get("c")
    if not isinstance(system_id, int) or isinstance(system_id, bool) or not isinstance(text, str):
        return None
    return system_id, text


def build_system_choice(
    choices: Sequence[TeamInfo], command_text: str, language: str
) -> dict[str, Any]:
    """Which system did you mean? One button per system; a click runs the command for it."""
    question = t("systems.choose", language)
    buttons = [
        button(
            truncate(choice.label, 75),
            # action ids must differ within a block
            f"{ActionId.CHOOSE_SYSTEM}:{choice.system_id}",
            choice_value(choice.system_id or 0, command_text),
        )
        for choice in choices
        if choice.system_id is not None
    ]
    blocks: list[Block] = [section(question)]
    for start in range(0, len(buttons), _BUTTONS_PER_BLOCK):
        blocks.append(actions(buttons[start : start + _BUTTONS_PER_BLOCK]))
    return message(question, blocks[:MESSAGE_MAX_BLOCKS])
