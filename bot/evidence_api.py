"""`POST /api/v1/systems/<system>/evidence`: CI pushes a test result for one item of a system.

Authenticated by the system's bearer token, limited per token, answered in JSON (an error has
`error`, a code, and `message`, a sentence). A newly failing item is posted once in the team's
channel after the push is stored. The contract is docs/evidence-api.schema.json.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import anyio
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from bot.services.evidence import NOT_JSON, FailNotice, PushOutcome, hash_token
from bot.slack.i18n import t

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.services import Services

log = logging.getLogger(__name__)

PUSH_BODY_MAX_BYTES = 16_384
UNAUTHORIZED = "Send a live CI token of this system as 'Authorization: Bearer <token>'."
# Buckets kept at most; past it, the full (idle) ones are dropped. Bounds the memory a flood
# of made-up tokens can take, since each gets a bucket of its own.
BUCKETS_MAX = 10_000
PUSH_WORKERS = 4


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute, in bursts of up to as many.

    In memory, per process: behind several replicas a token gets that much at each."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: object) -> float:
        """0 when the request may go now (and counts it); else the seconds until it may."""
        now = self._clock()
        with self._lock:
            if len(self._buckets) > BUCKETS_MAX:
                self._prune(now)
            level, at = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - at) * self.rate)
            if level >= 1:
                self._buckets[key] = (level - 1, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1 - level) / self.rate

    def _prune(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing."""
        full = [
            key
            for key, (level, at) in self._buckets.items()
            if level + (now - at) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]


def _limiter(made: list[anyio.CapacityLimiter]) -> anyio.CapacityLimiter:
    if not made:
        made.append(anyio.CapacityLimiter(PUSH_WORKERS))
    return made[0]


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _bearer(request: Request) -> str:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def evidence_endpoint(
    services: Services,
    limiter: RateLimiter,
    client_for: Callable[[str], WebClient] | None,
) -> Callable[[Request], Awaitable[Response]]:
    # A few threads for pushes, the rest wait on the event loop: a burst from many pipelines
    # queues there instead of as 40 threads that contend for the GIL with the one holding
    # SQLite's write lock (all the others are waiting on).
    # Made on first use: a limiter belongs to the running event loop.
    workers: list[anyio.CapacityLimiter] = []

    def handle(secret: str, system: str, raw: bytes) -> JSONResponse:
        # One worker-thread hop for the whole push: the limit, then one write transaction.
        if not secret:
            return _error(401, "unauthorized", UNAUTHORIZED, **{"WWW-Authenticate": "Bearer"})
        token_hash = hash_token(secret)
        # Counted per token before the database is asked anything: a flood costs no query.
        wait = limiter.wait(token_hash)
        if wait > 0:
            return _error(
                429,
                "rate_limited",
                "Too many pushes with this token; retry after the Retry-After seconds.",
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = NOT_JSON
        outcome: PushOutcome = services.push_evidence(token_hash, system, body)
        if outcome.status == 401:
            return JSONResponse(
                outcome.body, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        background = None
        if outcome.notice is not None and client_for is not None:
            # After the answer: CI does not wait on Slack.
            background = BackgroundTask(_post_failing, client_for, outcome.notice)
        return JSONResponse(outcome.body, status_code=outcome.status, background=background)

    async def push(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > PUSH_BODY_MAX_BYTES):
            return _error(413, "too_large", f"The body must be under {PUSH_BODY_MAX_BYTES} bytes.")
        try:
            raw = await request.body()
        except ClientDisconnect:
            return Response(status_code=400)
        if len(raw) > PUSH_BODY_MAX_BYTES:
            return _error(413, "too_large", f"The body must be under {PUSH_BODY_MAX_BYTES} bytes.")
        system = str(request.path_params.get("system", ""))
        response: JSONResponse = await anyio.to_thread.run_sync(
            handle, _bearer(request), system, raw, limiter=_limiter(workers)
        )
        return response

    return push


def _post_failing(client_for: Callable[[str], WebClient], notice: FailNotice) -> None:
    """The failing item in the team's channel; a Slack error is logged, the push stays stored."""
    text = t(
        "evidence.failing",
        notice.language,
        item=notice.item_id,
        name=notice.item_name,
        system=notice.system,
        url=notice.url.replace(">", "%3E").replace("|", "%7C"),
    )
    try:
        client_for(notice.slack_team_id).chat_postMessage(channel=notice.channel_id, text=text)
    except Exception:
        log.warning("could not post a failing CI result", exc_info=True)
