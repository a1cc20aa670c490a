"""An in-process stand-in for Slack's Web API that records what the bot sends.

`RecordingClient` is a real slack_sdk WebClient whose transport is replaced: `api_call` answers
the handful of methods the scheduler and the listeners use, and the files v2 upload step keeps
the bytes instead of posting them. So the demo drives the same client code paths as production
(chat_postMessage, files_upload_v2's three steps, conversations_open) and never opens a socket.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.file_upload_v2_result import FileUploadV2Result
from slack_sdk.web.slack_response import SlackResponse

from bot.clock import Clock

DEMO_TOKEN = "xoxb-demo-not-a-token"  # noqa: S105  never sent anywhere: api_call is local


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    filename: str
    title: str
    alt_text: str
    content: bytes


@dataclass(frozen=True)
class Recorded:
    """One thing that would have appeared in Slack: a message, an uploaded file share, or a view.

    `payload` is what a Block Kit check or the Block Kit Builder takes: {"text", "blocks"} for a
    message, the view itself for a modal or the Home tab.
    """

    number: int
    kind: str
    """"message", "ephemeral", "files", "modal" or "home"."""
    channel: str
    at: datetime
    ts: str
    payload: dict[str, Any]
    files: tuple[UploadedFile, ...] = ()
    user: str | None = None
    """For an ephemeral message or a view: the person who sees it."""
    note: str = ""
    """What triggered it, in a few words (shown under the message in the report)."""


@dataclass
class Recording:
    """Everything recorded, in order; thread-safe, since the scheduler sends from worker threads."""

    items: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        *,
        kind: str,
        channel: str,
        at: datetime,
        payload: dict[str, Any],
        files: tuple[UploadedFile, ...] = (),
        user: str | None = None,
        note: str = "",
    ) -> Recorded:
        with self._lock:
            number = len(self.items) + 1
            # Slack's ts is "<epoch seconds>.<6 digits>", unique per channel; the counter keeps
            # two messages of the same simulated second apart.
            ts = f"{int(at.timestamp())}.{number:06d}"
            item = Recorded(number, kind, channel, at, ts, payload, files, user, note)
            self.items.append(item)
            return item

    def messages(self, channel: str | None = None) -> list[Recorded]:
        return [i for i in self.items if channel is None or i.channel == channel]


class RecordingClient(WebClient):
    """A WebClient that answers from memory and records every post, upload and view."""

    def __init__(
        self,
        recording: Recording,
        *,
        clock: Clock,
        users: Mapping[str, str] | None = None,
        members: Mapping[str, tuple[str, ...]] | None = None,
        note: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(token=DEMO_TOKEN, base_url="http://demo.invalid/api/")
        self.recording = recording
        self._clock = clock
        self._users = dict(users or {})
        self._members = dict(members or {})
        self._note = note or (lambda: "")
        self._pending: dict[str, dict[str, Any]] = {}
        self._uploaded: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # ---- the transport -------------------------------------------------------------------------

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        args: dict[str, Any] = {}
        for part in (params, data, json):
            if part:
                args.update({k: v for k, v in part.items() if v is not None})
        handler = _HANDLERS.get(api_method)
        if handler is None:
            body: dict[str, Any] = {"ok": False, "error": "unknown_method"}
        else:
            body = handler(self, args)
        response = SlackResponse(
            client=self,
            http_verb=http_verb,
            api_url=f"{self.base_url}{api_method}",
            req_args={"params": args},
            data=body,
            headers={},
            status_code=200,
        )
        validated: SlackResponse = response.validate()  # type: ignore[no-untyped-call]
        return validated

    def _upload_file(self, *, url: str, data: bytes, **_: Any) -> FileUploadV2Result:
        """The files v2 flow's middle step: keep the bytes under the upload URL we handed out."""
        with self._lock:
            self._uploaded[url] = bytes(data)
        return FileUploadV2Result(status=200, body="OK - demo")

    # ---- methods ------------------------------------------------------------------------------

    def _post(self, args: dict[str, Any], *, kind: str = "message") -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = _loads(blocks)
        payload: dict[str, Any] = {"text": args.get("text", "")}
        if blocks is not None:
            payload["blocks"] = blocks
        user = str(args["user"]) if kind == "ephemeral" and "user" in args else None
        item = self.recording.add(
            kind=kind,
            channel=channel,
            at=self._clock(),
            payload=payload,
            user=user,
            note=self._note(),
        )
        return {"ok": True, "channel": channel, "ts": item.ts, "message": payload}

    def _get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            file_id = f"F{len(self._pending) + 1:08d}"
            url = f"demo://upload/{file_id}"
            self._pending[file_id] = {
                "filename": str(args.get("filename", "")),
                "alt_txt": str(args.get("alt_txt", "")),
                "url": url,
            }
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = args.get("files", "[]")
        entries = _loads(listed) if isinstance(listed, str) else listed
        uploaded = []
        with self._lock:
            for entry in entries:
                pending = self._pending[entry["id"]]
                uploaded.append(
                    UploadedFile(
                        file_id=entry["id"],
                        filename=pending["filename"],
                        title=str(entry.get("title") or pending["filename"]),
                        alt_text=pending["alt_txt"],
                        content=self._uploaded.pop(pending["url"], b""),
                    )
                )
        channel = str(args.get("channel_id") or args.get("channels") or "")
        comment = str(args.get("initial_comment") or "")
        self.recording.add(
            kind="files",
            channel=channel,
            at=self._clock(),
            payload={"text": comment},
            files=tuple(uploaded),
            note=self._note(),
        )
        return {
            "ok": True,
            "files": [{"id": f.file_id, "title": f.title, "name": f.filename} for f in uploaded],
        }

    def _open_dm(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        return {"ok": True, "channel": {"id": dm_channel(users.split(",", maxsplit=1)[0])}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        name = self._users.get(user)
        if name is None:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": name,
                "real_name": name,
                "is_admin": False,
                "is_owner": False,
                "locale": "en-US",
            },
        }

    def _members_of(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        return {
            "ok": True,
            "members": list(self._members.get(channel, ())),
            "response_metadata": {"next_cursor": ""},
        }

    def _view(self, args: dict[str, Any], kind: str) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = _loads(view)
        user = str(args.get("user_id", "")) or None
        self.recording.add(
            kind=kind,
            channel=user or "",
            at=self._clock(),
            payload=dict(view or {}),
            user=user,
            note=self._note(),
        )
        return {"ok": True, "view": view}


def dm_channel(user_id: str) -> str:
    """The id of the bot's DM with a person (stable, so the report can name it)."""
    return f"D{user_id.removeprefix('U')}"


def _loads(text: str) -> Any:
    return json.loads(text)


_HANDLERS: dict[str, Callable[[RecordingClient, dict[str, Any]], dict[str, Any]]] = {
    "chat.postMessage": lambda c, a: c._post(a),
    "chat.postEphemeral": lambda c, a: c._post(a, kind="ephemeral"),
    "files.getUploadURLExternal": lambda c, a: c._get_upload_url(a),
    "files.completeUploadExternal": lambda c, a: c._complete_upload(a),
    "conversations.open": lambda c, a: c._open_dm(a),
    "users.info": lambda c, a: c._users_info(a),
    "conversations.members": lambda c, a: c._members_of(a),
    "views.open": lambda c, a: c._view(a, "modal"),
    "views.publish": lambda c, a: c._view(a, "home"),
    "auth.test": lambda c, a: {"ok": True, "team_id": "T0DEMO", "user_id": "U0MLSCORE"},
}
