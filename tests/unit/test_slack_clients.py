"""Which Slack errors leave a request's outcome unknown, and which retries the handlers grant.

Posting twice is worse than posting once and saying so: a message-creating call is not repeated
after a read timeout, a dropped connection or a 504; every other call is, and so is a post whose
connection never opened (the request never reached Slack).
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import HTTPError, URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.metrics import Metrics
from bot.slack.clients import POSTING_METHODS, is_unconfirmed, rate_limit_wait, retry_handlers


def api_error(status: int, error: str = "internal_error") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError("failed", response)


def http_error(status: int) -> HTTPError:
    return HTTPError("https://slack.com/api/chat.postMessage", status, "x", {}, None)  # type: ignore[arg-type]


UNCONFIRMED: list[BaseException] = [
    TimeoutError("The read operation timed out"),
    RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError(104, "Connection reset by peer"),
    api_error(504),
    http_error(504),
]
CONFIRMED_OR_NEVER_SENT: list[BaseException] = [
    URLError(TimeoutError("timed out")),  # the connect timed out
    URLError(socket.gaierror(-2, "Name or service not known")),
    URLError(ConnectionRefusedError(111, "Connection refused")),
    URLError(ConnectionResetError(104, "Connection reset by peer")),  # while sending
    api_error(500),
    api_error(503, "service_unavailable"),
    api_error(429, "ratelimited"),
    api_error(200, "channel_not_found"),
    http_error(503),
    ValueError("not a network error"),
]


@pytest.mark.parametrize("error", UNCONFIRMED, ids=repr)
def test_an_unanswered_request_is_unconfirmed(error: BaseException) -> None:
    assert is_unconfirmed(error)


@pytest.mark.parametrize("error", CONFIRMED_OR_NEVER_SENT, ids=repr)
def test_an_answer_or_a_request_that_never_left_is_not_unconfirmed(error: BaseException) -> None:
    assert not is_unconfirmed(error)


def test_the_posting_methods_are_the_ones_that_create_a_message() -> None:
    assert {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",
    } == POSTING_METHODS


def request(method: str) -> HttpRequest:
    return HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})


def granted(
    method: str,
    *,
    error: Exception | None = None,
    status: int | None = None,
    metrics: Metrics | None = None,
) -> list[int]:
    """Which of the client's handlers (by position) would retry this first attempt."""
    response = None if status is None else HttpResponse(status_code=status, headers={})
    found = []
    for index, handler in enumerate(retry_handlers(metrics=metrics)):
        if handler.can_retry(
            state=RetryState(), request=request(method), response=response, error=error
        ):
            found.append(index)
    return found


RATE, SERVER, CONNECTION = 0, 1, 2
NOT_POSTING = ["views.update", "conversations.open", "files.getUploadURLExternal", "chat.update"]
ANSWERLESS: list[Exception] = [
    TimeoutError("The read operation timed out"),
    RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError(104, "Connection reset by peer"),
]


@pytest.mark.parametrize("method", sorted(POSTING_METHODS))
@pytest.mark.parametrize("error", ANSWERLESS, ids=repr)
def test_a_post_without_an_answer_is_not_retried(method: str, error: Exception) -> None:
    assert granted(method, error=error) == []


@pytest.mark.parametrize("method", NOT_POSTING)
@pytest.mark.parametrize("error", ANSWERLESS, ids=repr)
def test_other_methods_without_an_answer_are_retried(method: str, error: Exception) -> None:
    assert granted(method, error=error) == [CONNECTION]


@pytest.mark.parametrize("method", ["chat.postMessage", "views.update"])
def test_a_connection_that_never_opened_is_retried_for_every_method(method: str) -> None:
    assert granted(method, error=URLError(TimeoutError("timed out"))) == [CONNECTION]
    assert granted(method, error=URLError(ConnectionRefusedError(111, "refused"))) == [CONNECTION]


def test_a_504_to_a_post_is_not_retried_but_other_5xx_are() -> None:
    assert granted("chat.postMessage", status=504) == []
    assert granted("files.completeUploadExternal", status=504) == []
    for status in (500, 502, 503):
        assert granted("chat.postMessage", status=status) == [SERVER]
    assert granted("views.update", status=504) == [SERVER]


def test_the_method_is_read_from_a_url_with_a_query_string() -> None:
    url = "https://slack.com/api/chat.postMessage?team_id=T1"
    handlers = retry_handlers()
    args: dict[str, Any] = {"state": RetryState(), "error": TimeoutError("timed out")}
    req = HttpRequest(method="POST", url=url, headers={})
    assert not any(h.can_retry(request=req, **args) for h in handlers)


def test_counted_handlers_make_the_same_decisions() -> None:
    metrics = Metrics(include_process=False)
    assert granted("chat.postMessage", error=TimeoutError("t"), metrics=metrics) == []
    assert granted("chat.postMessage", status=504, metrics=metrics) == []
    assert granted("views.update", error=TimeoutError("t"), metrics=metrics) == [CONNECTION]
    assert granted("chat.postMessage", status=503, metrics=metrics) == [SERVER]
    assert granted("chat.postMessage", status=429, metrics=metrics) == [RATE]


@pytest.mark.parametrize(
    ("retry_after", "retried"), [("1", True), ("30", True), ("31", False), ("200", False)]
)
def test_a_429_is_waited_out_only_up_to_the_cap(retry_after: str, retried: bool) -> None:
    response = HttpResponse(status_code=429, headers={"Retry-After": retry_after})
    handler = retry_handlers()[RATE]
    assert (
        handler.can_retry(
            state=RetryState(), request=request("chat.postMessage"), response=response
        )
        is retried
    )


def test_the_wait_slack_asked_for_is_read_from_a_failed_call() -> None:
    def failed(status: int, headers: dict[str, Any]) -> SlackApiError:
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url="https://slack.com/api/chat.postMessage",
            req_args={},
            data={"ok": False, "error": "ratelimited"},
            headers=headers,
            status_code=status,
        )
        return SlackApiError("ratelimited", response)

    assert rate_limit_wait(failed(429, {"retry-after": "200"})) == 200
    assert rate_limit_wait(failed(429, {})) == 1
    assert rate_limit_wait(failed(500, {"Retry-After": "5"})) is None
    assert rate_limit_wait(TimeoutError("t")) is None
