"""What an ack function passes on to its work function, and which headers are internal."""

from __future__ import annotations

import logging

import pytest
from slack_bolt import BoltContext

from bot.slack.handoff import is_internal_header, pass_on, passed, work


def test_pass_on_merges_values_and_passed_reads_them_back() -> None:
    context = BoltContext()
    assert passed(context) == {}
    pass_on(context, team_id=3)
    pass_on(context, assessment_id=7)
    assert passed(context) == {"team_id": 3, "assessment_id": 7}


def test_pass_on_refuses_what_could_not_cross_to_the_work_process() -> None:
    context = BoltContext()
    with pytest.raises(TypeError):
        pass_on(context, when=object())
    assert passed(context) == {}


@pytest.mark.parametrize(
    ("name", "internal"),
    [
        ("X-Slack-Bolt-Lazy-Only", True),
        ("x-slack-bolt-lazy-function-name", True),
        ("X-Mlscore-Handoff", True),
        ("X-Slack-Signature", False),
        ("x-slack-request-timestamp", False),
        ("content-type", False),
    ],
)
def test_internal_headers_are_told_apart_from_slacks(name: str, internal: bool) -> None:
    assert is_internal_header(name) is internal


def test_a_failing_work_function_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @work
    def after(body: dict[str, str]) -> None:
        raise KeyError(body["missing"])

    with caplog.at_level(logging.ERROR):
        after(body={})
    (record,) = caplog.records
    assert "after" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
