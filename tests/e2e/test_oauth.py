"""Many workspaces through the real server: install over OAuth, per-workspace tokens, isolation,
uninstall, and refusing to start without the token key."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.slack.oauth import BOT_SCOPES
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.support.driver import BotProcess, SlackDriver, bot_env, free_port, run_bot

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-abc"
TOKEN_KEY = Fernet.generate_key().decode()
COOKIE = "slack-app-oauth-state"
ADMIN = "U0ADMIN"
TEAM_A, TEAM_B = "T0AAA", "T0BBB"
CHANNEL_A, CHANNEL_B = "C0CHANA", "C0CHANB"


@dataclass
class Workspace:
    team_id: str
    channel: str
    token: str


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    # strict_tokens: a call with a token the fake never issued is refused, not served as T0FAKE.
    with FakeSlack(
        channel_rate=None, strict_tokens=True, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as server:
        server.add_user(ADMIN, "admin", is_admin=True)
        server.add_channel(CHANNEL_A, "team-a", members=[ADMIN, "U0BOT"], team_id=TEAM_A)
        server.add_channel(CHANNEL_B, "team-b", members=[ADMIN, "U0BOT"], team_id=TEAM_B)
        yield server
        assert server.violations == []


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "oauth.db"


@pytest.fixture
def bot(fake: FakeSlack, db_path: Path, tmp_path: Path) -> Iterator[BotProcess]:
    # No single-workspace token at all: every token comes from an installation.
    with run_bot(
        fake,
        f"sqlite:///{db_path}",
        tmp_path,
        unset=("SLACK_BOT_TOKEN",),
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        MLSCORE_TOKEN_KEY=TOKEN_KEY,
    ) as process:
        yield process


@pytest.fixture
def slack(bot: BotProcess, fake: FakeSlack) -> Iterator[SlackDriver]:
    driver = SlackDriver(bot, fake)
    yield driver
    driver.http.close()


def start_install(bot: BotProcess) -> tuple[str, dict[str, list[str]]]:
    """GET /slack/install as a browser: the state cookie and the authorize link's query."""
    page = httpx.get(f"{bot.url}/slack/install", timeout=10)
    assert page.status_code == 200
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(page.headers["set-cookie"])
    state = cookie[COOKIE].value
    link = re.search(r'<a href="([^"]+)"', page.text)
    assert link is not None
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
    return state, query


def finish_install(bot: BotProcess, *, code: str, state: str) -> httpx.Response:
    """Slack sends the browser back to the redirect URL with the code and the state."""
    return httpx.get(
        f"{bot.url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"cookie": f"{COOKIE}={state}"},
        timeout=15,
    )


def install(bot: BotProcess, fake: FakeSlack, team_id: str, channel: str) -> Workspace:
    state, query = start_install(bot)
    assert query["state"] == [state]
    token = fake.add_oauth_code(
        f"code-{team_id}",
        team_id=team_id,
        team_name=f"Workspace {team_id}",
        bot_user_id="U0BOT",
        authed_user_id=ADMIN,
    )
    done = finish_install(bot, code=f"code-{team_id}", state=state)
    assert done.status_code == 200, done.text
    assert "Thank you!" in done.text
    return Workspace(team_id, channel, token)


def command(slack: SlackDriver, ws: Workspace, text: str) -> tuple[str, list[str]]:
    """Runs /mlscore in the workspace; returns the reply and the tokens of the Web API calls
    made while answering it."""
    before = len(slack.fake.calls)
    response, _, url = slack.command(text, user=ADMIN, channel=ws.channel, team_id=ws.team_id)
    assert response.status_code == 200
    reply = json.dumps(slack.responses_to(url)[0])
    tokens = [
        call.headers.get("authorization", "").removeprefix("Bearer ")
        for call in slack.fake.calls[before:]
        if call.method != "oauth.v2.access"
    ]
    return reply, tokens


