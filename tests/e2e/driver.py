"""Drives the real `mlscore serve` process the way Slack would.

Requests are signed with the real HMAC scheme and a current timestamp; interactions carry
trigger_ids and response_urls issued by the fake Web API, so the bot's answers land there and
can be inspected.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.signing import command_body, event_body, interactive_body, signed_headers
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class BotProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def bot_env(
    fake: FakeSlack, database_url: str, *, unset: tuple[str, ...] = (), **extra: str
) -> dict[str, str]:
    """The serve process's environment; `unset` names variables to leave out entirely."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "MLSCORE_", "DATABASE_URL"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=database_url,
        MLSCORE_ADMINS="U0ADMIN",
        MPLBACKEND="Agg",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    for name in unset:
        env.pop(name, None)
    return env


@contextmanager
def run_bot(
    fake: FakeSlack,
    database_url: str,
    tmp_path: Path,
    *,
    args: tuple[str, ...] = ("--no-scheduler",),
    unset: tuple[str, ...] = (),
    program: tuple[str, ...] = (sys.executable, "-m", "bot"),
    **extra_env: str,
) -> Iterator[BotProcess]:
    """`program serve` (by default the checkout's `python -m bot`), healthy, then SIGTERM."""
    port = free_port()
    log_path = tmp_path / f"bot-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                *program,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *args,
            ],
            cwd=tmp_path,
            env=bot_env(fake, database_url, unset=unset, **extra_env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"mlscore serve exited early:\n{bot.log()}")
            try:
                if httpx.get(f"{bot.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlscore serve did not become healthy:\n{bot.log()}")
            time.sleep(0.05)
        yield bot
    finally:
        bot.stop()


@dataclass
class SlackDriver:
    """Plays Slack's part: sends signed requests and fills modals as Slack's UI would."""

    bot: BotProcess
    fake: FakeSlack
    secret: str = SIGNING_SECRET
    team_id: str = TEAM_ID
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))

    def post(self, body: bytes, *, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.http.post(
            f"{self.bot.url}/slack/events",
            content=body,
            headers=dict(headers) if headers is not None else signed_headers(self.secret, body),
        )

    def command(
        self,
        text: str,
        *,
        user: str = "U0USER",
        channel: str = "C0CHANNEL",
        team_id: str | None = None,
    ) -> tuple[httpx.Response, str, str]:
        """Sends `/mlscore text`; returns the HTTP response, its trigger_id and response_url."""
        trigger = self.fake.new_trigger_id(user)
        response_url = self.fake.new_response_url(channel_id=channel, user_id=user)
        body = command_body(
            text,
            user_id=user,
            channel_id=channel,
            team_id=team_id or self.team_id,
            trigger_id=trigger,
            response_url=response_url,
        )
        return self.post(body), trigger, response_url

    def interactive(self, payload: Mapping[str, Any]) -> httpx.Response:
        return self.post(interactive_body(payload))

    def event(self, event: Mapping[str, Any], *, team_id: str | None = None) -> httpx.Response:
        return self.post(event_body(event, team_id=team_id or self.team_id))

    def responses_to(self, response_url: str, *, timeout: float = 10) -> list[dict[str, Any]]:
        """Waits until the bot has answered on response_url; returns every body posted there."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r.body for r in self.fake.responses if r.url == response_url]
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no response on {response_url}:\n{self.bot.log()}")
            time.sleep(0.02)

    def wait_for(self, predicate: Any, *, timeout: float = 10, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.bot.log()[-4000:]}")
            time.sleep(0.02)

    def block_action(
        self,
        action: Mapping[str, Any],
        *,
        user: str = "U0USER",
        view: Mapping[str, Any] | None = None,
        channel: str | None = None,
        message: Mapping[str, Any] | None = None,
        container_type: str | None = None,
    ) -> tuple[httpx.Response, str]:
        trigger = self.fake.new_trigger_id(user)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {"id": user, "team_id": self.team_id},
            "api_app_id": "A0FAKE",
            "trigger_id": trigger,
            "actions": [dict(action, action_ts=str(time.time()))],
        }
        if view is not None:
            payload["view"] = dict(view)
            payload["container"] = {"type": "view", "view_id": view["id"]}
        if channel is not None:
            payload["channel"] = {"id": channel}
            payload["response_url"] = self.fake.new_response_url(channel_id=channel, user_id=user)
            payload["container"] = {
                "type": container_type or "message",
                "channel_id": channel,
                "message_ts": (message or {}).get("ts", "1.1"),
            }
        if message is not None:
            payload["message"] = dict(message)
        return self.interactive(payload), trigger

    def submit_view(
        self, view: Mapping[str, Any], *, user: str = "U0USER"
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        """Submits the modal as it stands (its state filled in) and applies the ack to the stack."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {"id": user, "team_id": self.team_id},
            "api_app_id": "A0FAKE",
            "trigger_id": self.fake.new_trigger_id(user),
            "view": dict(view),
        }
        response = self.interactive(payload)
        body = json.loads(response.text) if response.text.strip() else None
        self.fake.apply_view_submission_response(user, body)
        return response, body

    def close_view(self, view: Mapping[str, Any], *, user: str = "U0USER") -> httpx.Response:
        payload = {
            "type": "view_closed",
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {"id": user, "team_id": self.team_id},
            "api_app_id": "A0FAKE",
            "view": dict(view),
            "is_cleared": False,
        }
        return self.interactive(payload)


def _option_state(element: Mapping[str, Any], value: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"type": element["type"]}
    if value is None:
        state["selected_option"] = None
        return state
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option["value"] == value:
            state["selected_option"] = option
            return state
    raise AssertionError(f"{value!r} is not an option of {element.get('action_id')}")


def fill_state(
    view: Mapping[str, Any], values: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """The view with `state.values` filled as Slack fills it.

    `values` maps block_id to the value to choose or type; every other input keeps its initial
    value, which is what Slack reports for an untouched element.
    """
    values = dict(values or {})
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        elements: list[Mapping[str, Any]] = []
        if block.get("type") == "input":
            elements = [block["element"]]
        elif block.get("type") == "actions":
            elements = [e for e in block.get("elements", []) if e.get("type") != "button"]
        for element in elements:
            block_id = block["block_id"]
            key = block_id if block.get("type") == "input" else f"{block_id}/{element['action_id']}"
            kind = element["type"]
            if kind == "plain_text_input":
                value = values.get(key, element.get("initial_value"))
                entry: dict[str, Any] = {"type": kind, "value": value}
            elif kind in ("radio_buttons", "static_select"):
                initial = element.get("initial_option")
                chosen = values.get(key, initial["value"] if initial else None)
                entry = _option_state(element, chosen)
            else:
                continue
            state.setdefault(block_id, {})[element["action_id"]] = entry
    filled = dict(view)
    filled["state"] = {"values": state}
    return filled
