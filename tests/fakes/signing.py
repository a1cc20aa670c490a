"""Build request bodies the way Slack sends them to the bot, and sign them like Slack does.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 keyed by the app's signing secret and
sends the hex digest as `X-Slack-Signature: v0=<hex>`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)


def sign(secret: str, body: bytes | str, timestamp: int) -> str:
    """The X-Slack-Signature value for this body and timestamp."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def content_type_of(body: bytes | str) -> str:
    """JSON bodies start with '{'; everything else Slack sends is form-encoded."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return JSON if raw.lstrip().startswith(b"{") else FORM


def signed_headers(
    secret: str,
    body: bytes | str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Headers of a signed Slack request; the timestamp defaults to the current time.

    retry_num adds X-Slack-Retry-Num / X-Slack-Retry-Reason as Slack does when it redelivers an
    Events API callback.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, body, ts),
        "Content-Type": content_type or content_type_of(body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):06d}"


def command_body(
    text: str = "",
    *,
    command: str = "/mlscore",
    user_id: str = "U0USER",
    user_name: str = "user",
    channel_id: str = "C0CHANNEL",
    channel_name: str = "ml-team",
    team_id: str = "T0FAKE",
    team_domain: str = "fake",
    enterprise_id: str | None = None,
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.invalid/commands/T0FAKE/1/x",
    api_app_id: str = "A0FAKE",
    is_enterprise_install: bool = False,
) -> bytes:
    """A slash command body, form-encoded as Slack posts it."""
    fields: dict[str, str] = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _unique("1000."),
    }
    if enterprise_id is not None:
        fields["enterprise_id"] = enterprise_id
    return urlencode(fields).encode("utf-8")


def interactive_body(payload: Mapping[str, Any]) -> bytes:
    """An interactivity body (block_actions, view_submission, view_closed, shortcut...)."""
    return urlencode({"payload": json.dumps(payload)}).encode("utf-8")


def event_body(
    event: Mapping[str, Any],
    *,
    team_id: str = "T0FAKE",
    api_app_id: str = "A0FAKE",
    event_id: str | None = None,
    event_time: int | None = None,
    authorizations: list[dict[str, Any]] | None = None,
) -> bytes:
    """An Events API event_callback body (JSON)."""
    body = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or _unique("Ev"),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": authorizations
        if authorizations is not None
        else [{"team_id": team_id, "user_id": "U0BOT", "is_bot": True}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(body).encode("utf-8")
