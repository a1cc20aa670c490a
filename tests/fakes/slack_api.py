"""A fake Slack Web API: a real HTTP server on 127.0.0.1 for tests and benchmarks.

Point the bot's WebClient at `fake.base_url`. The fake records every call, checks every Block
Kit payload against Slack's limits (blockkit.py), answers the way Slack does, enforces Slack's
chat.postMessage rate limits and can inject faults. It also serves the files v2 upload URL and
response_url endpoints.

    with FakeSlack() as fake:
        client = WebClient(token=BOT_TOKEN, base_url=fake.base_url)
        client.chat_postMessage(channel="C0CHANNEL", text="hi")
        assert fake.posted_texts("C0CHANNEL") == ["hi"]
        assert fake.violations == []
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import hashlib
import itertools
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes import blockkit

logger = logging.getLogger(__name__)

TEAM_ID = "T0FAKE"
TEAM_NAME = "Fake Workspace"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0FAKE"
BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
DEFAULT_USER_ID = "U0USER"
DEFAULT_CHANNEL_ID = "C0CHANNEL"

TRIGGER_TTL_SECONDS = 3.0
MODAL_STACK_LIMIT = 3
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60
MAX_BODY_BYTES = 64 * 1024 * 1024

# Pseudo-method names for fault injection on the non-API endpoints.
UPLOAD = "upload"
RESPONSE_URL = "response_url"

# Form-encoded calls carry these parameters as JSON strings.
_JSON_PARAMS = frozenset({"blocks", "attachments", "view", "files", "metadata"})
_NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.v2.exchange"})
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class SocketModeEndpoint(Protocol):
    """What FakeSlack needs from a fake Socket Mode server."""

    @property
    def url(self) -> str: ...


class SlackError(Exception):
    """Raised by a handler to answer {"ok": false, "error": ...}."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = dict(headers or {})
        self.extra = extra


class BadRequest(Exception):
    """The HTTP request itself is malformed: answered with 400 JSON."""


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Call:
    """One request to the Web API as the fake saw it (headers have lower-case names)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    thread_ts: str | None = None
    user: str = BOT_USER_ID
    subtype: str | None = None
    files: list[str] = field(default_factory=list)
    via: str = "chat.postMessage"
    deleted: bool = False
    edits: int = 0

    def as_slack(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text,
            "user": self.user,
            "bot_id": BOT_ID,
            "team": TEAM_ID,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.subtype:
            out["subtype"] = self.subtype
        return out


@dataclass
class Ephemeral:
    channel: str
    user: str
    ts: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    via: str = "chat.postEphemeral"


@dataclass
class UploadedFile:
    """A files v2 upload: made by getUploadURLExternal, filled by the POST, shared by complete."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    upload_url: str = ""
    content: bytes | None = None
    content_type: str | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False

    @property
    def size(self) -> int:
        return len(self.content or b"")

    def as_slack(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": self.content_type or "",
            "size": self.size,
            "channels": list(self.channels),
            "alt_txt": self.alt_txt,
        }


@dataclass
class ResponseUrl:
    url: str
    channel_id: str
    user_id: str
    issued_at: float
    message_ts: str | None = None
    uses: int = 0


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url."""

    url: str
    body: Any
    at: float
    status: int
    error: str | None = None


@dataclass
class User:
    id: str
    name: str
    locale: str = "en-US"
    tz: str = "America/Los_Angeles"
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    real_name: str | None = None
    team_id: str = TEAM_ID
    is_restricted: bool = False
    """A multi-channel guest."""
    is_ultra_restricted: bool = False
    """A single-channel guest."""

    def as_slack(self, *, include_locale: bool) -> dict[str, Any]:
        # Slack reports the offset in effect at the time of the call.
        offset = datetime.now(UTC).astimezone(ZoneInfo(self.tz)).utcoffset()
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_bot": self.is_bot,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name or self.name,
                "display_name": self.name,
            },
        }
        if include_locale:
            out["locale"] = self.locale
        return out


@dataclass
class Channel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    team_id: str = TEAM_ID
    """The workspace the channel belongs to: another workspace's token cannot see it."""

    def as_slack(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "is_channel": not self.is_im and not self.is_private,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private or self.is_im,
            "is_member": BOT_USER_ID in self.members or self.is_im,
            "is_archived": False,
        }
        if self.is_im:
            out["user"] = self.im_user
        else:
            out["name"] = self.name
            out["num_members"] = len(self.members)
        return out


