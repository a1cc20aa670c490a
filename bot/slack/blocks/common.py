"""Small Block Kit helpers shared by every builder: text objects, blocks, elements, limits.

Every helper truncates to the Slack limit it is subject to (Slack's Block Kit reference,
https://docs.slack.dev/reference/block-kit), so a builder can hand it any user text without
checking lengths itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

# Slack's limits, in characters unless said otherwise.
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
HEADER_MAX = 150
CONTEXT_MAX_ELEMENTS = 10
ACTIONS_MAX_ELEMENTS = 25
RADIO_MAX_OPTIONS = 10
SELECT_MAX_OPTIONS = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
INPUT_MAX_LENGTH = 3000
ID_MAX = 255
# Our metadata is one flat object with a list or two; anything far busier is not ours.
MAX_JSON_CONTAINERS = 16
# chat.postMessage truncates `text` past 40,000; keep the fallback well inside.
FALLBACK_MAX = 3000

ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""


ZERO_WIDTH_SPACE = "\u200b"
_MARKS = frozenset("*_~")
# A code span needs only two backticks on a line, whatever is around them; the modifier letter
# grave accent looks the same and starts nothing.
_BACKTICK_LOOKALIKE = "\u02cb"


class Mrkdwn(str):
    """Text already written as mrkdwn by the bot (a line with its own bold and code spans):
    `escape` leaves it as it is, so it can be a message parameter like any other."""

    __slots__ = ()


def escape(text: str) -> str:
    """User text made safe for mrkdwn: it shows as typed and cannot change the formatting.

    Slack needs &, < and > as entities. It has no escape for *, _ and ~, so each one that could
    open or close a span (one not between two letters or digits, which never can) is fenced
    with zero-width spaces: Slack then sees space on both sides of it, and such a mark formats
    nothing, as Slack's team advised for a plain space (slackhq/slack-api-docs#34). Backticks
    become a look-alike. A ">" opening a line gets the same space before it, so it quotes
    nothing. `snake_case` is left alone.
    """
    if isinstance(text, Mrkdwn):
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("`", _BACKTICK_LOOKALIKE)
    if "&gt;" in text:
        text = _no_quotes(text)
    if not _MARKS.intersection(text):
        return text
    out: list[str] = []
    last = len(text) - 1
    for index, char in enumerate(text):
        inside_a_word = 0 < index < last and text[index - 1].isalnum() and text[index + 1].isalnum()
        if char in _MARKS and not inside_a_word:
            out.append(f"{ZERO_WIDTH_SPACE}{char}{ZERO_WIDTH_SPACE}")
        else:
            out.append(char)
    return "".join(out)


def _no_quotes(text: str) -> str:
    """A line that starts with ">" (escaped or not, Slack reads it as "&gt;") is a block quote
    in mrkdwn: a zero-width space before it keeps it a plain ">"."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.lstrip().startswith("&gt;"):
            lines[index] = ZERO_WIDTH_SPACE + line
    return "\n".join(lines)


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(
    text: str, *, block_id: str | None = None, accessory: dict[str, Any] | None = None
) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(texts: Sequence[str]) -> Block:
    """A section of up to 10 short mrkdwn fields shown in two columns."""
    return {"type": "section", "fields": [mrkdwn(text, FIELD_TEXT_MAX) for text in texts[:10]]}


def context(*texts: str, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "context",
        "elements": [mrkdwn(text) for text in texts[:CONTEXT_MAX_ELEMENTS]],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError(f"button value over {BUTTON_VALUE_MAX} characters")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[dict[str, Any]], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:ACTIONS_MAX_ELEMENTS])}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    """An option for radios and selects. Values are ids we choose, so too long is a bug."""
    if len(value) > OPTION_VALUE_MAX:
        raise ValueError(f"option value over {OPTION_VALUE_MAX} characters: {value[:40]}…")
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


