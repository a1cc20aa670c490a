"""The fake Slack's Block Kit checker: each limit accepts the edge and flags one step past it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.blockkit import (
    check_message,
    check_view,
    check_view_submission_response,
    view_size,
)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str | None = None, *, kind: str = "plain_text") -> dict[str, Any]:
    return {"text": {"type": kind, "text": text}, "value": value if value is not None else text}


def options(n: int) -> list[dict[str, Any]]:
    return [option(f"o{i}") for i in range(n)]


def section(text: str = "hello") -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": "go", **extra}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def input_block(element: dict[str, Any], block_id: str = "in", **extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Label"),
        "element": element,
        **extra,
    }


def text_input(**extra: Any) -> dict[str, Any]:
    return {"type": "plain_text_input", "action_id": "t", **extra}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": plain("Assess"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }
    view.update(extra)
    return view


def message(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"text": "fallback", "blocks": list(blocks)}


# Each case: a message that is fine, one that breaks the rule, and words the violation contains.
MESSAGE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "50 blocks per message": (
        message(*[section() for _ in range(50)]),
        message(*[section() for _ in range(51)]),
        "limit is 50",
    ),
    "section text 3000": (
        message(section("x" * 3000)),
        message(section("x" * 3001)),
        "section text is 3001",
    ),
    "section needs text or fields": (
        message({"type": "section", "fields": [mrkdwn("a")]}),
        message({"type": "section"}),
        "needs text or fields",
    ),
    "10 fields": (
        message({"type": "section", "fields": [mrkdwn("f")] * 10}),
        message({"type": "section", "fields": [mrkdwn("f")] * 11}),
        "11 fields",
    ),
    "field text 2000": (
        message({"type": "section", "fields": [mrkdwn("f" * 2000)]}),
        message({"type": "section", "fields": [mrkdwn("f" * 2001)]}),
        "field is 2001",
    ),
    "header text 150": (
        message({"type": "header", "text": plain("h" * 150)}),
        message({"type": "header", "text": plain("h" * 151)}),
        "header text is 151",
    ),
    "header is plain_text": (
        message({"type": "header", "text": plain("Scorecard")}),
        message({"type": "header", "text": mrkdwn("*Scorecard*")}),
        "must be plain_text",
    ),
    "context 10 elements": (
        message({"type": "context", "elements": [mrkdwn("c")] * 10}),
        message({"type": "context", "elements": [mrkdwn("c")] * 11}),
        "11 elements",
    ),
    "actions 25 elements": (
        message(actions(*[button(action_id=f"b{i}") for i in range(25)])),
        message(actions(*[button(action_id=f"b{i}") for i in range(26)])),
        "26 elements",
    ),
    "action_id unique within a block": (
        message(actions(button(action_id="a"), button(action_id="b"))),
        message(actions(button(action_id="a"), button(action_id="a"))),
        "repeated",
    ),
    "button text 75": (
        message(actions(button("b" * 75))),
        message(actions(button("b" * 76))),
        "button text is 76",
    ),
    "button text is plain_text": (
        message(actions(button())),
        message(actions({"type": "button", "text": mrkdwn("*Go*"), "action_id": "go"})),
        "must be plain_text",
    ),
    "button value 2000": (
        message(actions(button(value="v" * 2000))),
        message(actions(button(value="v" * 2001))),
        "button value is 2001",
    ),
    "button style": (
        message(actions(button(style="primary"))),
        message(actions(button(style="green"))),
        "primary or danger",
    ),
    "block_id 255": (
        message({"type": "divider", "block_id": "b" * 255}),
        message({"type": "divider", "block_id": "b" * 256}),
        "block_id is 256",
    ),
    "action_id 255": (
        message(actions(button(action_id="a" * 255))),
        message(actions(button(action_id="a" * 256))),
        "action_id is 256",
    ),
    "block_ids unique in a message": (
        message({"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "b"}),
        message({"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}),
        "more than once",
    ),
    "unknown block type": (
        message({"type": "divider"}),
        message({"type": "carousel"}),
        "unknown block type 'carousel'",
    ),
    "unknown element type": (
        message(actions(button())),
        message(actions({"type": "slider", "action_id": "s"})),
        "unknown element type 'slider'",
    ),
    "text object type": (
        message(section("ok")),
        message({"type": "section", "text": {"type": "markdown", "text": "x"}}),
        "must be plain_text or mrkdwn",
    ),
    "text object non-empty": (
        message(section("ok")),
        message(section("")),
        "non-empty text",
    ),
    "emoji only on plain_text": (
        message({"type": "section", "text": {"type": "plain_text", "text": "x", "emoji": True}}),
        message({"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}),
        "only allowed on plain_text",
    ),
    "static_select 100 options": (
        message(actions({"type": "static_select", "action_id": "s", "options": options(100)})),
        message(actions({"type": "static_select", "action_id": "s", "options": options(101)})),
        "101 options",
    ),
    "select option text is plain_text": (
        message(actions({"type": "static_select", "action_id": "s", "options": [option("a")]})),
        message(
            actions(
                {
                    "type": "static_select",
                    "action_id": "s",
                    "options": [option("a", kind="mrkdwn")],
                }
            )
        ),
        "must be plain_text",
    ),
    "overflow 5 options": (
        message(actions({"type": "overflow", "action_id": "o", "options": options(5)})),
        message(actions({"type": "overflow", "action_id": "o", "options": options(6)})),
        "6 options",
    ),
    "message text 40000": (
        {"text": "t" * 40_000},
        {"text": "t" * 40_001},
        "message text is 40001",
    ),
    "image alt_text required": (
        message({"type": "image", "image_url": "https://x/y.png", "alt_text": "chart"}),
        message({"type": "image", "image_url": "https://x/y.png"}),
        "needs alt_text",
    ),
    "attachment blocks are checked": (
        {"attachments": [{"blocks": [section("fine")]}]},
        {"attachments": [{"blocks": [section("x" * 3001)]}]},
        "attachments[0].blocks[0].text",
    ),
    "blocks sent as a JSON string must parse": (
        {"blocks": '[{"type": "divider"}]'},
        {"blocks": "[{not json"},
        "not valid JSON",
    ),
    "response_type of response_url bodies": (
        {"text": "x", "response_type": "ephemeral"},
        {"text": "x", "response_type": "public"},
        "in_channel or ephemeral",
    ),
    "input blocks in messages are checked too": (
        message(input_block(text_input())),
        message(input_block({"type": "button", "text": plain("x"), "action_id": "b"})),
        "button is not allowed in an input",
    ),
}


@pytest.mark.parametrize("rule", list(MESSAGE_CASES))
def test_message_rule_accepts_a_valid_payload_and_flags_a_broken_one(rule: str) -> None:
    good, bad, expected = MESSAGE_CASES[rule]
    assert check_message(good) == []
    problems = check_message(bad)
    assert any(expected in p for p in problems), problems


def choice_input(kind: str, n: int, **extra: Any) -> dict[str, Any]:
    return input_block({"type": kind, "action_id": "c", "options": options(n), **extra})


VIEW_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "100 blocks per modal": (
        modal([section() for _ in range(100)]),
        modal([section() for _ in range(101)]),
        "limit is 100",
    ),
    "100 blocks per home view": (
        {"type": "home", "blocks": [section() for _ in range(100)]},
        {"type": "home", "blocks": [section() for _ in range(101)]},
        "limit is 100",
    ),
    "view type": (
        {"type": "home", "blocks": []},
        {"type": "workflow_step", "blocks": []},
        "must be modal or home",
    ),
    "title 24": (
        modal([], title=plain("t" * 24)),
        modal([], title=plain("t" * 25)),
        "title is 25",
    ),
    "title required on a modal": (
        modal([]),
        {"type": "modal", "blocks": []},
        "title is required",
    ),
    "title is plain_text": (
        modal([]),
        modal([], title=mrkdwn("*Assess*")),
        "must be plain_text",
    ),
    "submit 24": (
        modal([], submit=plain("s" * 24)),
        modal([], submit=plain("s" * 25)),
        "submit is 25",
    ),
    "close 24": (
        modal([], close=plain("c" * 24)),
        modal([], close=plain("c" * 25)),
        "close is 25",
    ),
    "submit required with inputs": (
        {"type": "modal", "title": plain("T"), "blocks": [section()]},
        {"type": "modal", "title": plain("T"), "blocks": [input_block(text_input())]},
        "needs a submit button",
    ),
    "private_metadata 3000": (
        modal([], private_metadata="m" * 3000),
        modal([], private_metadata="m" * 3001),
        "private_metadata is 3001",
    ),
    "callback_id 255": (
        modal([], callback_id="c" * 255),
        modal([], callback_id="c" * 256),
        "callback_id is 256",
    ),
    "block_ids unique in a view": (
        modal([input_block(text_input(), "a"), input_block(text_input(), "b")]),
        modal([input_block(text_input(), "a"), input_block(text_input(), "a")]),
        "more than once",
    ),
    "radio_buttons 10 options": (
        modal([choice_input("radio_buttons", 10)]),
        modal([choice_input("radio_buttons", 11)]),
        "11 options",
    ),
    "checkboxes 10 options": (
        modal([choice_input("checkboxes", 10)]),
        modal([choice_input("checkboxes", 11)]),
        "11 options",
    ),
    "option text 75": (
        modal(
            [
                input_block(
                    {"type": "radio_buttons", "action_id": "r", "options": [option("o" * 75, "v")]}
                )
            ]
        ),
        modal(
            [
                input_block(
                    {"type": "radio_buttons", "action_id": "r", "options": [option("o" * 76, "v")]}
                )
            ]
        ),
        "text is 76",
    ),
    "option value 150": (
        modal(
            [
                input_block(
                    {"type": "radio_buttons", "action_id": "r", "options": [option("o", "v" * 150)]}
                )
            ]
        ),
        modal(
            [
                input_block(
                    {"type": "radio_buttons", "action_id": "r", "options": [option("o", "v" * 151)]}
                )
            ]
        ),
        "option value is 151",
    ),
    "radio option text may be mrkdwn but must be a text object": (
        modal(
            [
                input_block(
                    {
                        "type": "radio_buttons",
                        "action_id": "r",
                        "options": [option("*a*", "a", kind="mrkdwn")],
                    }
                )
            ]
        ),
        modal(
            [
                input_block(
                    {
                        "type": "radio_buttons",
                        "action_id": "r",
                        "options": [{"text": "a", "value": "a"}],
                    }
                )
            ]
        ),
        "must be a text object",
    ),
    "initial_option must be one of the options": (
        modal([choice_input("radio_buttons", 3, initial_option=option("o1"))]),
        modal([choice_input("radio_buttons", 3, initial_option=option("o9"))]),
        "not one of the options",
    ),
    "initial_options must be among the options": (
        modal([choice_input("checkboxes", 3, initial_options=[option("o0"), option("o2")])]),
        modal([choice_input("checkboxes", 3, initial_options=[option("o0", "other")])]),
        "not one of the options",
    ),
    "select initial_option in option groups": (
        modal(
            [
                input_block(
                    {
                        "type": "static_select",
                        "action_id": "s",
                        "option_groups": [{"label": plain("G"), "options": options(2)}],
                        "initial_option": option("o1"),
                    }
                )
            ]
        ),
        modal(
            [
                input_block(
                    {
                        "type": "static_select",
                        "action_id": "s",
                        "option_groups": [{"label": plain("G"), "options": options(2)}],
                        "initial_option": option("o5"),
                    }
                )
            ]
        ),
        "not one of the options",
    ),
    "plain_text_input max_length 1..3000": (
        modal([input_block(text_input(max_length=3000))]),
        modal([input_block(text_input(max_length=3001))]),
        "must be 1 to 3000",
    ),
    "plain_text_input max_length at least 1": (
        modal([input_block(text_input(max_length=1))]),
        modal([input_block(text_input(max_length=0))]),
        "must be 1 to 3000",
    ),
    "plain_text_input min_length <= max_length": (
        modal([input_block(text_input(min_length=10, max_length=10))]),
        modal([input_block(text_input(min_length=11, max_length=10))]),
        "greater than max_length",
    ),
    "initial_value fits max_length": (
        modal([input_block(text_input(max_length=5, initial_value="12345"))]),
        modal([input_block(text_input(max_length=5, initial_value="123456"))]),
        "initial_value is 6",
    ),
    "input label 2000": (
        modal([{**input_block(text_input()), "label": plain("l" * 2000)}]),
        modal([{**input_block(text_input()), "label": plain("l" * 2001)}]),
        "input label is 2001",
    ),
    "input label is plain_text": (
        modal([input_block(text_input())]),
        modal([{**input_block(text_input()), "label": mrkdwn("*Note*")}]),
        "must be plain_text",
    ),
    "hint 2000": (
        modal([input_block(text_input(), hint=plain("h" * 2000))]),
        modal([input_block(text_input(), hint=plain("h" * 2001))]),
        "hint is 2001",
    ),
    "hint is plain_text": (
        modal([input_block(text_input(), hint=plain("why"))]),
        modal([input_block(text_input(), hint=mrkdwn("_why_"))]),
        "must be plain_text",
    ),
    "input needs an element": (
        modal([input_block(text_input())]),
        modal([{"type": "input", "label": plain("L")}]),
        "needs an element",
    ),
    "file blocks only in messages": (
        modal([section()]),
        modal([{"type": "file", "external_id": "x", "source": "remote"}]),
        "not allowed in a modal view",
    ),
    "view JSON under 250 kB": (
        modal([section("x" * 2000) for _ in range(100)]),
        modal([section("\u00e9" * 500) for _ in range(100)]),
        "bytes of JSON",
    ),
}


@pytest.mark.parametrize("rule", list(VIEW_CASES))
def test_view_rule_accepts_a_valid_view_and_flags_a_broken_one(rule: str) -> None:
    good, bad, expected = VIEW_CASES[rule]
    assert check_view(good) == []
    problems = check_view(bad)
    assert any(expected in p for p in problems), problems


def test_view_size_counts_escaped_non_ascii_the_way_slack_sdk_sends_it() -> None:
    # json.dumps escapes each non-ASCII character to six bytes (\u00e9), so 500 of them are
    # 3,000 bytes although the text is only 500 characters long.
    small = modal([section("e" * 500)])
    accented = modal([section("\u00e9" * 500)])
    assert view_size(accented) - view_size(small) == 500 * 5


def test_violations_name_where_the_problem_is() -> None:
    problems = check_view(modal([section(), input_block(text_input(max_length=0), "note")]))
    assert problems == ["blocks[1].element.max_length: max_length 0 must be 1 to 3000"]


def test_a_non_object_payload_is_a_violation_not_an_exception() -> None:
    assert check_message(["not", "a", "dict"]) == ["a message must be an object, not list"]
    assert check_view("{broken") == ["view is not valid JSON"]
    assert check_message({"blocks": [None, "x"]}) == [
        "blocks[0]: a block must be an object",
        "blocks[1]: a block must be an object",
    ]


SUBMITTED = modal(
    [section(), input_block(text_input(), "note"), input_block(text_input(), "stage")]
)


def test_errors_response_naming_input_blocks_is_accepted() -> None:
    body = {"response_action": "errors", "errors": {"note": "Too long", "stage": "Pick one"}}
    assert check_view_submission_response(body, SUBMITTED) == []


def test_errors_response_naming_a_missing_or_non_input_block_is_flagged() -> None:
    section_id = {
        **SUBMITTED,
        "blocks": [{**section(), "block_id": "intro"}, *SUBMITTED["blocks"][1:]],
    }
    body = {"response_action": "errors", "errors": {"intro": "x", "nope": "y"}}
    problems = check_view_submission_response(body, section_id)
    assert problems == [
        "errors.intro: is not the block_id of an input block in the view",
        "errors.nope: is not the block_id of an input block in the view",
    ]


def test_errors_response_needs_non_empty_messages() -> None:
    assert check_view_submission_response({"response_action": "errors", "errors": {}}) != []
    body = {"response_action": "errors", "errors": {"note": ""}}
    assert check_view_submission_response(body, SUBMITTED) == [
        "errors.note: an error message must be a non-empty string"
    ]


@pytest.mark.parametrize("action", ["update", "push"])
def test_update_and_push_responses_carry_a_valid_modal(action: str) -> None:
    assert (
        check_view_submission_response({"response_action": action, "view": modal([section()])})
        == []
    )
    assert check_view_submission_response({"response_action": action}) == [
        f"view: response_action {action} needs a view"
    ]
    broken = modal([section()], title=plain("t" * 30))
    assert check_view_submission_response({"response_action": action, "view": broken}) == [
        "view: title: title is 30 characters; the limit is 24"
    ]
    home = {"type": "home", "blocks": []}
    assert check_view_submission_response({"response_action": action, "view": home}) == [
        "view.type: only modal views can be pushed or updated"
    ]


def test_clear_and_empty_acks_are_valid_and_unknown_actions_are_not() -> None:
    assert check_view_submission_response({"response_action": "clear"}) == []
    assert check_view_submission_response(None) == []
    assert check_view_submission_response({}) == []
    assert check_view_submission_response({"response_action": "close"}) != []