@dataclass
class Installation:
    """Who a token belongs to (auth.test answers from this)."""

    token: str
    team_id: str = TEAM_ID
    team_name: str = TEAM_NAME
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    scope: str = "commands,chat:write,users:read,channels:read,groups:read,im:write,files:write"
    authed_user_id: str = DEFAULT_USER_ID


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int
    remaining: int


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is available now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class ApiRequest:
    """What a method handler sees."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None
    install: Installation | None
    at: float

    def require(self, name: str, error: str = "invalid_arguments") -> Any:
        value = self.params.get(name)
        if value is None or value == "":
            raise SlackError(error, response_metadata={"messages": [f"missing {name}"]})
        return value

    def flag(self, name: str) -> bool:
        value = self.params.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))

    @property
    def team_id(self) -> str:
        return self.install.team_id if self.install else TEAM_ID


Handler = Callable[[ApiRequest], dict[str, Any]]


# ---------------------------------------------------------------- the fake


class FakeSlack:
    """The fake Web API server. Thread-safe; start() / stop() or use it as a context manager."""

    def __init__(
        self,
        *,
        channel_rate: float | None = 1.0,
        channel_burst: int = 1,
        workspace_rate_per_minute: float | None = 300.0,
        workspace_burst: int | None = None,
        strict_tokens: bool = False,
        strict_channels: bool = False,
        reject_invalid_blocks: bool = True,
        client_id: str | None = None,
        client_secret: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel_rate = channel_rate
        self.channel_burst = channel_burst
        self.workspace_rate_per_minute = workspace_rate_per_minute
        self.workspace_burst = workspace_burst or max(
            1, round((workspace_rate_per_minute or 60) / 60)
        )
        self.strict_tokens = strict_tokens
        self.strict_channels = strict_channels
        self.reject_invalid_blocks = reject_invalid_blocks
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock

        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Set while stopped: a slow answer in progress then ends at once.
        self._stopped = threading.Event()
        self.socket_mode: SocketModeEndpoint | None = None

        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.responses: list[ResponsePost] = []
        self.bad_requests: list[str] = []
        self.rate_limited = 0
        self.uploads: dict[str, UploadedFile] = {}
        self.ephemerals: list[Ephemeral] = []

        self._history: dict[str, list[Message]] = {}
        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._tokens: dict[str, Installation] = {BOT_TOKEN: Installation(BOT_TOKEN)}
        self._revoked: set[str] = set()
        self._oauth_codes: dict[str, Installation] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._stacks: dict[str, list[str]] = {}
        self._home: dict[str, str] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, list[list[float]]] = {}
        self._outage: frozenset[str] | None = None
        self._outage_all = False
        self._channel_buckets: dict[tuple[str, str], TokenBucket] = {}
        self._workspace_buckets: dict[str, TokenBucket] = {}
        self._extra_methods: dict[str, Handler] = {}

        self._methods: dict[str, Handler] = {
            "api.test": lambda req: {"args": req.params},
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "users.conversations": self._users_conversations,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.upload": self._files_upload_retired,
            "files.delete": self._files_delete,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
        }
        self.add_user(DEFAULT_USER_ID, "user")
        self.add_user(BOT_USER_ID, "mlscore", is_bot=True)
        self.add_channel(DEFAULT_CHANNEL_ID, "ml-team", members=[DEFAULT_USER_ID, BOT_USER_ID])

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.fake = self
        self._stopped.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._stopped.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def lag(self, seconds: float | None) -> None:
        """Answer `seconds` late, as a slow Slack does (sooner if the fake is stopped)."""
        if seconds:
            self._stopped.wait(seconds)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...)."""
        return f"{self.root_url}api/"

    # ------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        locale: str = "en-US",
        tz: str = "America/Los_Angeles",
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
        team_id: str = TEAM_ID,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> User:
        ZoneInfo(tz)  # fail fast on a misspelt zone
        user = User(
            user_id,
            name,
            locale=locale,
            tz=tz,
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_primary_owner,
            is_bot=is_bot,
            deleted=deleted,
            real_name=real_name,
            team_id=team_id,
            is_restricted=is_restricted,
            is_ultra_restricted=is_ultra_restricted,
        )
        with self._lock:
            self._users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: Iterable[str] = (),
        is_private: bool = False,
        team_id: str = TEAM_ID,
    ) -> Channel:
        channel = Channel(channel_id, name, list(members), is_private=is_private, team_id=team_id)
        with self._lock:
            self._channels[channel_id] = channel
        return channel

    def set_members(self, channel_id: str, members: Iterable[str]) -> None:
        with self._lock:
            self._channels[channel_id].members = list(members)

    def add_token(self, token: str, **install: Any) -> Installation:
        """Register a token for another workspace (team_id=..., bot_user_id=..., ...)."""
        info = Installation(token, **install)
        with self._lock:
            self._tokens[token] = info
        return info

    def revoke_token(self, token: str) -> None:
        """Later calls with this token answer token_revoked."""
        with self._lock:
            self._revoked.add(token)

    def add_oauth_code(
        self,
        code: str,
        *,
        team_id: str,
        team_name: str = "Other Workspace",
        bot_user_id: str = "U0BOT2",
        bot_id: str = "B0BOT2",
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        scope: str | None = None,
        authed_user_id: str = DEFAULT_USER_ID,
        access_token: str | None = None,
    ) -> str:
        """Make oauth.v2.access accept `code` (once); returns the bot token it will hand out."""
        token = access_token or f"xoxb-{team_id}-{next(self._seq)}"
        info = Installation(
            token,
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            authed_user_id=authed_user_id,
        )
        if scope is not None:
            info.scope = scope
        with self._lock:
            self._oauth_codes[code] = info
        return token

    def attach_socket_mode(self, server: SocketModeEndpoint | None) -> None:
        """apps.connections.open will answer this server's websocket URL."""
        self.socket_mode = server

    def handle(self, method: str, handler: Handler) -> None:
        """Add or override a method: handler(ApiRequest) -> dict (merged into {"ok": true})."""
        with self._lock:
            self._extra_methods[method] = handler

    def new_trigger_id(self, user_id: str = DEFAULT_USER_ID) -> str:
        """A trigger_id as Slack would put in an interaction: single use, valid 3 s."""
        trigger = f"{next(self._seq)}.{secrets.token_hex(8)}"
        with self._lock:
            self._triggers[trigger] = _Trigger(user_id, self.clock())
        return trigger

    def new_response_url(
        self,
        *,
        channel_id: str = DEFAULT_CHANNEL_ID,
        user_id: str = DEFAULT_USER_ID,
        message_ts: str | None = None,
    ) -> str:
        """A response_url on this server: 5 uses within 30 minutes, like Slack's."""
        key = f"{next(self._seq)}-{secrets.token_hex(8)}"
        url = f"{self.root_url}response/{key}"
        with self._lock:
            self._response_urls[key] = ResponseUrl(
                url, channel_id, user_id, self.clock(), message_ts
            )
        return url

    # ------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        times: int = 1,
        retry_after: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail.

        fail_next(m) answers 500; fail_next(m, status=429) answers 429 ratelimited with
        Retry-After; fail_next(m, error="channel_not_found") answers 200 {"ok": false}.
        `method` may also be "upload" (the upload URL) or "response_url".
        """
        if status is None:
            status = 200 if error is not None else 500
        if error is None:
            error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "internal_error")
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(status, error, max(1, math.ceil(retry_after)), times)
            )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` after `seconds` (they are still processed)."""
        with self._lock:
            self._delays.setdefault(method, []).append([seconds, times])

    @contextlib.contextmanager
    def outage(self, methods: Iterable[str] | None = None) -> Iterator[None]:
        """Every call (or every call of `methods`) answers 503 until the block exits."""
        with self._lock:
            self._outage = frozenset(methods) if methods is not None else None
            self._outage_all = methods is None
        try:
            yield
        finally:
            with self._lock:
                self._outage = None
                self._outage_all = False

    def min_post_seconds(self, per_channel: Mapping[str, int]) -> float:
        """A lower bound on the time the rate limits allow for these chat.postMessage counts."""
        bound = 0.0
        if self.channel_rate:
            for count in per_channel.values():
                bound = max(bound, (count - self.channel_burst) / self.channel_rate)
        if self.workspace_rate_per_minute:
            total = sum(per_channel.values())
            bound = max(
                bound, (total - self.workspace_burst) / (self.workspace_rate_per_minute / 60)
            )
        return max(bound, 0.0)

    # ------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[Message]:
        """The channel's current messages (edits applied, deleted ones gone), oldest first."""
        with self._lock:
            return [m for m in self._history.get(channel, []) if not m.deleted]

    def posted_texts(self, channel: str) -> list[str]:
        """Text of every message ever posted to the channel (including later deleted ones)."""
        with self._lock:
            return [m.text for m in self._history.get(channel, [])]

    def duplicate_posts(self) -> dict[tuple[str, str], int]:
        """(channel, text) pairs posted more than once, with their counts."""
        counts: dict[tuple[str, str], int] = {}
        with self._lock:
            for channel, history in self._history.items():
                for message in history:
                    counts[(channel, message.text)] = counts.get((channel, message.text), 0) + 1
        return {key: n for key, n in counts.items() if n > 1}

    @property
    def channels_posted(self) -> list[str]:
        with self._lock:
            return [c for c, history in self._history.items() if history]

    @property
    def files(self) -> list[UploadedFile]:
        """Uploads completed with files.completeUploadExternal, in order."""
        with self._lock:
            return [f for f in self.uploads.values() if f.completed]

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return self._views[view_id]

    def view_stack(self, user_id: str = DEFAULT_USER_ID) -> list[dict[str, Any]]:
        """The user's open modals, bottom first."""
        with self._lock:
            return [self._views[v] for v in self._stacks.get(user_id, [])]

    def home_view(self, user_id: str = DEFAULT_USER_ID) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._home.get(user_id)
            return self._views[view_id] if view_id else None

    def apply_view_submission_response(
        self, user_id: str, body: Mapping[str, Any] | None
    ) -> list[str]:
        """Apply the bot's ack of a view_submission to the user's modal stack, as Slack does.

        The body is checked against the submitted (top) view; problems are recorded in
        `violations` and returned. A plain ack closes the top view; update replaces it; push
        adds a view (at most 3 stacked); clear closes them all; errors changes nothing.
        """
        with self._lock:
            stack = self._stacks.setdefault(user_id, [])
            top = self._views[stack[-1]] if stack else None
            problems = blockkit.check_view_submission_response(body, top)
            action = (body or {}).get("response_action")
            if not problems and action == "push" and len(stack) >= MODAL_STACK_LIMIT:
                problems = ["push_limit_reached: at most 3 views can be stacked"]
            self.violations += [f"view_submission response: {p}" for p in problems]
            if problems or action == "errors":
                return problems
            if action == "clear":
                stack.clear()
            elif action in ("update", "push") and body is not None:
                view = dict(body["view"])
                if action == "update" and top is not None:
                    self._views[top["id"]] = self._view_record(
                        view, team_id=top["team_id"], view_id=top["id"]
                    )
                else:
                    record = self._view_record(
                        view,
                        team_id=TEAM_ID,
                        root_view_id=stack[0] if stack else None,
                        previous_view_id=stack[-1] if stack else None,
                    )
                    self._views[record["id"]] = record
                    stack.append(record["id"])
            elif stack:
                stack.pop()
            return []

    # ------------------------------------------------------------ request dispatch

    def _record_violations(self, where: str, problems: list[str]) -> None:
        self.violations += [f"{where}: {p}" for p in problems]

    def _pop_delay(self, method: str) -> float:
        with self._lock:
            queue = self._delays.get(method)
            if not queue:
                return 0.0
            seconds, _ = queue[0]
            queue[0][1] -= 1
            if queue[0][1] <= 0:
                queue.pop(0)
            return seconds

    def _pop_fault(self, method: str) -> _Fault | None:
        """Called under the lock."""
        if self._outage_all or (self._outage is not None and method in self._outage):
            return _Fault(503, "service_unavailable", 1, 1)
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    def _fault_reply(self, fault: _Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers: dict[str, str] = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after)
            self.rate_limited += 1
        return fault.status, {"ok": False, "error": fault.error}, headers

    def dispatch_api(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one Web API call (used by the HTTP handler; callable directly in tests)."""
        self.lag(self._pop_delay(method))
        with self._lock:
            at = self.clock()
            status, body, extra_headers = self._answer(method, params, headers, at)
            self.calls.append(Call(method, params, headers, at, status, body))
            return status, body, extra_headers

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str], at: float
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self._pop_fault(method)
        if fault is not None:
            return self._fault_reply(fault)
        handler = self._extra_methods.get(method) or self._methods.get(method)
        if handler is None:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        try:
            token = _token_of(params, headers)
            install = self._authenticate(method, token)
            request = ApiRequest(method, params, headers, token, install, at)
            if method == "chat.postMessage":
                self._rate_limit(request)
            body = handler(request)
        except SlackError as e:
            return e.status, {"ok": False, "error": e.error, **e.extra}, e.headers
        return 200, {"ok": True, **body}, {}

    def _authenticate(self, method: str, token: str | None) -> Installation | None:
        if method in _NO_TOKEN_METHODS:
            return None
        if not token:
            raise SlackError("not_authed")
        if token in self._revoked:
            raise SlackError("token_revoked")
        is_app_token = token.startswith("xapp-")
        if (method in _APP_TOKEN_METHODS) != is_app_token:
            raise SlackError("not_allowed_token_type")
        if is_app_token:
            return None
        install = self._tokens.get(token)
        if install is None:
            if self.strict_tokens:
                raise SlackError("invalid_auth")
            install = self._tokens[BOT_TOKEN]
        return install

    def _rate_limit(self, req: ApiRequest) -> None:
        """chat.postMessage limits: per channel and per workspace; a refused post uses neither."""
        buckets = []
        if self.channel_rate:
            key = (req.team_id, str(req.params.get("channel") or ""))
            buckets.append(
                self._channel_buckets.setdefault(
                    key, TokenBucket(self.channel_rate, self.channel_burst, req.at)
                )
            )
        if self.workspace_rate_per_minute:
            rate = self.workspace_rate_per_minute / 60
            buckets.append(
                self._workspace_buckets.setdefault(
                    req.team_id, TokenBucket(rate, self.workspace_burst, req.at)
                )
            )
        wait = max((bucket.wait(req.at) for bucket in buckets), default=0.0)
        if wait > 0:
            self.rate_limited += 1
            raise SlackError(
                "ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
        for bucket in buckets:
            bucket.take()

    def _message_ts(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    def _check_blocks(self, method: str, params: Mapping[str, Any]) -> None:
        problems = blockkit.check_message(params)
        if problems:
            self._record_violations(method, problems)
            if self.reject_invalid_blocks:
                raise SlackError("invalid_blocks", errors=problems)

    def _resolve_channel(self, channel: str) -> str:
        """A user id as channel means the bot's DM with that user."""
        if channel[:1] in ("U", "W"):
            return self._open_dm(channel).id
        if self.strict_channels:
            known = self._channels.get(channel)
            if known is None:
                raise SlackError("channel_not_found")
            if not known.is_im and BOT_USER_ID not in known.members:
                raise SlackError("not_in_channel")
        return channel

    # ------------------------------------------------------------ method handlers

    def _auth_test(self, req: ApiRequest) -> dict[str, Any]:
        install = req.install or self._tokens[BOT_TOKEN]
        return {
            "url": "https://fake.slack.invalid/",
            "team": install.team_name,
            "user": "mlscore",
            "team_id": install.team_id,
            "user_id": install.bot_user_id,
            "bot_id": install.bot_id,
            "enterprise_id": install.enterprise_id,
            "is_enterprise_install": False,
            "app_id": APP_ID,
        }

    def _team_info(self, req: ApiRequest) -> dict[str, Any]:
        install = req.install or self._tokens[BOT_TOKEN]
        team_id = req.params.get("team") or install.team_id
        return {
            "team": {
                "id": team_id,
                "name": install.team_name,
                "domain": install.team_name.lower().replace(" ", "-"),
                "email_domain": "",
                "icon": {"image_default": True},
                "enterprise_id": install.enterprise_id,
            }
        }

    def _chat_post_message(self, req: ApiRequest) -> dict[str, Any]:
        channel = self._resolve_channel(str(req.require("channel", "channel_not_found")))
        if not any(req.params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        self._check_blocks(req.method, req.params)
        message = Message(
            channel,
            self._message_ts(),
            str(req.params.get("text") or ""),
            blocks=_list(req.params.get("blocks")),
            attachments=_list(req.params.get("attachments")),
            thread_ts=req.params.get("thread_ts"),
            user=req.install.bot_user_id if req.install else BOT_USER_ID,
        )
        self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message.ts, "message": message.as_slack()}

    def _chat_post_ephemeral(self, req: ApiRequest) -> dict[str, Any]:
        channel = self._resolve_channel(str(req.require("channel", "channel_not_found")))
        user = str(req.require("user", "user_not_found"))
        known = self._channels.get(channel)
        if known is not None and known.members and user not in known.members:
            raise SlackError("user_not_in_channel")
        if not any(req.params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        self._check_blocks(req.method, req.params)
        ts = self._message_ts()
        text = str(req.params.get("text") or "")
        self.ephemerals.append(Ephemeral(channel, user, ts, text, _list(req.params.get("blocks"))))
        return {"message_ts": ts}

    def _find_message(self, channel: str, ts: str) -> Message:
        for message in self._history.get(channel, []):
            if message.ts == ts and not message.deleted:
                return message
        raise SlackError("message_not_found")

    def _chat_update(self, req: ApiRequest) -> dict[str, Any]:
        channel = str(req.require("channel", "channel_not_found"))
        message = self._find_message(channel, str(req.require("ts", "message_not_found")))
        if not any(req.params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        self._check_blocks(req.method, req.params)
        if "text" in req.params:
            message.text = str(req.params["text"] or "")
        if "blocks" in req.params:
            message.blocks = _list(req.params["blocks"])
        if "attachments" in req.params:
            message.attachments = _list(req.params["attachments"])
        message.edits += 1
        return {
            "channel": channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.as_slack(),
        }

    def _chat_delete(self, req: ApiRequest) -> dict[str, Any]:
        channel = str(req.require("channel", "channel_not_found"))
        message = self._find_message(channel, str(req.require("ts", "message_not_found")))
        message.deleted = True
        return {"channel": channel, "ts": message.ts}

    def _chat_get_permalink(self, req: ApiRequest) -> dict[str, Any]:
        channel = str(req.require("channel", "channel_not_found"))
        ts = str(req.require("message_ts", "message_not_found"))
        self._find_message(channel, ts)
        return {
            "channel": channel,
            "permalink": f"https://fake.slack.invalid/archives/{channel}/p{ts.replace('.', '')}",
        }

    # views

    def _take_trigger(self, req: ApiRequest) -> _Trigger:
        trigger_id = str(req.require("trigger_id", "invalid_trigger_id"))
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if req.at - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _valid_view(self, req: ApiRequest, *, kind: str) -> dict[str, Any]:
        view = req.require("view")
        problems = blockkit.check_view(view)
        if isinstance(view, dict) and view.get("type") != kind:
            problems.append(f"type: {req.method} needs a {kind} view, not {view.get('type')!r}")
        if problems:
            self._record_violations(req.method, problems)
            if self.reject_invalid_blocks or not isinstance(view, dict):
                raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        return dict(view)

    def _view_record(
        self,
        view: dict[str, Any],
        *,
        team_id: str,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._seq):08d}"
        return {
            "id": view_id,
            "team_id": team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{next(self._seq)}.{hashlib.sha1(json.dumps(view).encode()).hexdigest()[:8]}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        }

    def _views_open(self, req: ApiRequest) -> dict[str, Any]:
        trigger = self._take_trigger(req)
        view = self._valid_view(req, kind="modal")
        record = self._view_record(view, team_id=req.team_id)
        self._views[record["id"]] = record
        self._stacks[trigger.user_id] = [record["id"]]
        return {"view": record}

    def _views_push(self, req: ApiRequest) -> dict[str, Any]:
        trigger = self._take_trigger(req)
        view = self._valid_view(req, kind="modal")
        stack = self._stacks.get(trigger.user_id) or []
        if not stack:
            raise SlackError("not_found")
        if len(stack) >= MODAL_STACK_LIMIT:
            raise SlackError("push_limit_reached")
        record = self._view_record(
            view, team_id=req.team_id, root_view_id=stack[0], previous_view_id=stack[-1]
        )
        self._views[record["id"]] = record
        stack.append(record["id"])
        return {"view": record}

    def _views_update(self, req: ApiRequest) -> dict[str, Any]:
        view_id = req.params.get("view_id")
        external_id = req.params.get("external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["view_id"]})
        if not view_id:
            matches = [v for v, r in self._views.items() if r["external_id"] == external_id]
            view_id = matches[-1] if matches else None
        current = self._views.get(str(view_id)) if view_id else None
        if current is None:
            raise SlackError("not_found")
        expected_hash = req.params.get("hash")
        if expected_hash and expected_hash != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._valid_view(req, kind=str(current["type"]))
        record = self._view_record(
            view,
            team_id=current["team_id"],
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        self._views[current["id"]] = record
        return {"view": record}

    def _views_publish(self, req: ApiRequest) -> dict[str, Any]:
        user_id = str(req.require("user_id", "invalid_arguments"))
        view = self._valid_view(req, kind="home")
        current_id = self._home.get(user_id)
        expected_hash = req.params.get("hash")
        if current_id and expected_hash and expected_hash != self._views[current_id]["hash"]:
            raise SlackError("hash_conflict")
        record = self._view_record(view, team_id=req.team_id, view_id=current_id)
        self._views[record["id"]] = record
        self._home[user_id] = record["id"]
        return {"view": record}

    # users and conversations

    def _users_info(self, req: ApiRequest) -> dict[str, Any]:
        user = self._users.get(str(req.require("user", "user_not_found")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.as_slack(include_locale=req.flag("include_locale"))}

    def _channel(self, req: ApiRequest) -> Channel:
        """The channel as the caller's token sees it: as Slack does, a channel of another
        workspace, or a private one the bot is not in, is not found."""
        channel = self._channels.get(str(req.require("channel", "channel_not_found")))
        if channel is None:
            raise SlackError("channel_not_found")
        if not channel.is_im and channel.team_id != req.team_id:
            raise SlackError("channel_not_found")
        if channel.is_private and not channel.is_im and BOT_USER_ID not in channel.members:
            raise SlackError("channel_not_found")
        return channel

    def _conversations_members(self, req: ApiRequest) -> dict[str, Any]:
        channel = self._channel(req)
        try:
            limit = int(req.params.get("limit") or 100)
            start = int(req.params.get("cursor") or 0)
        except ValueError:
            raise SlackError("invalid_cursor") from None
        page = channel.members[start : start + max(1, limit)]
        following = start + len(page)
        cursor = str(following) if following < len(channel.members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _users_conversations(self, req: ApiRequest) -> dict[str, Any]:
        """The channels a person is in, as Slack lists them to the bot: public ones, and private
        ones only where the bot is a member too; `types` filters, pages of at most 999."""
        user = str(req.params.get("user") or BOT_USER_ID)
        if user not in self._users:
            raise SlackError("user_not_found")
        types = set(str(req.params.get("types") or "public_channel").split(","))
        try:
            limit = int(req.params.get("limit") or 100)
            start = int(req.params.get("cursor") or 0)
        except ValueError:
            raise SlackError("invalid_cursor") from None
        if not 1 <= limit <= 999:
            raise SlackError("invalid_limit")
        listed = [
            channel
            for channel in self._channels.values()
            if not channel.is_im
            and user in channel.members
            and ("private_channel" if channel.is_private else "public_channel") in types
            and (not channel.is_private or BOT_USER_ID in channel.members)
        ]
        page = listed[start : start + limit]
        following = start + len(page)
        cursor = str(following) if following < len(listed) else ""
        return {
            "channels": [channel.as_slack() for channel in page],
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_info(self, req: ApiRequest) -> dict[str, Any]:
        return {"channel": self._channel(req).as_slack()}

    def _open_dm(self, user_id: str) -> Channel:
        dm_id = "D" + user_id[1:]
        if dm_id not in self._channels:
            self._channels[dm_id] = Channel(
                dm_id, dm_id, [user_id, BOT_USER_ID], is_im=True, im_user=user_id
            )
        return self._channels[dm_id]

    def _conversations_open(self, req: ApiRequest) -> dict[str, Any]:
        if req.params.get("channel"):
            return {"channel": self._channel(req).as_slack()}
        users = [u for u in str(req.require("users", "users_list_not_supplied")).split(",") if u]
        if self.strict_channels and any(u not in self._users for u in users):
            raise SlackError("user_not_found")
        if len(users) == 1:
            found = self._users.get(users[0])
            if found is not None and found.deleted:
                raise SlackError("user_disabled")  # Slack's answer for a deactivated account
            return {"channel": self._open_dm(users[0]).as_slack(), "no_op": False}
        mpim_id = "G" + hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
        channel = self._channels.setdefault(
            mpim_id, Channel(mpim_id, "mpdm-" + "--".join(users), [*users, BOT_USER_ID], True)
        )
        return {"channel": channel.as_slack()}

    # files v2

    def _files_get_upload_url(self, req: ApiRequest) -> dict[str, Any]:
        filename = str(req.require("filename"))
        try:
            length = int(req.require("length"))
        except ValueError:
            raise SlackError("invalid_arguments") from None
        if length < 1:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["length"]})
        file_id = f"F{next(self._seq):08d}"
        upload = UploadedFile(
            file_id,
            filename,
            length,
            alt_txt=req.params.get("alt_txt"),
            snippet_type=req.params.get("snippet_type"),
            upload_url=f"{self.root_url}upload/v1/{file_id}",
        )
        self.uploads[file_id] = upload
        return {"upload_url": upload.upload_url, "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes, content_type: str | None) -> int:
        """The POST of a file's bytes to its upload URL; returns the HTTP status."""
        with self._lock:
            fault = self._pop_fault(UPLOAD)
            if fault is not None:
                return fault.status if fault.status != 200 else 500
            upload = self.uploads.get(file_id)
            if upload is None:
                return 404
            upload.content = content
            upload.content_type = content_type
            return 200

    def _files_complete_upload(self, req: ApiRequest) -> dict[str, Any]:
        files = req.require("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["files"]})
        if req.params.get("blocks") is not None:
            self._check_blocks(req.method, req.params)
        uploads = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")) if isinstance(item, dict) else "")
            if upload is None:
                raise SlackError("file_not_found")
            if upload.content is None:
                raise SlackError("file_upload_not_completed")  # bytes were never POSTed
            uploads.append((upload, item))
        channels = [str(req.params["channel_id"])] if req.params.get("channel_id") else []
        channels += [c for c in str(req.params.get("channels") or "").split(",") if c]
        comment = req.params.get("initial_comment")
        for upload, item in uploads:
            upload.title = item.get("title") or upload.filename
            upload.channels = channels
            upload.initial_comment = comment
            upload.thread_ts = req.params.get("thread_ts")
            upload.completed = True
        for channel in channels:
            self._history.setdefault(channel, []).append(
                Message(
                    channel,
                    self._message_ts(),
                    str(comment or ""),
                    thread_ts=req.params.get("thread_ts"),
                    subtype="file_share",
                    files=[u.id for u, _ in uploads],
                    via=req.method,
                )
            )
        return {"files": [u.as_slack() for u, _ in uploads]}

    def _files_delete(self, req: ApiRequest) -> dict[str, Any]:
        """The bot may delete what it uploaded; the file and its share messages go."""
        file_id = str(req.require("file"))
        upload = self.uploads.get(file_id)
        if upload is None or not upload.completed:
            raise SlackError("file_not_found")
        del self.uploads[file_id]
        for history in self._history.values():
            for message in history:
                if file_id in message.files:
                    message.deleted = True
        return {}

    def _files_upload_retired(self, req: ApiRequest) -> dict[str, Any]:
        raise SlackError("method_deprecated")

    # oauth and socket mode

    def _oauth_v2_access(self, req: ApiRequest) -> dict[str, Any]:
        client_id, client_secret = req.params.get("client_id"), req.params.get("client_secret")
        basic = req.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode("utf-8", "replace")
            client_id, _, client_secret = decoded.partition(":")
        if self.client_id is not None and client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if self.client_secret is not None and client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        info = self._oauth_codes.pop(str(req.require("code", "invalid_code")), None)
        if info is None:
            raise SlackError("invalid_code")
        self._tokens[info.token] = info
        enterprise = (
            {"id": info.enterprise_id, "name": info.enterprise_name} if info.enterprise_id else None
        )
        return {
            "access_token": info.token,
            "token_type": "bot",
            "scope": info.scope,
            "bot_user_id": info.bot_user_id,
            "app_id": APP_ID,
            "team": {"id": info.team_id, "name": info.team_name},
            "enterprise": enterprise,
            "is_enterprise_install": False,
            "authed_user": {"id": info.authed_user_id, "scope": "", "token_type": "user"},
        }

    def _apps_connections_open(self, req: ApiRequest) -> dict[str, Any]:
        if self.socket_mode is None:
            raise SlackError("socket_mode_not_attached")
        return {"url": self.socket_mode.url}

    # ------------------------------------------------------------ response_url

    def receive_response(self, key: str, body: Any) -> tuple[int, str]:
        """A POST to a response_url; returns (HTTP status, text body) as Slack answers."""
        with self._lock:
            at = self.clock()
            url = self._response_urls.get(key)
            status, error = self._respond(url, body, at)
            self.responses.append(ResponsePost(url.url if url else key, body, at, status, error))
            return status, error or "ok"

    def _respond(self, url: ResponseUrl | None, body: Any, at: float) -> tuple[int, str | None]:
        fault = self._pop_fault(RESPONSE_URL)
        if fault is not None:
            return (fault.status if fault.status != 200 else 500), fault.error
        if url is None or at - url.issued_at > RESPONSE_URL_TTL_SECONDS:
            return 404, "expired_url"
        if url.uses >= RESPONSE_URL_USES:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        problems = blockkit.check_message(body)
        if problems:
            self._record_violations(RESPONSE_URL, problems)
            if self.reject_invalid_blocks:
                return 400, "invalid_blocks"
        url.uses += 1
        self._apply_response(url, body)
        return 200, None

    def _apply_response(self, url: ResponseUrl, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        blocks = _list(body.get("blocks"))
        original = None
        if url.message_ts:
            with contextlib.suppress(SlackError):
                original = self._find_message(url.channel_id, url.message_ts)
        if body.get("delete_original") and original is not None:
            original.deleted = True
        elif body.get("replace_original") and original is not None:
            original.text, original.blocks = text, blocks
            original.edits += 1
        elif body.get("response_type") == "in_channel":
            self._history.setdefault(url.channel_id, []).append(
                Message(url.channel_id, self._message_ts(), text, blocks=blocks, via=RESPONSE_URL)
            )
        elif text or blocks:
            self.ephemerals.append(
                Ephemeral(
                    url.channel_id, url.user_id, self._message_ts(), text, blocks, RESPONSE_URL
                )
            )


# ---------------------------------------------------------------- HTTP plumbing


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _token_of(params: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    token = params.get("token")
    return str(token) if token else None


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query and body parameters the way Slack accepts them (form, JSON or multipart)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if body:
        if kind == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise BadRequest(f"invalid JSON body: {e}") from None
            if not isinstance(decoded, dict):
                raise BadRequest("a JSON body must be an object")
            params.update(decoded)
        elif kind == "multipart/form-data":
            params.update(_parse_multipart(body, content_type))
        else:
            try:
                text = body.decode("utf-8")
                params.update(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
            except (UnicodeDecodeError, ValueError) as e:
                raise BadRequest(f"invalid form body: {e}") from None
    for name in _JSON_PARAMS & params.keys():
        value = params[name]
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequest("invalid multipart body")
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        params[name] = raw if part.get_filename() else raw.decode("utf-8", "replace")
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a burst of posts from several tick processes
    # overflowed it, and the refused connections read as Slack trouble (resets, 1 s stalls).
    request_queue_size = 128
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is expected in fault tests: stay quiet.
        logger.debug("fake slack: error while serving %s", client_address, exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        try:
            parts = urlsplit(self.path)
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            content_type = headers.get("content-type", "")
            path = parts.path
            if path.startswith("/api/"):
                params = parse_params(parts.query, body, content_type)
                status, reply, extra = fake.dispatch_api(path[5:], params, headers)
                self._send_json(status, reply, extra)
            elif path.startswith("/upload/v1/"):
                status = self._upload(path[len("/upload/v1/") :], body, content_type)
                self._send_text(status, f"OK - {len(body)}" if status == 200 else "error")
            elif path.startswith("/response/"):
                self._response_url(path[len("/response/") :], body)
            else:
                self._send_json(404, {"ok": False, "error": "unknown_method"})
        except BadRequest as e:
            with fake._lock:
                fake.bad_requests.append(f"{self.command} {self.path}: {e}")
            self._send_json(400, {"ok": False, "error": "invalid_request", "detail": str(e)})
        except Exception:
            logger.exception("fake slack: unexpected error on %s", self.path)
            self._send_json(500, {"ok": False, "error": "fake_internal_error"})

    def _read_body(self) -> bytes:
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise BadRequest(f"bad Content-Length {raw_length!r}") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise BadRequest(f"Content-Length {length} out of range")
        return self.rfile.read(length)

    def _upload(self, file_id: str, body: bytes, content_type: str) -> int:
        fake = self.server.fake
        fake.lag(fake._pop_delay(UPLOAD))
        return fake.receive_upload(file_id, body, content_type or None)

    def _response_url(self, key: str, body: bytes) -> None:
        fake = self.server.fake
        fake.lag(fake._pop_delay(RESPONSE_URL))
        try:
            decoded: Any = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
        status, text = fake.receive_response(key, decoded)
        self._send_text(status, text)

    def _send(self, status: int, data: bytes, content_type: str, extra: Mapping[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake slack: client went away before the answer")

    def _send_json(
        self, status: int, body: Mapping[str, Any], extra: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", extra or {})

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8", {})
