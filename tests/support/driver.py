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
from tests.support.polling import wait_until

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

    def healthy(self) -> bool:
        """Whether /healthz answers 200; fails at once if the process has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"mlscore serve exited early:\n{self.log()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log_tail(self) -> str:
        return self.log()[-4000:]

    def finished(self, work_function: str) -> int:
        """How many times the work after an ack has finished in `work_function` so far."""
        return self.log().count(f"work after an ack done in {work_function}\n")

    def charts_posted(self) -> int:
        """How many trend charts the background pool has finished posting (or failed to)."""
        return self.log().count("trend chart post finished\n")

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
        # DEBUG: the tests wait on the lines that say a piece of work is over.
        LOG_LEVEL="DEBUG",
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
        wait_until(bot.healthy, timeout=30, what="serve to answer /healthz", context=bot.log)
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
        return wait_until(
            lambda: [r.body for r in self.fake.responses if r.url == response_url],
            timeout=timeout,
            what=f"a response on {response_url}",
            context=self.bot.log_tail,
        )

    def wait_for(self, predicate: Any, *, timeout: float = 10, what: str = "condition") -> Any:
        return wait_until(predicate, timeout=timeout, what=what, context=self.bot.log_tail)

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
