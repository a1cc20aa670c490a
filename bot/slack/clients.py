"""Slack Web API clients that survive a bad minute at Slack.

slack_sdk retries nothing unless told to: 429s need RateLimitErrorRetryHandler, 5xx and
timeouts need their own handlers. Every client the bot builds goes through here.

Slack has no idempotency key for the calls that create a message, so those are sent at most
once when the outcome is ambiguous: a read timeout, a connection dropped after the request went
out, or a 504 may each hide a post that did land. The bot has no history scope to look, and a
doubled message in a team's channel is worse than one the user is told may be missing. Errors
from which Slack cannot have acted (429, 500/502/503, a failed connect) are still retried.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
)
from slack_sdk.http_retry.jitter import RandomJitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.metrics import Metrics

RETRIED_STATUSES = frozenset({500, 502, 503, 504})
UNCONFIRMED_STATUS = 504
"""The gateway gave up waiting: Slack may still have done what was asked."""

POSTING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",  # shares the uploaded files into the channel
    }
)
"""Web API methods that create a message: never repeated after an unconfirmed attempt."""

MAX_RETRY_AFTER_SECONDS = 30
"""The longest Retry-After a call waits out. Past it the call fails at once: a tick leaves the
message pending for a later tick, a person is told, and no thread sleeps for minutes."""

MAX_TOTAL_RETRY_AFTER_SECONDS = 30
"""The longest one call waits out in all, over all its retries: two 25 s Retry-Afters in a
row fail the call after the first instead of holding it for 50 s."""

# Raised while reading the answer, after urllib sent the whole request. socket.timeout is an
# alias of TimeoutError; RemoteDisconnected is a ConnectionResetError, named for the reader.
_UNANSWERED = (TimeoutError, RemoteDisconnected, ConnectionResetError)


def is_unconfirmed(error: BaseException) -> bool:
    """True when the request may have reached Slack but no answer came back.

    urllib wraps whatever fails while connecting or sending (a connect timeout, DNS, a refused
    connection) in URLError: the request never arrived whole, so repeating it is safe. What
    fails while reading the answer surfaces bare (slack_sdk re-raises it as it is): a read
    timeout as TimeoutError, a dropped connection as RemoteDisconnected or ConnectionResetError.
    A 504 comes back as a SlackApiError whose response has that status.
    """
    if isinstance(error, SlackApiError):
        return getattr(error.response, "status_code", None) == UNCONFIRMED_STATUS
    if isinstance(error, HTTPError):  # a URLError that carries an answer
        return error.code == UNCONFIRMED_STATUS
    if isinstance(error, URLError):
        return False
    return isinstance(error, _UNANSWERED)


def _posts(request: HttpRequest) -> bool:
    return _method_of(request.url) in POSTING_METHODS


def retry_after_seconds(headers: Mapping[str, Any]) -> float | None:
    """The Retry-After of a 429's headers (names in any case, values as strings or lists)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(first))
            except (TypeError, ValueError):
                return None
    return None


