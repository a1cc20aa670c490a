"""Many workspaces: Bolt's OAuth flow, with installations kept encrypted in the app's database.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, anyone can install the bot from
/slack/install; Slack sends the browser back to /slack/oauth_redirect, Bolt exchanges the code
(oauth.v2.access) and hands the installation to `EncryptedInstallationStore`. From then on Bolt
looks up each request's bot token in that store.

- Tokens at rest: the `installations` table has one row per workspace. Every secret of an
  installation (bot token, refresh token, any user token, webhook URL) goes into its
  `bot_token_encrypted` column as one Fernet-encrypted JSON document; the plain columns hold
  only ids and scopes. MLSCORE_TOKEN_KEY holds the key; "new,old" rotates keys (new writes,
  both read). A wrong key is an error that says so, never a garbled token.
- OAuth state: signed (HMAC with a key derived from MLSCORE_TOKEN_KEY) and time-limited, so any
  replica accepts a state another one issued and nothing is written under $HOME. Single use is
  enforced per process (`MemoryUsedStates`); Bolt also requires the state in the installing
  browser's cookie, so a replayed state is useless from another browser. A shared "used states"
  table would make it single use across replicas (see `UsedStates`).
- Org-wide (Enterprise Grid) installs are keyed by the enterprise id; the manifest leaves them
  off.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.clock import Clock, utcnow
from bot.db import repositories as repo
from bot.db.engine import Database
from bot.settings import ConfigError, Settings
from bot.slack.clients import make_web_client

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.db.tables import Installation as InstallationRow
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

# The bot scopes asked for at install time: the manifest's list (a test keeps them equal).
BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
    "files:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_URI_PATH = "/slack/oauth_redirect"
STATE_TTL = timedelta(minutes=10)
# Replicas' clocks differ a little; a state "from the future" by less than this is accepted.
STATE_CLOCK_SKEW = timedelta(seconds=60)

_KEY_HINT = (
    "Generate one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)
_SEALED_VERSION = 1
# Installation fields that live in the encrypted document rather than in plain columns.
_SEALED_FIELDS = (
    "bot_token",
    "bot_refresh_token",
    "bot_token_expires_at",
    "user_token",
    "user_scopes",
    "user_refresh_token",
    "user_token_expires_at",
    "token_type",
    "enterprise_name",
    "enterprise_url",
    "incoming_webhook_url",
    "incoming_webhook_channel",
    "incoming_webhook_channel_id",
    "incoming_webhook_configuration_url",
)
_USER_FIELDS = ("user_token", "user_scopes", "user_refresh_token", "user_token_expires_at")


class TokenKeyError(ConfigError):
    """Stored tokens cannot be read with the configured key (or the key is not a key)."""


class NotInstalled(LookupError):
    """The workspace has no installation (never installed, or uninstalled since)."""


# ---------------------------------------------------------------- encryption


class TokenCipher:
    """Fernet encryption with MLSCORE_TOKEN_KEY: one key, or "new,old,..." to rotate keys."""

    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise TokenKeyError(f"MLSCORE_TOKEN_KEY is empty. {_KEY_HINT}")
        fernets = []
        for position, part in enumerate(parts, start=1):
            try:
                fernets.append(Fernet(part.encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise TokenKeyError(
                    f"MLSCORE_TOKEN_KEY (key {position} of {len(parts)}) is not a Fernet key: "
                    f"it must be 32 random bytes in url-safe base64 (44 characters). {_KEY_HINT}"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._primary = base64.urlsafe_b64decode(parts[0])

    def encrypt(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def decrypt(self, token: bytes, *, what: str) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise TokenKeyError(
                f"the stored tokens of {what} cannot be decrypted with MLSCORE_TOKEN_KEY: it is "
                "not the key they were encrypted with (or the row was altered). Set the old key "
                "again, list it after the new one to rotate (MLSCORE_TOKEN_KEY=new,old), or "
                "reinstall the app in that workspace."
            ) from None

    def derive(self, purpose: str) -> bytes:
        """A separate key for another use (signing OAuth states), so no key serves two ends."""
        return hmac.new(self._primary, f"mlscore/{purpose}".encode(), hashlib.sha256).digest()


def _seal(cipher: TokenCipher, values: dict[str, Any]) -> bytes:
    document = {"v": _SEALED_VERSION, **values}
    return cipher.encrypt(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def _unseal(cipher: TokenCipher, blob: bytes, *, what: str) -> dict[str, Any]:
    document = json.loads(cipher.decrypt(bytes(blob), what=what))
    if not isinstance(document, dict) or document.get("v") != _SEALED_VERSION:
        raise TokenKeyError(f"the stored tokens of {what} are in an unknown format")
    return document


# ---------------------------------------------------------------- installations


def _workspace_key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> str | None:
    """The Slack id an installation is filed under: the team, or the org for org-wide installs."""
    if is_enterprise_install and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id


def _key_of(source: Installation | Bot) -> str:
    key = _workspace_key(source.enterprise_id, source.team_id, source.is_enterprise_install)
    if key is None:
        raise ValueError("an installation needs a team id or an enterprise id")
    return key


class EncryptedInstallationStore(InstallationStore):
    """slack_sdk's InstallationStore on the app's database, with every secret encrypted.

    One installation per workspace: a reinstall replaces it. `find_installation(user_id=...)`
    answers only for the user who installed (the one whose user token, if any, is stored).
    """

    def __init__(
        self,
        database: Database,
        cipher: TokenCipher,
        *,
        clock: Clock = utcnow,
        logger: logging.Logger | None = None,
    ) -> None:
        self._database = database
        self._cipher = cipher
        self._clock = clock
        self._logger = logger or log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    # ------------------------------------------------------------ writes

    def save(self, installation: Installation) -> None:
        key = _key_of(installation)
        sealed = {name: getattr(installation, name) for name in _SEALED_FIELDS}
        sealed["user_scopes"] = list(installation.user_scopes or [])
        with self._database.write() as session:
            self._store(session, key, installation, sealed, installed_by=installation.user_id)
        self._logger.info("stored the installation of workspace %s", key)

    def save_bot(self, bot: Bot) -> None:
        """Bolt calls this after rotating a bot token: replace the bot's part, keep the rest."""
        key = _key_of(bot)
        with self._database.write() as session:
            found = self._row(session, key)
            sealed = _unseal(self._cipher, found[1].bot_token_encrypted, what=key) if found else {}
            sealed.pop("v", None)
            sealed.update(
                bot_token=bot.bot_token,
                bot_refresh_token=bot.bot_refresh_token,
                bot_token_expires_at=bot.bot_token_expires_at,
            )
            installed_by = found[1].installed_by if found else None
            self._store(session, key, bot, sealed, installed_by=installed_by)

    def _store(
        self,
        session: Session,
        key: str,
        source: Installation | Bot,
        sealed: dict[str, Any],
        *,
        installed_by: str | None,
    ) -> None:
        """The workspace (created when new) and its installation row, from what Slack sent."""
        workspace = repo.ensure_workspace(
            session,
            slack_team_id=key,
            enterprise_id=source.enterprise_id,
            name=source.team_name or source.enterprise_name,
            now=self._clock(),
        )
        assert workspace.id is not None
        repo.save_installation(
            session,
            workspace_id=workspace.id,
            bot_user_id=source.bot_user_id or "",
            bot_token_encrypted=_seal(self._cipher, sealed),
            bot_scopes=",".join(source.bot_scopes or []),
            installed_at=datetime.fromtimestamp(source.installed_at, UTC),
            installed_by=installed_by,
            enterprise_id=source.enterprise_id,
            is_enterprise_install=bool(source.is_enterprise_install),
            app_id=source.app_id,
            bot_id=source.bot_id,
        )

    def delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        """Without user_id: the workspace's installation goes. With it: only that user's token."""
        key = _workspace_key(enterprise_id, team_id, is_enterprise_install=False)
        if key is None:
            return
        with self._database.write() as session:
            found = self._row(session, key)
            if found is None:
                return
            workspace_id, row = found
            if user_id is None:
                repo.delete_installation(session, workspace_id=workspace_id)
                return
            if row.installed_by != user_id:
                return
            sealed = _unseal(self._cipher, row.bot_token_encrypted, what=key)
            sealed.pop("v", None)
            for name in _USER_FIELDS:
                sealed[name] = [] if name == "user_scopes" else None
            row.bot_token_encrypted = _seal(self._cipher, sealed)
            session.add(row)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # The row is the bot's installation: without the bot nothing of it is of use.
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    # ------------------------------------------------------------ reads

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        loaded = self._find(enterprise_id, team_id, is_enterprise_install)
        if loaded is None:
            return None
        row, name, sealed = loaded
        if user_id is not None and row.installed_by != user_id:
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            enterprise_name=sealed.get("enterprise_name"),
            enterprise_url=sealed.get("enterprise_url"),
            team_id=None if row.is_enterprise_install else row.slack_team_id,
            team_name=name,
            bot_token=sealed.get("bot_token"),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id or None,
            bot_scopes=row.bot_scopes,
            bot_refresh_token=sealed.get("bot_refresh_token"),
            bot_token_expires_at=sealed.get("bot_token_expires_at"),
            user_id=row.installed_by,  # type: ignore[arg-type]  # slack_sdk types it str, allows None
            user_token=sealed.get("user_token"),
            user_scopes=sealed.get("user_scopes") or [],
            user_refresh_token=sealed.get("user_refresh_token"),
            user_token_expires_at=sealed.get("user_token_expires_at"),
            incoming_webhook_url=sealed.get("incoming_webhook_url"),
            incoming_webhook_channel=sealed.get("incoming_webhook_channel"),
            incoming_webhook_channel_id=sealed.get("incoming_webhook_channel_id"),
            incoming_webhook_configuration_url=sealed.get("incoming_webhook_configuration_url"),
            is_enterprise_install=row.is_enterprise_install,
            token_type=sealed.get("token_type"),
            installed_at=row.installed_at.timestamp(),
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        loaded = self._find(enterprise_id, team_id, is_enterprise_install)
        if loaded is None:
            return None
        row, name, sealed = loaded
        token = sealed.get("bot_token")
        if not token:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            enterprise_name=sealed.get("enterprise_name"),
            team_id=None if row.is_enterprise_install else row.slack_team_id,
            team_name=name,
            bot_token=token,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            bot_refresh_token=sealed.get("bot_refresh_token"),
            bot_token_expires_at=sealed.get("bot_token_expires_at"),
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    def bot_token(self, slack_team_id: str) -> str | None:
        """The bot token of a workspace (by Slack team id), or None when it is not installed."""
        bot = self.find_bot(enterprise_id=None, team_id=slack_team_id)
        return bot.bot_token if bot is not None else None

    # ------------------------------------------------------------ rows

    def _row(self, session: Session, key: str) -> tuple[int, InstallationRow] | None:
        workspace = repo.get_workspace(session, slack_team_id=key)
        if workspace is None or workspace.id is None:
            return None
        row = repo.get_installation(session, workspace_id=workspace.id)
        return (workspace.id, row) if row is not None else None

    def _find(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> tuple[InstallationRow, str | None, dict[str, Any]] | None:
        """The workspace's installation row, its name and its unsealed secrets, if installed."""
        key = _workspace_key(enterprise_id, team_id, is_enterprise_install)
        if key is None:
            return None
        with self._database.read() as session:
            return self._load(session, key)

    def _load(
        self, session: Session, key: str
    ) -> tuple[InstallationRow, str | None, dict[str, Any]] | None:
        workspace = repo.get_workspace(session, slack_team_id=key)
        if workspace is None or workspace.id is None:
            return None
        row = repo.get_installation(session, workspace_id=workspace.id)
        if row is None:
            return None
        return row, workspace.name, _unseal(self._cipher, row.bot_token_encrypted, what=key)


# ---------------------------------------------------------------- OAuth state


class UsedStates(Protocol):
    """Remembers consumed states until they expire.

    A database-backed version (a table `oauth_states(nonce PRIMARY KEY, expires_at)`, claimed
    with INSERT ... ON CONFLICT DO NOTHING) would make states single use across replicas.
    """

    def claim(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        """True the first time `nonce` is claimed before it expires, False after."""
        ...


class MemoryUsedStates:
    """Single use within this process; entries are dropped once their state has expired."""

    def __init__(self) -> None:
        self._used: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def claim(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        with self._lock:
            self._used = {n: at for n, at in self._used.items() if at > now}
            if nonce in self._used:
                return False
            self._used[nonce] = expires_at
            return True


_NONCE_BYTES = 16
_STAMP_BYTES = 8
_MAC_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignedStateStore(OAuthStateStore):
    """OAuth `state` values that need no storage to check: nonce + issue time + HMAC.

    consume() accepts a state only if this deployment signed it, less than `ttl` ago, and it has
    not been consumed before (per `used`).
    """

    def __init__(
        self,
        secret: bytes,
        *,
        ttl: timedelta = STATE_TTL,
        clock: Clock = utcnow,
        used: UsedStates | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the state signing key must be at least 32 bytes")
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._used: UsedStates = used if used is not None else MemoryUsedStates()
        self._logger = logger or log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        issued = int(self._clock().timestamp())
        payload = secrets.token_bytes(_NONCE_BYTES) + issued.to_bytes(_STAMP_BYTES, "big")
        return _b64(payload + self._mac(payload))

    def consume(self, state: str) -> bool:
        try:
            raw = _unb64(state)
        except (binascii.Error, ValueError):
            return False
        if len(raw) != _NONCE_BYTES + _STAMP_BYTES + _MAC_BYTES:
            return False
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            self._logger.warning("refused an OAuth state with a bad signature")
            return False
        issued = datetime.fromtimestamp(int.from_bytes(payload[_NONCE_BYTES:], "big"), UTC)
        now = self._clock()
        if not issued - STATE_CLOCK_SKEW <= now <= issued + self._ttl:
            self._logger.info("refused an expired OAuth state")
            return False
        nonce = _b64(payload[:_NONCE_BYTES])
        if not self._used.claim(nonce, expires_at=issued + self._ttl, now=now):
            self._logger.warning("refused an OAuth state used before")
            return False
        return True

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()


# ---------------------------------------------------------------- Bolt


def _callbacks(metrics: Metrics | None) -> CallbackOptions:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        log.info(
            "installed in workspace %s",
            _workspace_key(
                installation.enterprise_id,
                installation.team_id,
                installation.is_enterprise_install,
            ),
        )
        response: BoltResponse = args.default.success(args)
        return response

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("an installation failed: %s", args.reason)
        if metrics is not None and args.reason == "invalid_code":
            # Bolt reports a refused oauth.v2.access as invalid_code.
            metrics.slack_api_error("oauth.v2.access", "invalid_code")
        response: BoltResponse = args.default.failure(args)
        return response

    return CallbackOptions(success=success, failure=failure)


def build_oauth_settings(
    settings: Settings,
    database: Database,
    *,
    metrics: Metrics | None = None,
    clock: Clock = utcnow,
    client: WebClient | None = None,
) -> OAuthSettings:
    """Bolt's OAuth settings for this deployment; ConfigError without MLSCORE_TOKEN_KEY."""
    if not settings.slack_client_id or not settings.slack_client_secret:
        raise ConfigError("OAuth mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
    cipher = TokenCipher(settings.require_token_key())
    logger = logging.getLogger("bot.slack.bolt.oauth")
    store = EncryptedInstallationStore(database, cipher, clock=clock)
    client_secret = settings.slack_client_secret.get_secret_value()
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_URI_PATH,
        callback_options=_callbacks(metrics),
        installation_store=store,
        # The bot acts with its bot token only: one lookup per request, no user-token search.
        installation_store_bot_only=True,
        state_store=SignedStateStore(cipher.derive("oauth-state"), clock=clock),
        state_expiration_seconds=int(STATE_TTL.total_seconds()),
        logger=logger,
    )
    # Bolt's default authorize calls auth.test on every request; cache its answer per token
    # (as single-token mode does). The lookup still runs first, so an uninstalled workspace
    # finds no token. Token rotation, if ever enabled, goes to the same Web API base URL.
    oauth_settings.authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client or make_web_client(None, base_url=settings.slack_api_url),
    )
    return oauth_settings


def oauth_flow_for(
    settings: Settings,
    database: Database,
    *,
    metrics: Metrics | None = None,
    clock: Clock = utcnow,
) -> OAuthFlow:
    """The OAuth flow; its client has no token and talks to settings.slack_api_url."""
    client = make_web_client(None, base_url=settings.slack_api_url)
    return OAuthFlow(
        client=client,
        settings=build_oauth_settings(
            settings, database, metrics=metrics, clock=clock, client=client
        ),
    )


# ---------------------------------------------------------------- the scheduler's side


def tokens_for(database: Database, key: str | TokenCipher) -> Callable[[str], str | None]:
    """slack team id -> that workspace's bot token (None when not installed)."""
    cipher = key if isinstance(key, TokenCipher) else TokenCipher(key)
    return EncryptedInstallationStore(database, cipher).bot_token


def workspace_clients(
    database: Database, key: str | TokenCipher, *, base_url: str, metrics: Metrics | None = None
) -> Callable[[str], WebClient]:
    """slack team id -> a WebClient with that workspace's bot token (the scheduler's
    `client_for` in OAuth mode); NotInstalled when the workspace has none."""
    lookup = tokens_for(database, key)

    def client_for(slack_team_id: str) -> WebClient:
        token = lookup(slack_team_id)
        if token is None:
            raise NotInstalled(f"mlscore is not installed in workspace {slack_team_id}")
        return make_web_client(token, base_url=base_url, metrics=metrics)

    return client_for


__all__ = (
    "BOT_SCOPES",
    "EncryptedInstallationStore",
    "MemoryUsedStates",
    "NotInstalled",
    "SignedStateStore",
    "TokenCipher",
    "TokenKeyError",
    "UsedStates",
    "build_oauth_settings",
    "oauth_flow_for",
    "tokens_for",
    "workspace_clients",
)
