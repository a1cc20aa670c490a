"""What crosses from the web process to the work process, and what an ack function passes on."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltContext, BoltRequest

from bot.slack.handoff import HANDOFF_KEY, is_internal_header, pass_on, passed, work
from bot.workproc import message_for, request_from


def _command_request() -> BoltRequest:
    body = urlencode({"command": "/mlscore", "text": "scorecard «Visión»", "team_id": "T1"})
    request = BoltRequest(
        body=body,
        query={"a": ["1"]},
        headers={"content-type": "application/x-www-form-urlencoded", "x-slack-signature": "v0=x"},
    )
    request.lazy_function_name = "handle_mlscore"
    request.context[HANDOFF_KEY] = {"assessment_id": 7, "team_id": 3}
    return request


def test_a_handed_over_request_arrives_as_a_lazy_only_request_with_what_was_passed_on() -> None:
    sent = _command_request()
    got = request_from(message_for(sent))
    assert got.raw_body == sent.raw_body
    assert got.body["text"] == "scorecard «Visión»"
    assert got.query == {"a": ["1"]}
    assert got.headers["x-slack-signature"] == ["v0=x"]
    assert got.lazy_only is True
    assert got.lazy_function_name == "handle_mlscore"
    assert passed(got.context) == {"assessment_id": 7, "team_id": 3}


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
