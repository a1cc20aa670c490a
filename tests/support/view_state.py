"""A view's `state.values` filled in the way Slack fills it when a person submits the view.

`fill_state` is what the end-to-end driver sends (input and actions blocks, unknown options
refused); `slack_state` is what the block tests parse (input blocks, an unset value as None,
an option that is not offered passed through, so a parser can be shown refusing it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _option_state(element: Mapping[str, Any], value: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"type": element["type"]}
    if value is None:
        state["selected_option"] = None
        return state
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option["value"] == value:
            state["selected_option"] = option
            return state
    raise AssertionError(f"{value!r} is not an option of {element.get('action_id')}")


def fill_state(
    view: Mapping[str, Any], values: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """The view with `state.values` filled as Slack fills it.

    `values` maps block_id to the value to choose or type; every other input keeps its initial
    value, which is what Slack reports for an untouched element.
    """
    values = dict(values or {})
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        elements: list[Mapping[str, Any]] = []
        if block.get("type") == "input":
            elements = [block["element"]]
        elif block.get("type") == "actions":
            elements = [e for e in block.get("elements", []) if e.get("type") != "button"]
        for element in elements:
            block_id = block["block_id"]
            key = block_id if block.get("type") == "input" else f"{block_id}/{element['action_id']}"
            kind = element["type"]
            if kind == "plain_text_input":
                value = values.get(key, element.get("initial_value"))
                entry: dict[str, Any] = {"type": kind, "value": value}
            elif kind in ("radio_buttons", "static_select"):
                initial = element.get("initial_option")
                chosen = values.get(key, initial["value"] if initial else None)
                entry = _option_state(element, chosen)
            elif kind == "users_select":
                entry = {
                    "type": kind,
                    "selected_user": values.get(key, element.get("initial_user")),
                }
            elif kind == "datepicker":
                entry = {
                    "type": kind,
                    "selected_date": values.get(key, element.get("initial_date")),
                }
            else:
                continue
            state.setdefault(block_id, {})[element["action_id"]] = entry
    filled = dict(view)
    filled["state"] = {"values": state}
    return filled


def slack_state(view: dict[str, Any], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `view` with state.values as Slack sends it.

    Every input block reports its element: selects and radios as `selected_option` (the initial
    option unless changed, None when unset), text inputs as `value` (None when empty). `changes`
    maps block_id to a new value: an option value (str) for selects/radios, the text for inputs,
    or None to clear.
    """
    changes = changes or {}
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        kind = element["type"]
        if kind in ("radio_buttons", "static_select"):
            selected = element.get("initial_option")
            if block_id in changes:
                wanted = changes[block_id]
                selected = next(
                    (o for o in element["options"] if o["value"] == wanted),
                    None
                    if wanted is None
                    else {"text": {"type": "plain_text", "text": "?"}, "value": wanted},
                )
            values[block_id] = {element["action_id"]: {"type": kind, "selected_option": selected}}
        elif kind == "plain_text_input":
            value = changes.get(block_id, element.get("initial_value"))
            values[block_id] = {
                element["action_id"]: {"type": kind, "value": value if value else None}
            }
    filled = dict(view)
    filled["state"] = {"values": values}
    filled["id"] = "V0001"
    filled["hash"] = "1700000000.abcd"
    return filled
