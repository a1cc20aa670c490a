"""The ASGI application: Slack's endpoints, the OAuth routes, health and metrics.

Bolt's own Starlette adapter runs the synchronous `App.dispatch` on the event loop, which would
serialise every request behind the slowest one. Here dispatch runs in a worker thread, so the
loop keeps accepting requests while a listener works.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from slack_bolt import BoltRequest, BoltResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.metrics import Metrics, request_kind
from bot.slack.handoff import is_internal_header

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)

# Slack's requests are small: a command or an event is a few kB, and the largest, a modal's
# view_submission with its whole view and state (100 blocks, 3,000-character texts), stays
# within a few hundred kB. 1 MB leaves room for that and refuses what cannot be Slack, before
# it is read into memory.
MAX_BODY_BYTES = 1_000_000
SIGNATURE_MAX_AGE_SECONDS = 300


def signed_by_slack(
    secret: str, raw: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier needs UTF-8 text)."""
    try:
        timestamp = int(headers.get("x-slack-request-timestamp", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("x-slack-signature", ""))


def _to_response(bolt_response: BoltResponse) -> Response:
    response = Response(
        status_code=bolt_response.status,
        content=bolt_response.body,
        headers=bolt_response.first_headers_without_set_cookie(),
    )
    for cookie in bolt_response.cookies():
        for name, morsel in cookie.items():
            response.set_cookie(
                key=name,
                value=morsel.value,
                max_age=int(morsel["max-age"]) if morsel["max-age"] else None,
                path=morsel["path"] or "/",
                secure=True,
                httponly=True,
            )
    return response


async def _body_within_limit(request: Request) -> bytes | None:
    """The request's body, or None as soon as it is known to exceed MAX_BODY_BYTES: from its
    Content-Length before reading any of it, or while reading a body sent without one."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def create_web_app(
    bolt_app: App,
    *,
    signing_secret: str,
    database_ok: Callable[[], bool],
    metrics: Metrics,
    evidence: Callable[[Request], Awaitable[Response]] | None = None,
) -> Starlette:
    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        try:
            raw = await _body_within_limit(request)
        except ClientDisconnect:
            # Gone before its body arrived (bot.serving closes a body sent too slowly): there is
            # nobody to answer.
            return Response(status_code=400)
        if raw is None:
            return PlainTextResponse("payload too large", status_code=413)
        plain_headers = dict(request.headers)
        # Checked here on the raw bytes, before anything is parsed: a forged or stale request
        # gets 401 whatever its body holds. Bolt checks again; that costs one HMAC.
        if not signed_by_slack(signing_secret, raw, plain_headers):
            return PlainTextResponse("invalid signature", status_code=401)
        # Headers that steer Bolt's lazy listeners or carry a hand-over come only from this
        # process to the work process, never from outside: a replayed request carrying them
        # could otherwise run a listener's work again without its ack.
        headers: dict[str, str | Sequence[str]] = {
            name: value for name, value in plain_headers.items() if not is_internal_header(name)
        }
        try:
            bolt_request = BoltRequest(
                body=raw.decode("utf-8"), query=request.url.query, headers=headers
            )
        except (ValueError, TypeError, AttributeError):
            # Not UTF-8, not JSON, or JSON that is not an object: Slack never sends these.
            return PlainTextResponse("malformed request body", status_code=400)
        kind = request_kind(bolt_request.body)
        metrics.count_request(kind)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        metrics.observe_ack(kind, time.perf_counter() - started)
        return _to_response(bolt_response)

    async def oauth_route(request: Request) -> Response:
        flow = bolt_app.oauth_flow
        if flow is None:
            return PlainTextResponse("OAuth is not configured", status_code=404)
        bolt_request = BoltRequest(body="", query=request.url.query, headers=dict(request.headers))
        if request.url.path == flow.install_path:
            bolt_response = await run_in_threadpool(flow.handle_installation, bolt_request)
        else:
            bolt_response = await run_in_threadpool(flow.handle_callback, bolt_request)
        return _to_response(bolt_response)

    async def healthz(_: Request) -> Response:
        ok = await run_in_threadpool(database_ok)
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "database": ok},
            status_code=200 if ok else 503,
        )

    async def metrics_route(_: Request) -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/slack/install", oauth_route, methods=["GET"]),
        Route("/slack/oauth_redirect", oauth_route, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
    ]
    if evidence is not None:
        routes.append(Route("/api/v1/systems/{system}/evidence", evidence, methods=["POST"]))
    return Starlette(routes=routes)
