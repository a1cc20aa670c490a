"""Shared pieces of the scheduling tests (no tests here): seeding teams, building TickDeps
against a real FakeSlack, and reading back what Slack received."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.metrics import Metrics
from bot.rubric_registry import RubricRegistry
from bot.scheduling.deps import TickDeps
from bot.scheduling.pacing import Pacer
from bot.services.scheduling import SchedulingStore
from bot.settings import Settings
from bot.slack.blocks.checkin import parse_checkin_value
from bot.slack.clients import make_web_client
from rubric.model import Answer, Stage
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
RUBRIC = "ml-test-score"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def make_settings(database_url: str, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_api_url": fake.base_url,
        "reminder_after_hours": 48,
        "digest_weekday": 4,
        "digest_time": "16:00",
        "delivery_lease_seconds": 300,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_deps(
    db: Database,
    fake: FakeSlack,
    *,
    settings: Settings | None = None,
    attempts: int = 2,
    backoff: float = 0.05,
    timeout: int = 10,
    pacer: Pacer | None = None,
    workers: int = 4,
) -> TickDeps:
    client = make_web_client(
        BOT_TOKEN, base_url=fake.base_url, attempts=attempts, backoff=backoff, timeout=timeout
    )
    return TickDeps(
        store=SchedulingStore(db),
        settings=settings or make_settings("sqlite://", fake),
        metrics=Metrics(include_process=False),
        rubrics=RubricRegistry(),
        client_for=lambda _team: client,
        pacer=pacer or Pacer(),
        workers=workers,
    )


def seed_team(
    db: Database,
    name: str,
    channel: str,
    *,
    cadence: str = "weekly",
    weekday: int = 0,
    at: str = "10:00",
    tz: str = "UTC",
    leads: Sequence[str] = (),
    paused_until: date | None = None,
    stage: Stage = Stage.PRODUCTION,
) -> int:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id=TEAM_ID, now=CREATED)
        assert workspace.id is not None
        team = repo.create_team(
            session,
            workspace_id=workspace.id,
            name=name,
            stage=stage,
            rubric_id=RUBRIC,
            channel_id=channel,
            leads=leads,
            now=CREATED,
        )
        assert team.id is not None
        repo.set_schedule(
            session,
            workspace_id=workspace.id,
            team_id=team.id,
            cadence=cadence,
            weekday=weekday,
            local_time=at,
            tz=tz,
        )
        if paused_until is not None:
            repo.set_paused_until(
                session, workspace_id=workspace.id, team_id=team.id, paused_until=paused_until
            )
        return team.id


def workspace_id(db: Database) -> int:
    with db.read() as session:
        found = repo.get_workspace(session, slack_team_id=TEAM_ID)
        assert found is not None
        assert found.id is not None
        return found.id


def assess(db: Database, team_id: int, at: datetime, choices: dict[str, str], *, key: str) -> None:
    """Store an assessment directly (as the assessment service would)."""
    registry = RubricRegistry()
    rubric = registry.get(RUBRIC)
    answers = [
        Answer(item_id=item.id, choice=choices.get(item.id, "not_done")) for item in rubric.items
    ]
    with db.write() as session:
        team = repo.require_team(session, workspace_id=workspace_id(db), team_id=team_id)
        repo.save_assessment(
            session,
            workspace_id=team.workspace_id,
            team_id=team_id,
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            criteria_version=0,
            stage=Stage(team.stage),
            answers=answers,
            note="",
            submitted_by="U0USER",
            submitted_at=at,
            period_key=None,
            submission_key=key,
        )


def posted(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """chat.postMessage calls that succeeded in `channel`, as their parameters."""
    return [
        call.params
        for call in fake.calls_to("chat.postMessage")
        if call.ok and call.response.get("channel") == channel
    ]


def button_value(params: dict[str, Any]) -> tuple[str, str] | None:
    """(team id, period) of a check-in, reminder or lead DM, from its open button."""
    for block in params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == "checkin_open":
                return parse_checkin_value(element.get("value"))
    return None


def checkins_sent(fake: FakeSlack) -> Counter[tuple[str, str, str]]:
    """(channel, team id, period) of every check-in or reminder Slack accepted, with counts.

    The check-in text says "check-in" and the reminder "Reminder"; both carry the open button.
    """
    counts: Counter[tuple[str, str, str]] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        if not call.ok:
            continue
        value = button_value(call.params)
        if value is None:
            continue
        kind = "reminder" if str(call.params.get("text", "")).startswith("Reminder") else "post"
        counts[(str(call.response.get("channel")), f"{kind}:{value[0]}", value[1])] += 1
    return counts


# ---- `mlscore tick` as a process of its own ---------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def start_cli_tick(
    database_url: str, fake: FakeSlack, now: datetime, **env: str
) -> subprocess.Popen[bytes]:
    """The real command line, `python -m bot tick --now ISO`."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MLSCORE_"))},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.base_url,
        "MLSCORE_DIGEST_WEEKDAY": "4",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return (out + err).decode()


class PostGate:
    """Holds chat.postMessage calls at the fake's door once armed: a post that has reached
    Slack but has no answer yet, for as long as the test wants."""

    def __init__(self, fake: FakeSlack) -> None:
        self.arrived = threading.Event()
        self.opened = threading.Event()
        self.armed = False
        self._dispatch = fake.dispatch_api
        fake.dispatch_api = self._gated  # type: ignore[method-assign]

    def _gated(self, method: str, params: dict, headers: dict) -> tuple:
        if method == "chat.postMessage" and self.armed:
            self.arrived.set()
            self.opened.wait(30)
        return self._dispatch(method, params, headers)
