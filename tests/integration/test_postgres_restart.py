"""PostgreSQL goes away in the middle of a submission and comes back.

The real `mlscore serve` process runs on a PostgreSQL server of this test's own (initdb in a
temporary directory, its own port: tests/private_postgres.py). The person has answered pages
1-3 of the assessment; the server is stopped, the last page is submitted, the server is started
again. The person must either see the assessment stored or be told it was not (the modal stays
open with an error) - never a modal that closes on nothing. Then, without restarting the bot,
the same submission and a new one must work (pool_pre_ping throws away the dead pooled
connections).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.slack.i18n import t
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import answer_page, create_team, open_modal
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.private_postgres import private_postgres

pytestmark = pytest.mark.postgres

ADMIN, LEAD, OTHER = "U0ADMIN", "U0USER", "U0SECOND"
CHANNEL = "C0CHANNEL"


@dataclass
class Restarted:
    """What happened around the one restart, shared by the tests of this module."""

    url: str
    bot: BotProcess
    slack: SlackDriver
    fake: FakeSlack
    page: dict[str, Any]
    status: int
    body: dict[str, Any] | None
    stored: int


def assessments(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM assessments")).scalar_one())
    finally:
        engine.dispose()


def last_page(slack: SlackDriver, fake: FakeSlack, user: str) -> dict[str, Any]:
    view = open_modal(slack, fake, user)
    for _ in range(3):
        _, body = slack.submit_view(answer_page(view, "manual"), user=user)
        assert body is not None
        assert body["response_action"] == "update"
        view = fake.view_stack(user)[-1]
    return answer_page(view, "automated")


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restarted]:
    """Pages 1-3 answered, then: stop PostgreSQL, submit the last page, start it again."""
    with private_postgres() as server, FakeSlack(channel_rate=None) as fake:
        fake.add_user(ADMIN, "admin", is_admin=True)
        fake.add_user(OTHER, "second")
        fake.set_members(CHANNEL, [LEAD, OTHER, ADMIN, "U0BOT"])
        with run_bot(fake, server.url, tmp_path_factory.mktemp("restart")) as bot:
            slack = SlackDriver(bot, fake)
            create_team(slack)
            page = last_page(slack, fake, LEAD)
            server.stop()
            try:
                response, body = slack.submit_view(page)
            finally:
                server.start()
                server.wait_ready()
            yield Restarted(
                server.url,
                bot,
                slack,
                fake,
                page,
                response.status_code,
                body,
                assessments(server.url),
            )
            slack.http.close()


def test_a_submission_while_postgres_is_down_is_stored_or_refused_never_dropped(
    restarted: Restarted,
) -> None:
    assert restarted.status == 200
    if restarted.body == {"response_action": "clear"}:
        assert restarted.stored == 1, "the modal closed but nothing was stored"
        return
    assert restarted.body is not None, "the modal closed on nothing (the last page is lost)"
    assert restarted.body["response_action"] == "errors"
    assert t("error.storage", "en") in restarted.body["errors"].values()
    assert restarted.stored == 0


def test_after_postgres_comes_back_the_bot_stores_submissions_without_a_restart(
    restarted: Restarted,
) -> None:
    slack, fake, url = restarted.slack, restarted.fake, restarted.url
    # The person who was cut off presses Submit again (the same view: stored once at most).
    _, body = slack.submit_view(restarted.page)
    assert body == {"response_action": "clear"}
    assert assessments(url) == 1
    # Someone else assesses afresh.
    _, body = slack.submit_view(last_page(slack, fake, OTHER), user=OTHER)
    assert body == {"response_action": "clear"}
    assert assessments(url) == 2
    assert httpx.get(f"{restarted.bot.url}/healthz", timeout=5).status_code == 200
