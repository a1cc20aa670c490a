"""What people do in Slack, as the end-to-end tests script it against the real `serve` process.

The cast matches the workspace the e2e `fake` fixture sets up (tests/e2e/conftest.py).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from tests.fakes.slack_api import FakeSlack
from tests.support.driver import BotProcess, SlackDriver
from tests.support.processes import exited, wait_until_gone
from tests.support.view_state import fill_state

ADMIN = "U0ADMIN"
LEAD = "U0USER"
OUTSIDER = "U0OUTSIDER"
SPANISH = "U0ESPANOL"
TEAM_CHANNEL = "C0CHANNEL"
OTHER_CHANNEL = "C0OTHER"


def text_of(body: dict[str, Any]) -> str:
    """Everything a person reads in a message: the fallback and every block's text."""
    return json.dumps(body, ensure_ascii=False)


def create_team(slack: SlackDriver, name: str = "Vision") -> None:
    response, _, url = slack.command(f"team create {name}", user=ADMIN)
    assert response.status_code == 200
    assert name in text_of(slack.responses_to(url)[0])


def open_modal(slack: SlackDriver, fake: FakeSlack, user: str = LEAD) -> dict[str, Any]:
    response, trigger, _ = slack.command("assess", user=user)
    assert response.status_code == 200
    calls = slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="views.open",
    )
    assert calls[0].ok
    return fake.view_stack(user)[-1]


def answer_page(view: dict[str, Any], level: str, notes: dict[str, str] | None = None) -> dict:
    values: dict[str, str | None] = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("item:"):
            values[block_id] = level
        if block_id == "stage":
            values[block_id] = "production"
    for item, note in (notes or {}).items():
        values[f"note:{item}"] = note
    return fill_state(view, values)


def complete_assessment(
    slack: SlackDriver, fake: FakeSlack, levels: tuple[str, str, str, str], user: str = LEAD
) -> None:
    view = open_modal(slack, fake, user)
    for page, level in enumerate(levels):
        filled = answer_page(view, level, {"FD1": "schema checked in CI"} if page == 0 else None)
        response, body = slack.submit_view(filled, user=user)
        assert response.status_code == 200
        if page < 3:
            assert body is not None
            assert body["response_action"] == "update"
            view = fake.view_stack(user)[-1]
        else:
            assert body is not None
            assert body["response_action"] == "clear"


def db_of(bot: BotProcess) -> Path:
    # The e2e `bot` fixture keeps its SQLite file next to its log, in the test's tmp_path.
    return bot.log_path.parent / "e2e.db"


def stored_assessments(bot: BotProcess) -> int:
    with sqlite3.connect(db_of(bot)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM assessments").fetchone()
    return int(count)


def announcements(fake: FakeSlack) -> list[str]:
    return [text for text in fake.posted_texts(TEAM_CHANNEL) if "ML Test Score" in text]


def dms_to(fake: FakeSlack, user: str) -> list[str]:
    """Texts the bot sent to the person directly (chat.postMessage with channel=user id)."""
    return [
        str(call.params.get("text") or "")
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == user and call.ok
    ]


def to_last_page(slack: SlackDriver, fake: FakeSlack, level: str = "manual") -> dict[str, Any]:
    """Opens the modal and submits pages 1-3; returns the last page, filled in."""
    view = open_modal(slack, fake)
    for _ in range(3):
        _, body = slack.submit_view(answer_page(view, level))
        assert body is not None
        assert body["response_action"] == "update"
        view = fake.view_stack(LEAD)[-1]
    return answer_page(view, level)


def assessed_twice(slack: SlackDriver, fake: FakeSlack) -> None:
    """Two assessments, so the scorecard has a trend chart to upload."""

    create_team(slack)
    complete_assessment(slack, fake, ("manual", "manual", "manual", "manual"))
    complete_assessment(slack, fake, ("automated", "manual", "automated", "manual"))


def draw_a_chart(slack: SlackDriver, fake: FakeSlack) -> None:
    """Two assessments and a scorecard: its trend chart starts the chart worker."""
    assessed_twice(slack, fake)
    _, _, url = slack.command("scorecard")
    slack.responses_to(url)
    slack.wait_for(lambda: fake.files, timeout=15, what="the scorecard's trend chart")


def stop_and_expect_gone(bot: BotProcess, helpers: list[int], *, wait: float) -> None:
    """SIGTERM to serve: it exits within `wait` s with status 0 (a stop carried out), and every
    helper process was closed by serve before it ended (not left to notice on its own that serve
    is gone)."""
    bot.process.send_signal(signal.SIGTERM)
    try:
        bot.process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve did not exit on SIGTERM:\n{bot.log()[-4000:]}") from None
    assert bot.process.returncode == 0, bot.log()[-4000:]
    for helper in helpers:
        closed_first = exited(helper)
        gone = wait_until_gone(helper, timeout=10)
        if not gone:
            os.kill(helper, signal.SIGKILL)  # not left running after a failed test
        assert gone, f"process {helper} outlived the server:\n{bot.log()[-4000:]}"
        assert closed_first, f"process {helper} was still running when serve exited"
