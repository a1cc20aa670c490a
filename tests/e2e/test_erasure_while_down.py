"""The app is uninstalled (or its token revoked) while the database is down: the erasure is not
lost. The bot answers Slack 503, so Slack sends the event again, and the retry, once the
database is back, erases the workspace. A PostgreSQL server of the test's own is stopped and
started; the shared one is never touched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.fakes.signing import event_body, signed_headers
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.support.conversation import ADMIN, LEAD, TEAM_CHANNEL, create_team
from tests.support.driver import SIGNING_SECRET, SlackDriver, run_bot
from tests.support.private_postgres import PrivateServer, private_postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PrivateServer]:
    with private_postgres() as running:
        yield running


def workspaces(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM workspaces WHERE slack_team_id = :team"),
                {"team": TEAM_ID},
            )
            return int(found.scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}},
    ],
)
def test_an_erasure_event_while_the_database_is_down_is_answered_503_and_done_on_retry(
    server: PrivateServer, tmp_path: Path, event: dict[str, object]
) -> None:
    with FakeSlack(channel_rate=None) as fake:
        fake.add_user(ADMIN, "admin", is_admin=True)
        fake.set_members(TEAM_CHANNEL, [LEAD, ADMIN, "U0BOT"])
        with run_bot(fake, server.url, tmp_path) as bot:
            slack = SlackDriver(bot, fake)
            create_team(slack)
            assert workspaces(server.url) == 1
            body = event_body(event)

            server.stop()
            try:
                first = slack.post(body)
            finally:
                server.start()
                server.wait_ready()

            assert first.status_code == 503
            assert workspaces(server.url) == 1
            # Slack's retry: the same event, marked as such.
            headers = {**signed_headers(SIGNING_SECRET, body), "X-Slack-Retry-Num": "1"}
            retry = slack.post(body, headers=headers)
            assert retry.status_code == 200
            assert workspaces(server.url) == 0
            slack.http.close()
