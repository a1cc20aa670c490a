"""OAuth storage: encrypted installations (SQLite and PostgreSQL) and signed, single-use states."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.erase import erase_workspace
from bot.settings import ConfigError, Settings
from bot.slack.oauth import (
    BOT_SCOPES,
    INSTALL_PATH,
    REDIRECT_URI_PATH,
    EncryptedInstallationStore,
    NotInstalled,
    SignedStateStore,
    TokenCipher,
    TokenKeyError,
    build_oauth_settings,
    tokens_for,
    workspace_clients,
)

KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def make_installation(
    team_id: str = "T0AAA",
    *,
    bot_token: str = "xoxb-secret-aaa",
    user_id: str = "U0INSTALLER",
    user_token: str | None = None,
) -> Installation:
    return Installation(
        app_id="A0APP",
        team_id=team_id,
        team_name=f"Workspace {team_id}",
        bot_token=bot_token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        user_id=user_id,
        user_token=user_token,
        user_scopes="identify" if user_token else "",
        token_type="bot",
        installed_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp(),
    )


@pytest.fixture
def store(db: Database) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(db, TokenCipher(KEY))


def raw_installations(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.connection().execute(text("SELECT * FROM installations")).mappings()
        return [dict(row) for row in rows]


# ---------------------------------------------------------------- installations


def test_an_installation_round_trips_with_its_tokens(store: EncryptedInstallationStore) -> None:
    store.save(make_installation(user_token="xoxp-user-secret"))

    found = store.find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None
    assert found.bot_token == "xoxb-secret-aaa"
    assert found.user_token == "xoxp-user-secret"
    assert found.user_scopes == ["identify"]
    assert found.bot_scopes == ["commands", "chat:write"]
    assert (found.team_id, found.team_name, found.user_id) == (
        "T0AAA",
        "Workspace T0AAA",
        "U0INSTALLER",
    )
    assert (found.app_id, found.bot_id, found.bot_user_id) == ("A0APP", "B0BOT", "U0BOT")
    assert found.installed_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp()

    bot = store.find_bot(enterprise_id=None, team_id="T0AAA")
    assert bot is not None
    assert (bot.bot_token, bot.bot_user_id, bot.team_id) == ("xoxb-secret-aaa", "U0BOT", "T0AAA")


def test_the_stored_row_holds_no_plaintext_token(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation(bot_token="xoxb-plain-bot-777", user_token="xoxp-plain-user-888"))

    rows = raw_installations(db)
    assert len(rows) == 1
    dumped = repr(rows[0]).encode()
    for secret in (b"xoxb-plain-bot-777", b"xoxp-plain-user-888"):
        assert secret not in dumped
        for value in rows[0].values():
            if isinstance(value, bytes | memoryview):
                assert secret not in bytes(value)
    # It is Fernet ciphertext under the configured key, holding the tokens.
    sealed = json.loads(Fernet(KEY.encode()).decrypt(bytes(rows[0]["bot_token_encrypted"])))
    assert sealed["bot_token"] == "xoxb-plain-bot-777"
    assert sealed["user_token"] == "xoxp-plain-user-888"


def test_a_wrong_key_is_a_clear_error_and_never_a_garbled_token(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation())
    wrong = EncryptedInstallationStore(db, TokenCipher(OTHER_KEY))

    with pytest.raises(TokenKeyError, match="cannot be decrypted with MLSCORE_TOKEN_KEY") as caught:
        wrong.find_bot(enterprise_id=None, team_id="T0AAA")
    assert "T0AAA" in str(caught.value)
    with pytest.raises(TokenKeyError):
        wrong.find_installation(enterprise_id=None, team_id="T0AAA")
    with pytest.raises(TokenKeyError):
        tokens_for(db, OTHER_KEY)("T0AAA")


def test_a_value_that_is_not_a_fernet_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(ConfigError, match=r"not a Fernet key.*generate_key"):
        TokenCipher("not-a-key")
    with pytest.raises(ConfigError, match="key 2 of 2"):
        TokenCipher(f"{KEY},short")


def test_keys_rotate_old_rows_read_with_the_old_key_and_new_writes_use_the_new_one(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation())
    rotated = EncryptedInstallationStore(db, TokenCipher(f"{OTHER_KEY},{KEY}"))
    assert rotated.bot_token("T0AAA") == "xoxb-secret-aaa"

    rotated.save(make_installation(bot_token="xoxb-after-rotation"))
    assert EncryptedInstallationStore(db, TokenCipher(OTHER_KEY)).bot_token("T0AAA") == (
        "xoxb-after-rotation"
    )
    with pytest.raises(TokenKeyError):
        store.bot_token("T0AAA")


def test_a_reinstall_replaces_the_workspace_installation(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation(bot_token="xoxb-first"))
    store.save(make_installation(bot_token="xoxb-second", user_id="U0OTHER"))

    assert len(raw_installations(db)) == 1
    found = store.find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None
    assert (found.bot_token, found.user_id) == ("xoxb-second", "U0OTHER")


def test_each_workspace_gets_its_own_token_and_unknown_ones_none(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation("T0AAA", bot_token="xoxb-aaa"))
    store.save(make_installation("T0BBB", bot_token="xoxb-bbb"))

    lookup = tokens_for(db, KEY)
    assert lookup("T0AAA") == "xoxb-aaa"
    assert lookup("T0BBB") == "xoxb-bbb"
    assert lookup("T0CCC") is None
    assert store.find_installation(enterprise_id=None, team_id="T0CCC") is None


def test_workspace_clients_carry_the_workspace_token_and_refuse_an_uninstalled_one(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation("T0AAA", bot_token="xoxb-aaa"))
    client_for = workspace_clients(db, KEY, base_url="http://127.0.0.1:9/api/")

    client = client_for("T0AAA")
    assert client.token == "xoxb-aaa"
    assert client.base_url == "http://127.0.0.1:9/api/"
    with pytest.raises(NotInstalled, match="T0BBB"):
        client_for("T0BBB")


def test_find_installation_for_a_user_answers_only_for_the_installer(
    store: EncryptedInstallationStore,
) -> None:
    store.save(make_installation(user_token="xoxp-installer"))

    assert store.find_installation(enterprise_id=None, team_id="T0AAA", user_id="U0SOMEONE") is None
    mine = store.find_installation(enterprise_id=None, team_id="T0AAA", user_id="U0INSTALLER")
    assert mine is not None
    assert mine.user_token == "xoxp-installer"


def test_deleting_the_installation_removes_the_row_and_the_token(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation("T0AAA"))
    store.save(make_installation("T0BBB", bot_token="xoxb-bbb"))

    store.delete_installation(enterprise_id=None, team_id="T0AAA")

    assert store.find_bot(enterprise_id=None, team_id="T0AAA") is None
    assert store.find_installation(enterprise_id=None, team_id="T0AAA") is None
    assert [row["slack_team_id"] for row in raw_installations(db)] == ["T0BBB"]
    store.delete_all(enterprise_id=None, team_id="T0BBB")
    assert raw_installations(db) == []
    store.delete_bot(enterprise_id=None, team_id="T0BBB")  # already gone: no error


def test_deleting_a_users_installation_keeps_the_bot(store: EncryptedInstallationStore) -> None:
    store.save(make_installation(user_token="xoxp-installer"))

    store.delete_installation(enterprise_id=None, team_id="T0AAA", user_id="U0INSTALLER")

    found = store.find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None
    assert found.bot_token == "xoxb-secret-aaa"
    assert found.user_token is None


def test_a_rotated_bot_token_is_saved_and_the_installer_kept(
    store: EncryptedInstallationStore,
) -> None:
    store.save(make_installation())
    bot = store.find_bot(enterprise_id=None, team_id="T0AAA")
    assert bot is not None
    bot.bot_token = "xoxe.xoxb-rotated"
    bot.bot_refresh_token = "xoxe-1-refresh"

    store.save_bot(bot)

    found = store.find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None
    assert (found.bot_token, found.bot_refresh_token) == ("xoxe.xoxb-rotated", "xoxe-1-refresh")
    assert found.user_id == "U0INSTALLER"


def test_erasing_the_workspace_removes_its_installation(
    db: Database, store: EncryptedInstallationStore
) -> None:
    store.save(make_installation("T0AAA"))
    store.save(make_installation("T0BBB", bot_token="xoxb-bbb"))
    with db.read() as session:
        workspace = repo.get_workspace(session, slack_team_id="T0AAA")
    assert workspace is not None
    assert workspace.id is not None

    with db.write() as session:
        counts = erase_workspace(session, workspace_id=workspace.id)

    assert counts["installations"] == 1
    assert store.bot_token("T0AAA") is None
    assert store.bot_token("T0BBB") == "xoxb-bbb"


# ---------------------------------------------------------------- states


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def states(clock: FakeClock) -> SignedStateStore:
    return SignedStateStore(TokenCipher(KEY).derive("oauth-state"), clock=clock)


def test_a_state_is_accepted_once(states: SignedStateStore) -> None:
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False


def test_states_are_distinct(states: SignedStateStore) -> None:
    assert len({states.issue() for _ in range(50)}) == 50


def test_a_state_expires_after_ten_minutes(states: SignedStateStore, clock: FakeClock) -> None:
    kept, late = states.issue(), states.issue()
    clock.advance(minutes=10)
    assert states.consume(kept) is True
    clock.advance(seconds=1)
    assert states.consume(late) is False


def test_a_state_issued_by_another_replica_is_accepted(clock: FakeClock) -> None:
    secret = TokenCipher(KEY).derive("oauth-state")
    first, second = SignedStateStore(secret, clock=clock), SignedStateStore(secret, clock=clock)
    assert second.consume(first.issue()) is True


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: s[:-2] + ("AA" if s[-2:] != "AA" else "BB"), id="bad-signature"),
        pytest.param(lambda s: ("A" if s[0] != "A" else "B") + s[1:], id="altered-nonce"),
        pytest.param(lambda s: s[:20], id="truncated"),
        pytest.param(lambda s: "not base64 at all!", id="garbage"),
        pytest.param(lambda s: "", id="empty"),
    ],
)
def test_a_state_not_signed_as_issued_is_refused(
    states: SignedStateStore, mangle: Callable[[str], str]
) -> None:
    state = states.issue()
    assert states.consume(mangle(state)) is False
    assert states.consume(state) is True


def test_a_state_signed_with_another_key_is_refused(clock: FakeClock) -> None:
    ours = SignedStateStore(TokenCipher(KEY).derive("oauth-state"), clock=clock)
    theirs = SignedStateStore(TokenCipher(OTHER_KEY).derive("oauth-state"), clock=clock)
    assert ours.consume(theirs.issue()) is False


def test_used_states_are_forgotten_once_expired(states: SignedStateStore, clock: FakeClock) -> None:
    for _ in range(20):
        assert states.consume(states.issue())
    clock.advance(minutes=11)
    fresh = states.issue()
    assert states.consume(fresh)
    assert len(states._used._used) == 1  # type: ignore[attr-defined]


# ---------------------------------------------------------------- settings


def test_the_requested_scopes_are_the_manifests_bot_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_oauth_settings_refuse_to_start_without_a_token_key(sqlite_db: Database) -> None:
    settings = Settings(slack_client_id="123.456", slack_client_secret="shh", _env_file=None)
    with pytest.raises(ConfigError, match="MLSCORE_TOKEN_KEY"):
        build_oauth_settings(settings, sqlite_db)


def test_oauth_settings_use_the_encrypted_store_the_signed_states_and_the_bot_scopes(
    sqlite_db: Database,
) -> None:
    settings = Settings(
        slack_client_id="123.456",
        slack_client_secret="shh",
        MLSCORE_TOKEN_KEY=KEY,
        _env_file=None,
    )
    oauth = build_oauth_settings(settings, sqlite_db)
    assert isinstance(oauth.installation_store, EncryptedInstallationStore)
    assert isinstance(oauth.state_store, SignedStateStore)
    assert list(oauth.scopes or []) == list(BOT_SCOPES)
    assert list(oauth.user_scopes or []) == []
    assert (oauth.install_path, oauth.redirect_uri_path) == (INSTALL_PATH, REDIRECT_URI_PATH)
    assert oauth.state_expiration_seconds == 600
    url = oauth.authorize_url_generator.generate(state="s")
    assert "scope=commands,chat:write,users:read" in url
    assert "client_id=123.456" in url


def test_wiring_in_oauth_mode_gives_bolt_the_flow_and_the_scheduler_each_workspaces_token(
    tmp_path: Path,
) -> None:
    from bot.db.migrate import upgrade
    from bot.wiring import build_bolt, build_container

    url = f"sqlite:///{tmp_path / 'wiring.db'}"
    upgrade(url)
    settings = Settings(
        slack_client_id="123.456",
        slack_client_secret="shh",
        slack_signing_secret="signing",
        slack_bot_token="xoxb-single-workspace-token",
        database_url=url,
        MLSCORE_TOKEN_KEY=KEY,
        _env_file=None,
    )
    container = build_container(settings)
    try:
        app = build_bolt(container)
        assert app.oauth_flow is not None
        assert isinstance(app.oauth_flow.settings.installation_store, EncryptedInstallationStore)
        # Even with SLACK_BOT_TOKEN set, OAuth mode never falls back to it.
        assert app.client.token is None
        app.oauth_flow.settings.installation_store.save(make_installation("T0AAA"))
        assert container.client_for("T0AAA").token == "xoxb-secret-aaa"
        with pytest.raises(LookupError):
            container.client_for("T0BBB")
    finally:
        container.database.dispose()


def test_wiring_refuses_oauth_mode_without_a_token_key(tmp_path: Path) -> None:
    from bot.wiring import build_bolt, build_container

    settings = Settings(
        slack_client_id="123.456",
        slack_client_secret="shh",
        slack_signing_secret="signing",
        database_url=f"sqlite:///{tmp_path / 'nokey.db'}",
        _env_file=None,
    )
    # The container already refuses: the scheduler would need the key to find tokens too.
    with pytest.raises(ConfigError, match="MLSCORE_TOKEN_KEY"):
        build_bolt(build_container(settings))