def rate_limit_wait(error: BaseException) -> float | None:
    """For a 429 that came back as a SlackApiError: the seconds Slack asked to wait (1 when it
    did not say). None for any other error."""
    if not isinstance(error, SlackApiError) or error.response is None:
        return None
    if getattr(error.response, "status_code", None) != 429:
        return None
    wait = retry_after_seconds(getattr(error.response, "headers", None) or {})
    return 1.0 if wait is None else wait


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out a 429 only when its Retry-After is at most `max_wait` seconds and the call's
    waits stay within `max_total` in all. The wait ends early when `stop` is set (the process
    is shutting down): the call then fails with the 429, as one past the cap does."""

    def __init__(
        self,
        *,
        max_retry_count: int = 1,
        max_wait: float = MAX_RETRY_AFTER_SECONDS,
        max_total: float = MAX_TOTAL_RETRY_AFTER_SECONDS,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.max_total = max_total
        self.stop = stop

    def __deepcopy__(self, memo: dict[int, object]) -> CappedRateLimitRetryHandler:
        # Bolt deep-copies a listener's client; the handler keeps no per-call state (that is
        # in RetryState) and its stop signal is the process's, shared, not copied.
        return self

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        if self.stop is not None and self.stop.is_set():
            return False
        wait = _asked_wait(response)
        return wait <= self.max_wait and _waited(state) + wait <= self.max_total

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("a 429 retry without a response")
        wait = _asked_wait(response)
        # Jitter, so that callers rate limited together do not come back together; it does not
        # count against the caps, which are about what Slack asked for.
        pause = wait + random.random() / 2  # noqa: S311  # jitter, not a secret
        state.custom_values = {**(state.custom_values or {}), _WAITED: _waited(state) + wait}
        interrupted = self.stop.wait(pause) if self.stop is not None else _sleep(pause)
        if interrupted:
            return  # no next attempt: the call fails with this 429
        state.next_attempt_requested = True
        state.increment_current_attempt()


_WAITED = "mlscore_retry_after_waited"


def _asked_wait(response: HttpResponse) -> float:
    wait = retry_after_seconds(response.headers)
    return 1.0 if wait is None else wait


def _waited(state: RetryState) -> float:
    return float((state.custom_values or {}).get(_WAITED, 0.0))


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


class ServerTroubleRetryHandler(ServerErrorRetryHandler):
    """Retries every transient 5xx with exponential backoff, not only 500 and 503, except a 504
    to a method that posts (Slack may have posted it)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code not in RETRIED_STATUSES:
            return False
        return not (response.status_code == UNCONFIRMED_STATUS and _posts(request))


class ConnectionTroubleRetryHandler(ConnectionErrorRetryHandler):
    """Retries connection trouble, except an unanswered request to a method that posts."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is not None and is_unconfirmed(error) and _posts(request):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class CountedRetries(RetryHandler):
    """Wraps a retry handler so that each retry it grants shows in the metrics."""

    def __init__(self, inner: RetryHandler, reason: str, metrics: Metrics) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self._inner = inner
        self._reason = reason
        self._metrics = metrics

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self._inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self._metrics.slack_api_retry(_method_of(request.url), self._reason)
        self._inner.prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )


def _method_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class InstrumentedWebClient(WebClient):
    """Counts every Web API call that ends in an error, by method and error."""

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            self._metrics.slack_api_error(api_method, str(error.response.get("error", "unknown")))
            raise
        except (OSError, URLError) as error:
            self._metrics.slack_api_error(api_method, type(error).__name__)
            raise


def retry_handlers(
    *,
    attempts: int = 2,
    backoff: float = 0.5,
    metrics: Metrics | None = None,
    stop: threading.Event | None = None,
) -> list[RetryHandler]:
    handlers = _plain_retry_handlers(attempts=attempts, backoff=backoff, stop=stop)
    if metrics is None:
        return handlers
    reasons = ("ratelimited", "server_error", "connection")
    return [CountedRetries(h, r, metrics) for h, r in zip(handlers, reasons, strict=True)]


def _plain_retry_handlers(
    *, attempts: int, backoff: float, stop: threading.Event | None = None
) -> list[RetryHandler]:
    calculator = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=RandomJitter())
    return [
        CappedRateLimitRetryHandler(max_retry_count=attempts, stop=stop),
        ServerTroubleRetryHandler(max_retry_count=attempts, interval_calculator=calculator),
        ConnectionTroubleRetryHandler(
            max_retry_count=attempts,
            interval_calculator=calculator,
            # A read timeout surfaces as TimeoutError, which the default list misses.
            error_types=[URLError, *_UNANSWERED],
        ),
    ]


def make_web_client(
    token: str | None,
    *,
    base_url: str,
    timeout: int = 10,
    attempts: int = 2,
    backoff: float = 0.5,
    metrics: Metrics | None = None,
    stop: threading.Event | None = None,
) -> WebClient:
    """A client whose 429 waits end when `stop` is set (the process is shutting down)."""
    handlers = retry_handlers(attempts=attempts, backoff=backoff, metrics=metrics, stop=stop)
    if metrics is None:
        return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)
    return InstrumentedWebClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers, metrics=metrics
    )
