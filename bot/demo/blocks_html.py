"""Block Kit blocks as HTML for the demo's report: what templates/blocks.html asks of Python.

The template lays the blocks out; the text objects in them go through the mrkdwn renderer, and
every other value is escaped by the template engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.demo.mrkdwn import MrkdwnRenderer

SELECTS = ("static_select", "external_select", "users_select", "channels_select")


def rich_text(block: Mapping[str, Any]) -> str:
    """The text of a rich_text block's text elements, in order (styles are left out)."""
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            if node.get("type") == "text":
                texts.append(str(node.get("text", "")))
            for child in node.get("elements") or []:
                walk(child)

    walk(block)
    return "".join(texts)


def chosen_values(element: Mapping[str, Any]) -> set[str]:
    """The values a radio or checkbox group starts with chosen."""
    chosen = element.get("initial_option")
    picked = [chosen] if isinstance(chosen, Mapping) else []
    picked += [o for o in element.get("initial_options") or [] if isinstance(o, Mapping)]
    return {str(option.get("value")) for option in picked}


def template_globals(text: MrkdwnRenderer) -> dict[str, Any]:
    """The names templates/blocks.html uses besides its own macros."""
    return {
        "text_object": text.text_object,
        "plain": text.plain,
        "rich_text": rich_text,
        "chosen_values": chosen_values,
        "SELECTS": SELECTS,
    }
