"""The shared Block Kit helpers: text objects, blocks, elements, limits, state readers."""

from __future__ import annotations

import pytest

from bot.slack.blocks import common
from tests.fakes.blockkit import check_message, check_view


def test_truncate_keeps_short_text_and_marks_cut_text():
    assert common.truncate("hello", 5) == "hello"
    cut = common.truncate("hello world", 6)
    assert len(cut) <= 6
    assert cut.endswith("…")


def test_escape_makes_user_text_safe_for_mrkdwn():
    assert common.escape("a <b> & c") == "a &lt;b&gt; &amp; c"


ZW = common.ZERO_WIDTH_SPACE


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("*ML Test Score: 7*", f"{ZW}*{ZW}ML Test Score: 7{ZW}*{ZW}"),
        ("_fine_", f"{ZW}_{ZW}fine{ZW}_{ZW}"),
        ("~gone~", f"{ZW}~{ZW}gone{ZW}~{ZW}"),
        ("`code`", "\u02cbcode\u02cb"),
        ("snake_case and a*b", "snake_case and a*b"),  # between letters a mark formats nothing
        ("x_", f"x{ZW}_{ZW}"),  # at the edge: whatever follows the name may close a span
    ],
)
def test_escape_leaves_no_mark_that_could_open_or_close_formatting(typed, shown):
    assert common.escape(typed) == shown


def test_escape_keeps_the_bots_own_mrkdwn_as_it_is():
    line = common.Mrkdwn("*bold* `FD1`")
    assert common.escape(line) == "*bold* `FD1`"


@pytest.mark.parametrize("typed", ["*ML Test Score: 7*", "_x_ ~y~ `z`", "**a** __b__"])
def test_escaped_text_renders_as_plain_text(typed):
    from bot.demo.mrkdwn import MrkdwnRenderer

    rendered = MrkdwnRenderer().render(f"*{common.escape('Team')}* said {common.escape(typed)}")
    assert rendered.startswith("<strong>Team</strong>")
    for tag in ("<em>", "<del>", "<code>"):
        assert tag not in rendered
    assert rendered.count("<strong>") == 1


def test_chunk_lines_never_exceeds_the_limit_and_keeps_every_line():
    lines = [f"line {i} " + "x" * 50 for i in range(200)]
    chunks = common.chunk_lines(lines, limit=500)
    assert all(len(chunk) <= 500 for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines


def test_chunk_lines_truncates_a_single_overlong_line():
    chunks = common.chunk_lines(["y" * 5000], limit=3000)
    assert len(chunks) == 1
    assert len(chunks[0]) == 3000


def test_text_helpers_cut_to_the_slack_limits():
    long = "z" * 5000
    assert (
        check_message(
            common.message(long, [common.section(long), common.header(long), common.context(long)])
        )
        == []
    )
    view = common.modal(
        callback_id="x",
        title=long,
        blocks=[
            common.input_block(
                "b", long, common.text_input("a", max_length=3000, initial=long), hint=long
            )
        ],
        submit=long,
        close=long,
    )
    assert check_view(view) == []


def test_message_refuses_more_than_fifty_blocks():
    with pytest.raises(ValueError, match="at most 50"):
        common.message("x", [common.divider()] * 51)


def test_option_refuses_a_value_slack_would_reject():
    with pytest.raises(ValueError, match="150"):
        common.option("text", "v" * 151)


def test_selected_and_typed_values_read_state_as_slack_sends_it():
    state = {
        "b1": {"a": {"type": "static_select", "selected_option": {"value": "x"}}},
        "b2": {"a": {"type": "plain_text_input", "value": None}},
        "b3": {"a": {"type": "radio_buttons", "selected_option": None}},
    }
    assert common.selected_value(state, "b1", "a") == "x"
    assert common.typed_value(state, "b2", "a") == ""
    assert common.selected_value(state, "b3", "a") is None
    assert common.selected_value(state, "missing", "a") is None
