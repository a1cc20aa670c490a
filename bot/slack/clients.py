"""Slack Web API clients that survive a bad minute at Slack.

slack_sdk retries nothing unless told to: 429s need RateLimitErrorRetryHandler, 5xx and
timeouts need their own handlers. Every client the bot builds goes through here.
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

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


class ServerTroubleRetryHandler(ServerErrorRetryHandler):
    """Retries every transient 5xx with exponential backoff, not only 500 and 503."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in RETRIED_STATUSES


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
    *, attempts: int = 2, backoff: float = 0.5, metrics: Metrics | None = None
) -> list[RetryHandler]:
    handlers = _plain_retry_handlers(attempts=attempts, backoff=backoff)
    if metrics is None:
        return handlers
    reasons = ("ratelimited", "server_error", "connection")
    return [CountedRetries(h, r, metrics) for h, r in zip(handlers, reasons, strict=True)]


def _plain_retry_handlers(*, attempts: int, backoff: float) -> list[RetryHandler]:
    calculator = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=RandomJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=attempts),
        ServerTroubleRetryHandler(max_retry_count=attempts, interval_calculator=calculator),
        ConnectionErrorRetryHandler(
            max_retry_count=attempts,
            interval_calculator=calculator,
            # A read timeout surfaces as TimeoutError, which the default list misses.
            error_types=[
                URLError,
                ConnectionResetError,
                RemoteDisconnected,
                TimeoutError,
                socket.timeout,
            ],
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
) -> WebClient:
    handlers = retry_handlers(attempts=attempts, backoff=backoff, metrics=metrics)
    if metrics is None:
        return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)
    return InstrumentedWebClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers, metrics=metrics
    )
