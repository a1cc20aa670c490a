"""Block Kit limit checker for the fake Slack (limits from Slack's Block Kit reference).

Each public function returns a list of human-readable violations; an empty list means Slack
would accept the payload as far as these rules go. The checker aims to be right about what
Slack rejects without flagging harmless style choices.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
VIEW_MAX_BYTES = 250_000
MESSAGE_MAX_TEXT = 40_000
MESSAGE_MAX_ATTACHMENTS = 100
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
CHOICE_OPTIONS_MAX = 10
SELECT_OPTIONS_MAX = 100
OVERFLOW_OPTIONS_MAX = 5
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
INPUT_TEXT_MAX_LENGTH = 3000
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
PLACEHOLDER_MAX = 150
URL_MAX = 3000
ALT_TEXT_MAX = 2000
TEXT_OBJECT_MAX = 3000
MARKDOWN_BLOCK_MAX = 12_000

TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
RESPONSE_ACTIONS = frozenset({"errors", "update", "push", "clear"})

_COMMON_BLOCKS = frozenset(
    {"section", "divider", "image", "actions", "context", "input", "header", "video", "rich_text"}
)
# file and markdown blocks only exist in messages.
MESSAGE_BLOCKS = _COMMON_BLOCKS | {"file", "markdown"}
VIEW_BLOCKS = _COMMON_BLOCKS

_SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
_MULTI_SELECTS = frozenset(f"multi_{name}" for name in _SELECTS)
_PICKERS = frozenset({"datepicker", "timepicker", "datetimepicker"})
_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
INPUT_ELEMENTS = (
    _SELECTS
    | _MULTI_SELECTS
    | _PICKERS
    | _TEXT_INPUTS
    | {"checkboxes", "radio_buttons", "file_input"}
)
ACTIONS_ELEMENTS = (
    _SELECTS
    | _MULTI_SELECTS
    | _PICKERS
    | {"button", "checkboxes", "radio_buttons", "overflow", "workflow_button", "rich_text_input"}
)
ACCESSORY_ELEMENTS = (
    _SELECTS
    | _MULTI_SELECTS
    | _PICKERS
    | {"button", "checkboxes", "radio_buttons", "overflow", "image", "workflow_button"}
)
KNOWN_ELEMENTS = INPUT_ELEMENTS | ACTIONS_ELEMENTS | ACCESSORY_ELEMENTS


class _Report:
    """Collects violations; `where` strings read like JSON paths (blocks[2].element.options)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def max_len(self, where: str, value: object, limit: int, what: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(where, f"{what} is {len(value)} characters; the limit is {limit}")

    def string(self, where: str, value: object, what: str, *, limit: int) -> None:
        """An optional string field: when present it must be a non-empty string within limit."""
        if value is None:
            return
        if not isinstance(value, str) or not value:
            self.add(where, f"{what} must be a non-empty string")
            return
        self.max_len(where, value, limit, what)

    def text(
        self,
        where: str,
        obj: object,
        *,
        limit: int = TEXT_OBJECT_MAX,
        plain_only: bool = False,
        required: bool = True,
        what: str = "text",
    ) -> None:
        """Check a text object ({"type": "plain_text"|"mrkdwn", "text": ...})."""
        if obj is None:
            if required:
                self.add(where, f"{what} is required")
            return
        if not isinstance(obj, Mapping):
            self.add(where, f"{what} must be a text object, not {type(obj).__name__}")
            return
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.add(where, f"{what} has type {kind!r}; it must be plain_text or mrkdwn")
            return
        if plain_only and kind != "plain_text":
            self.add(where, f"{what} must be plain_text, not {kind}")
        body = obj.get("text")
        if not isinstance(body, str) or not body:
            self.add(where, f"{what} must have non-empty text")
            return
        self.max_len(where, body, limit, what)
        if kind == "mrkdwn" and "emoji" in obj:
            self.add(where, f"{what}: 'emoji' is only allowed on plain_text")
        if kind == "plain_text" and "verbatim" in obj:
            self.add(where, f"{what}: 'verbatim' is only allowed on mrkdwn")


def _as_list(report: _Report, where: str, value: object, what: str) -> list[Any] | None:
    """Blocks and attachments arrive as lists, or as JSON strings in form-encoded calls."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            report.add(where, f"{what} is not valid JSON")
            return None
    if not isinstance(value, list):
        report.add(where, f"{what} must be a list, not {type(value).__name__}")
        return None
    return value


def _check_id(report: _Report, where: str, value: object, what: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value:
        report.add(where, f"{what} must be a non-empty string")
    else:
        report.max_len(where, value, ID_MAX, what)


# ---------------------------------------------------------------- composition objects


def _option_key(option: Mapping[str, Any]) -> tuple[Any, ...]:
    text = option.get("text")
    text_key = (text.get("type"), text.get("text")) if isinstance(text, Mapping) else (None, text)
    return (option.get("value"), *text_key)


def _check_option(report: _Report, where: str, option: object, *, plain_only: bool) -> None:
    if not isinstance(option, Mapping):
        report.add(where, "an option must be an object")
        return
    report.text(f"{where}.text", option.get("text"), limit=OPTION_TEXT_MAX, plain_only=plain_only)
    value = option.get("value")
    if not isinstance(value, str) or not value:
        report.add(f"{where}.value", "option value must be a non-empty string")
    else:
        report.max_len(f"{where}.value", value, OPTION_VALUE_MAX, "option value")
    if "description" in option:
        report.text(
            f"{where}.description",
            option["description"],
            limit=OPTION_TEXT_MAX,
            plain_only=plain_only,
            what="option description",
        )
    report.string(f"{where}.url", option.get("url"), "option url", limit=URL_MAX)


def _check_options(
    report: _Report,
    where: str,
    options: object,
    *,
    limit: int,
    plain_only: bool,
    minimum: int = 1,
) -> list[Mapping[str, Any]]:
    if not isinstance(options, list):
        report.add(where, "options must be a list")
        return []
    if not minimum <= len(options) <= limit:
        report.add(where, f"has {len(options)} options; allowed is {minimum} to {limit}")
    for i, option in enumerate(options):
        _check_option(report, f"{where}[{i}]", option, plain_only=plain_only)
    return [o for o in options if isinstance(o, Mapping)]


def _check_initial(
    report: _Report, where: str, element: Mapping[str, Any], options: list[Mapping[str, Any]]
) -> None:
    """initial_option(s) must exactly match one of the element's options (value and text)."""
    known = {_option_key(o) for o in options}
    if "initial_option" in element:
        initial = element["initial_option"]
        if not isinstance(initial, Mapping) or _option_key(initial) not in known:
            report.add(f"{where}.initial_option", "initial_option is not one of the options")
    if "initial_options" in element:
        initials = element["initial_options"]
        if not isinstance(initials, list):
            report.add(f"{where}.initial_options", "initial_options must be a list")
            return
        for i, initial in enumerate(initials):
            if not isinstance(initial, Mapping) or _option_key(initial) not in known:
                report.add(
                    f"{where}.initial_options[{i}]", "initial option is not one of the options"
                )


def _check_confirm(report: _Report, where: str, confirm: object) -> None:
    if confirm is None:
        return
    if not isinstance(confirm, Mapping):
        report.add(where, "confirm must be an object")
        return
    report.text(f"{where}.title", confirm.get("title"), limit=100, plain_only=True, what="title")
    report.text(f"{where}.text", confirm.get("text"), limit=300)
    report.text(
        f"{where}.confirm", confirm.get("confirm"), limit=30, plain_only=True, what="confirm"
    )
    report.text(f"{where}.deny", confirm.get("deny"), limit=30, plain_only=True, what="deny")


# ---------------------------------------------------------------- elements


def _check_element(
    report: _Report,
    where: str,
    element: object,
    allowed: frozenset[str],
    context: str,
) -> str | None:
    """Check one interactive element; returns its action_id (for uniqueness checks)."""
    if not isinstance(element, Mapping):
        report.add(where, "an element must be an object")
        return None
    kind = element.get("type")
    if kind not in KNOWN_ELEMENTS:
        report.add(where, f"unknown element type {kind!r}")
        return None
    if kind not in allowed:
        report.add(where, f"{kind} is not allowed in {context}")
    _check_id(report, f"{where}.action_id", element.get("action_id"), "action_id")
    if "placeholder" in element:
        report.text(
            f"{where}.placeholder",
            element["placeholder"],
            limit=PLACEHOLDER_MAX,
            plain_only=True,
            what="placeholder",
        )
    _check_confirm(report, f"{where}.confirm", element.get("confirm"))
    checker = _ELEMENT_CHECKERS.get(str(kind))
    if checker is not None:
        checker(report, where, element)
    action_id = element.get("action_id")
    return action_id if isinstance(action_id, str) else None


def _check_button(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    report.text(
        f"{where}.text",
        element.get("text"),
        limit=BUTTON_TEXT_MAX,
        plain_only=True,
        what="button text",
    )
    report.string(f"{where}.value", element.get("value"), "button value", limit=BUTTON_VALUE_MAX)
    report.string(f"{where}.url", element.get("url"), "button url", limit=URL_MAX)
    style = element.get("style")
    if style is not None and style not in ("primary", "danger"):
        report.add(f"{where}.style", f"button style {style!r} must be primary or danger")
    label = element.get("accessibility_label")
    report.string(f"{where}.accessibility_label", label, "accessibility_label", limit=75)


def _check_choices(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    # Radio buttons and checkboxes may use mrkdwn in option text.
    options = _check_options(
        report,
        f"{where}.options",
        element.get("options"),
        limit=CHOICE_OPTIONS_MAX,
        plain_only=False,
    )
    _check_initial(report, where, element, options)


def _check_static_select(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    has_options = "options" in element
    has_groups = "option_groups" in element
    if has_options == has_groups:
        report.add(where, "a static select needs exactly one of options and option_groups")
        return
    options: list[Mapping[str, Any]] = []
    if has_options:
        options = _check_options(
            report,
            f"{where}.options",
            element["options"],
            limit=SELECT_OPTIONS_MAX,
            plain_only=True,
        )
    else:
        groups = element["option_groups"]
        if not isinstance(groups, list) or not 1 <= len(groups) <= SELECT_OPTIONS_MAX:
            report.add(f"{where}.option_groups", f"needs 1 to {SELECT_OPTIONS_MAX} option groups")
            groups = groups if isinstance(groups, list) else []
        for i, group in enumerate(groups):
            gwhere = f"{where}.option_groups[{i}]"
            if not isinstance(group, Mapping):
                report.add(gwhere, "an option group must be an object")
                continue
            report.text(f"{gwhere}.label", group.get("label"), limit=75, plain_only=True)
            options += _check_options(
                report,
                f"{gwhere}.options",
                group.get("options"),
                limit=SELECT_OPTIONS_MAX,
                plain_only=True,
            )
    _check_initial(report, where, element, options)
    _check_max_selected(report, where, element)


def _check_max_selected(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    value = element.get("max_selected_items")
    if value is not None and (not isinstance(value, int) or value < 1):
        report.add(f"{where}.max_selected_items", "max_selected_items must be at least 1")


def _check_overflow(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    _check_options(
        report,
        f"{where}.options",
        element.get("options"),
        limit=OVERFLOW_OPTIONS_MAX,
        plain_only=True,
    )


def _check_plain_text_input(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    max_length = element.get("max_length")
    min_length = element.get("min_length")
    if max_length is not None and (
        not isinstance(max_length, int) or not 1 <= max_length <= INPUT_TEXT_MAX_LENGTH
    ):
        report.add(f"{where}.max_length", f"max_length {max_length!r} must be 1 to 3000")
        max_length = None
    if min_length is not None and (
        not isinstance(min_length, int) or not 0 <= min_length <= INPUT_TEXT_MAX_LENGTH
    ):
        report.add(f"{where}.min_length", f"min_length {min_length!r} must be 0 to 3000")
        min_length = None
    if isinstance(min_length, int) and isinstance(max_length, int) and min_length > max_length:
        report.add(where, f"min_length {min_length} is greater than max_length {max_length}")
    initial = element.get("initial_value")
    if initial is not None:
        if not isinstance(initial, str):
            report.add(f"{where}.initial_value", "initial_value must be a string")
        else:
            limit = max_length if isinstance(max_length, int) else INPUT_TEXT_MAX_LENGTH
            report.max_len(f"{where}.initial_value", initial, limit, "initial_value")


def _check_image_element(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    if "image_url" not in element and "slack_file" not in element:
        report.add(where, "an image needs image_url or slack_file")
    report.string(f"{where}.image_url", element.get("image_url"), "image_url", limit=URL_MAX)
    alt = element.get("alt_text")
    if not isinstance(alt, str) or not alt:
        report.add(f"{where}.alt_text", "an image needs alt_text")
    else:
        report.max_len(f"{where}.alt_text", alt, ALT_TEXT_MAX, "alt_text")


def _check_workflow_button(report: _Report, where: str, element: Mapping[str, Any]) -> None:
    report.text(
        f"{where}.text",
        element.get("text"),
        limit=BUTTON_TEXT_MAX,
        plain_only=True,
        what="button text",
    )


_ELEMENT_CHECKERS = {
    "button": _check_button,
    "workflow_button": _check_workflow_button,
    "checkboxes": _check_choices,
    "radio_buttons": _check_choices,
    "static_select": _check_static_select,
    "multi_static_select": _check_static_select,
    "overflow": _check_overflow,
    "plain_text_input": _check_plain_text_input,
    "image": _check_image_element,
    **dict.fromkeys(_MULTI_SELECTS - {"multi_static_select"}, _check_max_selected),
}


# ---------------------------------------------------------------- blocks


def _check_section(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    if "text" not in block and "fields" not in block:
        report.add(where, "a section needs text or fields")
    if "text" in block:
        report.text(f"{where}.text", block["text"], limit=SECTION_TEXT_MAX, what="section text")
    if "fields" in block:
        fields = block["fields"]
        if not isinstance(fields, list) or not fields:
            report.add(f"{where}.fields", "fields must be a non-empty list")
        else:
            if len(fields) > SECTION_FIELDS_MAX:
                report.add(
                    f"{where}.fields",
                    f"has {len(fields)} fields; the limit is {SECTION_FIELDS_MAX}",
                )
            for i, field in enumerate(fields):
                report.text(
                    f"{where}.fields[{i}]", field, limit=SECTION_FIELD_TEXT_MAX, what="field"
                )
    if "accessory" in block:
        _check_element(
            report, f"{where}.accessory", block["accessory"], ACCESSORY_ELEMENTS, "a section"
        )


def _check_header(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    report.text(
        f"{where}.text",
        block.get("text"),
        limit=HEADER_TEXT_MAX,
        plain_only=True,
        what="header text",
    )


def _check_image_block(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    _check_image_element(report, where, block)
    if "title" in block:
        report.text(f"{where}.title", block["title"], limit=2000, plain_only=True, what="title")


def _element_list(report: _Report, where: str, block: Mapping[str, Any], limit: int) -> list[Any]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        report.add(f"{where}.elements", "elements must be a non-empty list")
        return []
    if len(elements) > limit:
        report.add(f"{where}.elements", f"has {len(elements)} elements; the limit is {limit}")
    return elements


def _check_actions(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for i, element in enumerate(_element_list(report, where, block, ACTIONS_ELEMENTS_MAX)):
        ewhere = f"{where}.elements[{i}]"
        action_id = _check_element(report, ewhere, element, ACTIONS_ELEMENTS, "an actions block")
        if action_id is not None:
            if action_id in seen:
                report.add(ewhere, f"action_id {action_id!r} is repeated in this block")
            seen.add(action_id)


def _check_context(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    for i, element in enumerate(_element_list(report, where, block, CONTEXT_ELEMENTS_MAX)):
        ewhere = f"{where}.elements[{i}]"
        if isinstance(element, Mapping) and element.get("type") == "image":
            _check_image_element(report, ewhere, element)
        else:
            report.text(ewhere, element, what="context element")


def _check_input(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    report.text(
        f"{where}.label",
        block.get("label"),
        limit=INPUT_LABEL_MAX,
        plain_only=True,
        what="input label",
    )
    if "hint" in block:
        report.text(
            f"{where}.hint", block["hint"], limit=INPUT_HINT_MAX, plain_only=True, what="hint"
        )
    if "element" not in block:
        report.add(where, "an input block needs an element")
    else:
        _check_element(report, f"{where}.element", block["element"], INPUT_ELEMENTS, "an input")
    for flag in ("optional", "dispatch_action"):
        if flag in block and not isinstance(block[flag], bool):
            report.add(f"{where}.{flag}", f"{flag} must be true or false")


def _check_markdown(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        report.add(f"{where}.text", "a markdown block needs non-empty text")
    else:
        report.max_len(f"{where}.text", text, MARKDOWN_BLOCK_MAX, "markdown text")


def _check_rich_text(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    if not isinstance(block.get("elements"), list):
        report.add(f"{where}.elements", "a rich_text block needs a list of elements")


def _check_video(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    for key in ("video_url", "thumbnail_url", "alt_text"):
        if not isinstance(block.get(key), str) or not block.get(key):
            report.add(f"{where}.{key}", f"a video block needs {key}")
    report.text(f"{where}.title", block.get("title"), limit=200, plain_only=True, what="title")


def _check_nothing(report: _Report, where: str, block: Mapping[str, Any]) -> None:
    """divider and file blocks have nothing to measure."""


_BLOCK_CHECKERS = {
    "section": _check_section,
    "divider": _check_nothing,
    "file": _check_nothing,
    "header": _check_header,
    "image": _check_image_block,
    "actions": _check_actions,
    "context": _check_context,
    "input": _check_input,
    "markdown": _check_markdown,
    "rich_text": _check_rich_text,
    "video": _check_video,
}


def _check_blocks(
    report: _Report,
    where: str,
    blocks: Iterable[object],
    *,
    allowed: frozenset[str],
    surface: str,
    seen_ids: set[str],
) -> None:
    for i, block in enumerate(blocks):
        bwhere = f"{where}[{i}]"
        if not isinstance(block, Mapping):
            report.add(bwhere, "a block must be an object")
            continue
        kind = block.get("type")
        if kind not in _BLOCK_CHECKERS:
            report.add(bwhere, f"unknown block type {kind!r}")
            continue
        if kind not in allowed:
            report.add(bwhere, f"{kind} blocks are not allowed in {surface}")
        block_id = block.get("block_id")
        _check_id(report, f"{bwhere}.block_id", block_id, "block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                report.add(bwhere, f"block_id {block_id!r} is used more than once")
            seen_ids.add(block_id)
        _BLOCK_CHECKERS[str(kind)](report, bwhere, block)


# ---------------------------------------------------------------- surfaces


def check_message(payload: object) -> list[str]:
    """Check a chat.postMessage / postEphemeral / update body or a response_url body."""
    report = _Report()
    if not isinstance(payload, Mapping):
        return [f"a message must be an object, not {type(payload).__name__}"]
    text = payload.get("text")
    if text is not None:
        if not isinstance(text, str):
            report.add("text", "text must be a string")
        else:
            report.max_len("text", text, MESSAGE_MAX_TEXT, "message text")
    seen_ids: set[str] = set()
    if payload.get("blocks") is not None:
        blocks = _as_list(report, "blocks", payload["blocks"], "blocks")
        if blocks is not None:
            if len(blocks) > MESSAGE_MAX_BLOCKS:
                report.add(
                    "blocks",
                    f"a message has {len(blocks)} blocks; the limit is {MESSAGE_MAX_BLOCKS}",
                )
            _check_blocks(
                report,
                "blocks",
                blocks,
                allowed=MESSAGE_BLOCKS,
                surface="a message",
                seen_ids=seen_ids,
            )
    if payload.get("attachments") is not None:
        attachments = _as_list(report, "attachments", payload["attachments"], "attachments")
        for i, attachment in enumerate(attachments or []):
            _check_attachment(report, f"attachments[{i}]", attachment, seen_ids)
        if attachments is not None and len(attachments) > MESSAGE_MAX_ATTACHMENTS:
            report.add("attachments", f"{len(attachments)} attachments; the limit is 100")
    response_type = payload.get("response_type")
    if response_type is not None and response_type not in ("in_channel", "ephemeral"):
        report.add("response_type", f"{response_type!r} must be in_channel or ephemeral")
    return report.problems


def _check_attachment(report: _Report, where: str, attachment: object, seen: set[str]) -> None:
    if not isinstance(attachment, Mapping):
        report.add(where, "an attachment must be an object")
        return
    if attachment.get("blocks") is None:
        return
    blocks = _as_list(report, f"{where}.blocks", attachment["blocks"], "blocks")
    if blocks is None:
        return
    if len(blocks) > MESSAGE_MAX_BLOCKS:
        report.add(f"{where}.blocks", f"{len(blocks)} blocks; the limit is {MESSAGE_MAX_BLOCKS}")
    _check_blocks(
        report,
        f"{where}.blocks",
        blocks,
        allowed=MESSAGE_BLOCKS,
        surface="a message",
        seen_ids=seen,
    )


def view_size(view: Mapping[str, Any]) -> int:
    """Bytes of the view as slack_sdk serialises it (json.dumps defaults)."""
    return len(json.dumps(view).encode("utf-8"))


def check_view(view: object) -> list[str]:
    """Check a modal (views.open/push/update) or Home tab (views.publish) view."""
    report = _Report()
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return ["view is not valid JSON"]
    if not isinstance(view, Mapping):
        return [f"a view must be an object, not {type(view).__name__}"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        report.add("type", f"view type {kind!r} must be modal or home")
    size = view_size(view)
    if size >= VIEW_MAX_BYTES:
        report.add("", f"the view is {size} bytes of JSON; it must be under {VIEW_MAX_BYTES}")
    blocks = _as_list(report, "blocks", view.get("blocks"), "blocks") or []
    if len(blocks) > VIEW_MAX_BLOCKS:
        report.add("blocks", f"a view has {len(blocks)} blocks; the limit is {VIEW_MAX_BLOCKS}")
    _check_blocks(
        report, "blocks", blocks, allowed=VIEW_BLOCKS, surface=f"a {kind} view", seen_ids=set()
    )
    if kind == "modal":
        report.text("title", view.get("title"), limit=VIEW_TITLE_MAX, plain_only=True, what="title")
        has_input = any(isinstance(b, Mapping) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            report.add("submit", "a modal with input blocks needs a submit button")
    elif "title" in view:
        report.text("title", view["title"], limit=VIEW_TITLE_MAX, plain_only=True, what="title")
    for key in ("submit", "close"):
        if key in view:
            report.text(key, view[key], limit=VIEW_TITLE_MAX, plain_only=True, what=key)
    metadata = view.get("private_metadata")
    if metadata is not None:
        if not isinstance(metadata, str):
            report.add("private_metadata", "private_metadata must be a string")
        else:
            report.max_len("private_metadata", metadata, PRIVATE_METADATA_MAX, "private_metadata")
    _check_id(report, "callback_id", view.get("callback_id"), "callback_id")
    _check_id(report, "external_id", view.get("external_id"), "external_id")
    for flag in ("clear_on_close", "notify_on_close", "submit_disabled"):
        if flag in view and not isinstance(view[flag], bool):
            report.add(flag, f"{flag} must be true or false")
    return report.problems


def input_block_ids(view: Mapping[str, Any]) -> set[str]:
    """block_ids of the input blocks of a view (the only valid keys of response errors)."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return set()
    return {
        b["block_id"]
        for b in blocks
        if isinstance(b, Mapping)
        and b.get("type") == "input"
        and isinstance(b.get("block_id"), str)
    }


def check_view_submission_response(body: object, view: object = None) -> list[str]:
    """Check the body a view_submission is acknowledged with.

    `view` is the submitted view (from the payload); with it, error keys are checked against
    the view's input block_ids, since Slack rejects errors naming any other block.
    """
    if body is None or body == {}:
        return []  # a plain ack closes the view
    if not isinstance(body, Mapping):
        return [f"a response must be an object, not {type(body).__name__}"]
    report = _Report()
    action = body.get("response_action")
    if action not in RESPONSE_ACTIONS:
        report.add("response_action", f"{action!r} must be one of {sorted(RESPONSE_ACTIONS)}")
        return report.problems
    allowed_keys = {"response_action", "errors" if action == "errors" else "view"}
    for key in body:
        if key not in allowed_keys and not (action == "clear" and key == "view"):
            report.add(key, f"unexpected key for response_action {action}")
    if action == "errors":
        _check_errors(report, body.get("errors"), view)
    elif action in ("update", "push"):
        new_view = body.get("view")
        if not isinstance(new_view, Mapping):
            report.add("view", f"response_action {action} needs a view")
        else:
            if new_view.get("type") != "modal":
                report.add("view.type", "only modal views can be pushed or updated")
            for problem in check_view(new_view):
                report.add("view", problem)
    return report.problems


def _check_errors(report: _Report, errors: object, view: object) -> None:
    if not isinstance(errors, Mapping) or not errors:
        report.add("errors", "errors must be a non-empty object of block_id -> message")
        return
    valid = input_block_ids(view) if isinstance(view, Mapping) else None
    for block_id, message in errors.items():
        if not isinstance(message, str) or not message:
            report.add(f"errors.{block_id}", "an error message must be a non-empty string")
        if valid is not None and block_id not in valid:
            report.add(f"errors.{block_id}", "is not the block_id of an input block in the view")
