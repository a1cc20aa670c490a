"""End-to-end fixtures: the real `mlscore serve` process, the fake Slack, signed requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, OTHER_CHANNEL, OUTSIDER, SPANISH, TEAM_CHANNEL
from tests.support.driver import BotProcess, SlackDriver, run_bot


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    # The per-channel limit is exercised by the scheduling tests; here it would only slow
    # down a conversation that posts a scorecard and a chart in the same second.
    with FakeSlack(channel_rate=None) as server:
        server.add_user(ADMIN, "admin", is_admin=True)
        server.add_user(OUTSIDER, "outsider")
        server.add_user(SPANISH, "lucia", locale="es-ES", tz="Europe/Madrid")
        server.set_members(TEAM_CHANNEL, [LEAD, ADMIN, SPANISH, "U0BOT"])
        server.add_channel(OTHER_CHANNEL, "other-team", members=[OUTSIDER, "U0BOT"])
        yield server
        assert server.violations == [], "a Block Kit payload broke one of Slack's limits"


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path) -> Iterator[BotProcess]:
    with run_bot(fake, f"sqlite:///{tmp_path / 'e2e.db'}", tmp_path) as process:
        yield process


@pytest.fixture
def slack(bot: BotProcess, fake: FakeSlack) -> Iterator[SlackDriver]:
    driver = SlackDriver(bot, fake)
    yield driver
    driver.http.close()


@pytest.fixture
def engine(bot: BotProcess, database_url: str) -> Iterator[Engine]:
    """A direct connection to the server's database, for modules whose `bot` runs on
    `database_url` (SQLite and PostgreSQL)."""
    made = create_engine(database_url, poolclass=NullPool)
    yield made
    made.dispose()