def rows(db_path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as connection:
        return list(connection.execute(sql, args))


def test_the_install_page_asks_for_the_manifest_scopes_with_a_signed_state(
    bot: BotProcess,
) -> None:
    state, query = start_install(bot)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert query["state"] == [state]
    assert start_install(bot)[0] != state


def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, db_path: Path
) -> None:
    a = install(bot, fake, TEAM_A, CHANNEL_A)
    b = install(bot, fake, TEAM_B, CHANNEL_B)
    assert a.token != b.token

    # oauth.v2.access was called with the app's credentials, once per workspace.
    exchanges = fake.calls_to("oauth.v2.access")
    assert [c.ok for c in exchanges] == [True, True]

    # Stored: one installation per workspace, tokens only as ciphertext.
    stored = rows(db_path, "SELECT slack_team_id, bot_token_encrypted FROM installations")
    assert sorted(team for team, _ in stored) == [TEAM_A, TEAM_B]
    for _, blob in stored:
        assert a.token.encode() not in blob
        assert b.token.encode() not in blob

    reply, tokens = command(slack, a, "team create Vision")
    assert "Vision" in reply
    assert tokens
    assert set(tokens) == {a.token}

    reply, tokens = command(slack, b, "team create Speech")
    assert "Speech" in reply
    assert tokens
    assert set(tokens) == {b.token}
    assert BOT_TOKEN not in {c.headers.get("authorization", "")[7:] for c in fake.calls}

    # No token, client secret or key reaches the log; Bolt saw no stray app-wide token.
    log = bot.log()
    assert "will be unused" not in log
    for secret in (a.token, b.token, CLIENT_SECRET, TOKEN_KEY):
        assert secret not in log


def test_a_team_of_one_workspace_is_unknown_in_the_other(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    a = install(bot, fake, TEAM_A, CHANNEL_A)
    b = install(bot, fake, TEAM_B, CHANNEL_B)
    assert "Vision" in command(slack, a, "team create Vision")[0]

    assert "Vision" in command(slack, a, "teams")[0]
    assert "Vision" not in command(slack, b, "teams")[0]
    reply, _ = command(slack, b, "scorecard Vision")
    assert "know a team called *Vision*" in reply


def test_a_state_is_single_use_and_a_forged_one_is_refused(
    fake: FakeSlack, bot: BotProcess, db_path: Path
) -> None:
    state, _ = start_install(bot)
    fake.add_oauth_code("code-1", team_id=TEAM_A)
    assert finish_install(bot, code="code-1", state=state).status_code == 200

    fake.add_oauth_code("code-2", team_id=TEAM_B)
    replay = finish_install(bot, code="code-2", state=state)
    assert replay.status_code != 200
    forged = finish_install(bot, code="code-2", state=state[:-4] + "AAAA")
    assert forged.status_code != 200

    assert rows(db_path, "SELECT slack_team_id FROM installations") == [(TEAM_A,)]
    # The refused callbacks never reached Slack: code-2 is still unused.
    assert len(fake.calls_to("oauth.v2.access")) == 1


def test_uninstalling_erases_that_workspace_and_leaves_the_other_working(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, db_path: Path
) -> None:
    a = install(bot, fake, TEAM_A, CHANNEL_A)
    b = install(bot, fake, TEAM_B, CHANNEL_B)
    command(slack, a, "team create Vision")
    command(slack, b, "team create Speech")

    fake.revoke_token(a.token)  # what Slack does when the app is removed
    response = slack.event({"type": "app_uninstalled"}, team_id=TEAM_A)
    assert response.status_code == 200

    def erased() -> bool:
        return not rows(db_path, "SELECT 1 FROM workspaces WHERE slack_team_id = ?", TEAM_A)

    slack.wait_for(erased, what="workspace A erased")
    assert rows(db_path, "SELECT slack_team_id FROM installations") == [(TEAM_B,)]
    assert rows(db_path, "SELECT name FROM teams") == [("Speech",)]

    # A is told to reinstall; nothing of it remains to be found.
    reply, tokens = command(slack, a, "teams")
    assert "reinstall" in reply
    assert tokens == []
    # B is unaffected.
    reply, tokens = command(slack, b, "teams")
    assert "Speech" in reply
    assert set(tokens) <= {b.token}


def test_oauth_mode_refuses_to_start_without_the_token_key(fake: FakeSlack, tmp_path: Path) -> None:
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'nokey.db'}",
        unset=("SLACK_BOT_TOKEN",),
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    port = str(free_port())
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--no-scheduler",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode != 0
    output = finished.stdout + finished.stderr
    assert "MLSCORE_TOKEN_KEY" in output
    assert "Fernet.generate_key()" in output
