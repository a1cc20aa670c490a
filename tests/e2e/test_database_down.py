"""The database goes away under the real `mlscore serve` (a PostgreSQL server of the test's
own, stopped and started by the test): every `/mlscore` command answers that storage is
unavailable, in the person's language; `help` still works; the Home tab says the same; /healthz
is 503. When the database is back, the same process answers as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bot.slack.i18n import t
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    ADMIN,
    LEAD,
    SPANISH,
    TEAM_CHANNEL,
    create_team,
    open_modal,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.private_postgres import PrivateServer, private_postgres
from tests.support.view_state import fill_state

UNAVAILABLE_EN = t("error.storage_unavailable", "en")
UNAVAILABLE_ES = t("error.storage_unavailable", "es")

# Every command, typed by an admin so that no permission check answers before the database.
COMMANDS = [
    "teams",
    "team create Another",
    "assess",
    "scorecard",
    "scorecard public",
    "gaps",
    "trend",
    "stage production",
    "schedule monthly",
    "skip",
    "pause until 2031-01-01",
    "resume",
    "digest",
    "language es",
    "criteria",
    "criteria survey",
    "criteria results",
    "export",
    "erase team Vision",
    f"erase notes <@{LEAD}|user>",
]


@dataclass
class Stack:
    server: PrivateServer
    bot: BotProcess
    slack: SlackDriver
    fake: FakeSlack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with private_postgres() as server, FakeSlack(channel_rate=None) as fake:
        fake.add_user(ADMIN, "admin", is_admin=True)
        fake.add_user(SPANISH, "lucia", locale="es-ES", tz="Europe/Madrid")
        fake.set_members(TEAM_CHANNEL, [LEAD, ADMIN, SPANISH, "U0BOT"])
        with run_bot(fake, server.url, tmp_path_factory.mktemp("down")) as bot:
            slack = SlackDriver(bot, fake)
            create_team(slack)
            yield Stack(server, bot, slack, fake)
            slack.http.close()


@pytest.fixture
def down(stack: Stack) -> Iterator[Stack]:
    stack.server.stop()
    try:
        yield stack
    finally:
        stack.server.start()
        stack.server.wait_ready()


def answer(slack: SlackDriver, text: str, user: str = ADMIN) -> str:
    """The text of the bot's last answer on the command's response_url."""
    response, _, url = slack.command(text, user=user)
    assert response.status_code == 200
    return str(slack.responses_to(url, timeout=15)[-1]["text"])


def test_every_command_says_storage_is_unavailable(down: Stack) -> None:
    answers = {command: answer(down.slack, command) for command in COMMANDS}
    wrong = {command: text for command, text in answers.items() if text != UNAVAILABLE_EN}
    assert wrong == {}


def test_the_answer_is_in_the_persons_language(down: Stack) -> None:
    assert answer(down.slack, "teams", user=SPANISH) == UNAVAILABLE_ES
    assert answer(down.slack, "scorecard", user=SPANISH) == UNAVAILABLE_ES


def test_help_needs_no_database(down: Stack) -> None:
    # Also from a workspace this process has not seen yet (nothing cached about it).
    for text, workspace in (("help", None), ("", None), ("help", "T0NEVERSEEN")):
        response, _, url = down.slack.command(text, user=LEAD, team_id=workspace)
        assert response.status_code == 200
        shown = text_of(down.slack.responses_to(url, timeout=15)[-1])
        assert "/mlscore assess" in shown
        assert UNAVAILABLE_EN not in shown


def test_the_home_tab_says_storage_is_unavailable(down: Stack) -> None:
    response = down.slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
    assert response.status_code == 200
    home = down.slack.wait_for(lambda: down.fake.home_view(LEAD), what="the Home tab")
    assert UNAVAILABLE_EN in json.dumps(home, ensure_ascii=False)


def test_healthz_is_503(down: Stack) -> None:
    response = httpx.get(f"{down.bot.url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": False}


def test_once_the_database_is_back_the_same_process_answers_again(stack: Stack) -> None:
    stack.server.stop()
    try:
        assert answer(stack.slack, "teams") == UNAVAILABLE_EN
    finally:
        stack.server.start()
        stack.server.wait_ready()
    response, _, url = stack.slack.command("teams", user=ADMIN)
    assert response.status_code == 200
    assert "Vision" in text_of(stack.slack.responses_to(url, timeout=15)[-1])
    assert httpx.get(f"{stack.bot.url}/healthz", timeout=10).status_code == 200


def test_a_form_closed_while_storage_is_down_tells_its_draft_was_not_kept(stack: Stack) -> None:
    for user, words in ((LEAD, "could not keep what you typed"), (SPANISH, "No he podido guardar")):
        view = open_modal(stack.slack, stack.fake, user=user)
        filled = fill_state(view, {"note:FD1": "typed before closing"})
        stack.server.stop()
        try:
            response = stack.slack.close_view(filled, user=user)
            assert response.status_code == 200
            stack.slack.wait_for(
                lambda u=user, w=words: any(  # type: ignore[misc]
                    w in m.text for m in stack.fake.messages("D" + u[1:])
                ),
                timeout=15,
                what="the person told the draft was not kept",
            )
        finally:
            stack.server.start()
            stack.server.wait_ready()
