"""Slack Web API clients that survive a bad minute at Slack.

slack_sdk retries nothing unless told to: 429s need RateLimitErrorRetryHandler, 5xx and
timeouts need their own handlers. Every client the bot builds goes through here.
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
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


def retry_handlers(*, attempts: int = 2, backoff: float = 0.5) -> list[RetryHandler]:
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
) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(attempts=attempts, backoff=backoff),
    )