def radio_buttons(
    action_id: str, options: Sequence[dict[str, Any]], *, initial: str | None = None
) -> dict[str, Any]:
    if len(options) > RADIO_MAX_OPTIONS:
        raise ValueError(f"radio buttons take at most {RADIO_MAX_OPTIONS} options")
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": action_id,
        "options": list(options),
    }
    chosen = _find_option(options, initial)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def static_select(
    action_id: str,
    options: Sequence[dict[str, Any]],
    *,
    placeholder: str,
    initial: str | None = None,
) -> dict[str, Any]:
    if len(options) > SELECT_MAX_OPTIONS:
        raise ValueError(f"a static select takes at most {SELECT_MAX_OPTIONS} options")
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER_MAX),
        "options": list(options),
    }
    chosen = _find_option(options, initial)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def text_input(
    action_id: str,
    *,
    max_length: int,
    initial: str = "",
    multiline: bool = True,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A plain_text_input. An initial value over `max_length` is shown cut (Slack refuses it)."""
    if not 1 <= max_length <= INPUT_MAX_LENGTH:
        raise ValueError(f"max_length must be within 1..{INPUT_MAX_LENGTH}")
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return element


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    optional: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, HINT_MAX)
    return block


def message(fallback: str, blocks: Sequence[Block]) -> dict[str, Any]:
    """A chat message payload: blocks plus the fallback `text` notifications show."""
    if len(blocks) > MESSAGE_MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a message takes at most {MESSAGE_MAX_BLOCKS}")
    return {"text": truncate(fallback, FALLBACK_MAX), "blocks": list(blocks)}


def modal(
    *,
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    submit: str | None = None,
    close: str | None = None,
    private_metadata: str = "",
    notify_on_close: bool = False,
) -> dict[str, Any]:
    if len(blocks) > VIEW_MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a view takes at most {VIEW_MAX_BLOCKS}")
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(f"private_metadata over {PRIVATE_METADATA_MAX} characters")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, TITLE_MAX),
        "blocks": list(blocks),
    }
    if submit:
        view["submit"] = plain(submit, TITLE_MAX)
    if close:
        view["close"] = plain(close, TITLE_MAX)
    if private_metadata:
        view["private_metadata"] = private_metadata
    if notify_on_close:
        view["notify_on_close"] = True
    return view


def chunk_lines(lines: Iterable[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Join lines into texts of at most `limit` characters each, never splitting a line
    (a single line over the limit is truncated)."""
    chunks: list[str] = []
    current = ""
    for raw in lines:
        line = truncate(raw, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        chunks.append(current)
        current = line
    if current:
        chunks.append(current)
    return chunks


# Ids in the database are 32-bit on PostgreSQL; nothing larger was ever handed out.
RECORD_ID_MAX = 2**31 - 1


def record_id(value: object) -> int | None:
    """An id carried by a button or a modal's metadata, or None when it cannot be one of ours
    (not ASCII digits, zero, negative, or larger than any id the database hands out): the
    caller answers "this is out of date" instead of asking the database."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(RECORD_ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= RECORD_ID_MAX else None


def compact_json(data: object) -> str:
    """JSON without spaces, for private_metadata and button values."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def small_json(text: str | None, *, max_length: int = PRIVATE_METADATA_MAX) -> Any:
    """Parse our own small, flat JSON (private_metadata, button values).

    Raises ValueError for anything else: too long, nested deeper than a few levels (json's C
    parser hits the recursion limit on a few thousand brackets), or not JSON at all.
    """
    if not text or len(text) > max_length:
        raise ValueError("empty or too long")
    if text.count("[") + text.count("{") > MAX_JSON_CONTAINERS:
        raise ValueError("too deeply structured")
    return json.loads(text)


def _entry(state: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    """state[block_id][action_id] when both levels are objects, else an empty dict."""
    block = state.get(block_id)
    entry = block.get(action_id) if isinstance(block, dict) else None
    return entry if isinstance(entry, dict) else {}


def selected_value(state: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """The value Slack reports for a radio or select in view.state.values, or None."""
    entry = _entry(state, block_id, action_id)
    chosen = entry.get("selected_option")
    if not isinstance(chosen, dict):
        return None
    value = chosen.get("value")
    return value if isinstance(value, str) else None


def typed_value(state: dict[str, Any], block_id: str, action_id: str) -> str:
    """The text Slack reports for a plain_text_input (None when left empty) as a string."""
    value = _entry(state, block_id, action_id).get("value")
    return value if isinstance(value, str) else ""


def first_input_block(view: dict[str, Any]) -> str | None:
    """The view's first input block: Slack shows view_submission errors only on input blocks."""
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    """view["state"]["values"], tolerating a view without state (nothing typed yet)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _find_option(options: Sequence[dict[str, Any]], value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return next((item for item in options if item["value"] == value), None)
