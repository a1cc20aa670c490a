"""`mlscore socket` over a local Socket Mode server: a slash command and a modal submission."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack_api import APP_TOKEN, FakeSlack
from tests.fakes.socket_mode import FakeSocketModeServer
from tests.support.conversation import ADMIN, LEAD
from tests.support.driver import bot_env
from tests.support.polling import wait_until
from tests.support.view_state import fill_state


def command_payload(fake: FakeSlack, text: str, user: str) -> dict[str, Any]:
    return {
        "command": "/mlscore",
        "text": text,
        "team_id": "T0FAKE",
        "user_id": user,
        "channel_id": "C0CHANNEL",
        "trigger_id": fake.new_trigger_id(user),
        "response_url": fake.new_response_url(channel_id="C0CHANNEL", user_id=user),
        "api_app_id": "A0FAKE",
    }


def wait_for(predicate: Any, what: str, log: Path, timeout: float = 20) -> Any:
    def tail() -> str:
        return log.read_text()[-3000:]

    return wait_until(predicate, timeout=timeout, what=what, context=tail)


@pytest.fixture
def socket_bot(fake: FakeSlack, tmp_path: Path):
    server = FakeSocketModeServer(fake).start()
    log = tmp_path / "socket.log"
    env = bot_env(fake, f"sqlite:///{tmp_path / 'socket.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket", "--no-scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: server.connected, "the bot to connect", log)
        yield server, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        server.stop()


def test_a_slash_command_and_a_view_submission_travel_over_socket_mode(
    fake: FakeSlack, socket_bot: tuple[FakeSocketModeServer, Path]
) -> None:
    server, log = socket_bot

    create = server.send_envelope(
        "slash_commands", command_payload(fake, "team create Vision", ADMIN)
    )
    server.wait_ack(create, timeout=10)
    wait_for(lambda: any("Vision" in str(r.body) for r in fake.responses), "team created", log)

    payload = command_payload(fake, "assess", LEAD)
    envelope = server.send_envelope("slash_commands", payload)
    server.wait_ack(envelope, timeout=10)
    view = wait_for(lambda: fake.view_stack(LEAD) and fake.view_stack(LEAD)[-1], "modal", log)

    values = {
        block["block_id"]: "automated"
        for block in view["blocks"]
        if block.get("block_id", "").startswith("item:")
    }
    values["stage"] = "roadmap"
    submission = {
        "type": "view_submission",
        "team": {"id": "T0FAKE"},
        "user": {"id": LEAD, "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "view": fill_state(view, values),
    }
    ack = server.wait_ack(server.send_envelope("interactive", submission), timeout=10)
    assert ack["payload"]["response_action"] == "update"
    assert ack["payload"]["view"]["callback_id"] == "assessment"
    assert server.violations == []
