"""Configuration from the environment (and an optional .env file).

Settings are built once in the CLI and passed down; nothing reads them at import time.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(ValueError):
    """The configuration cannot work; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    database_url: str = "sqlite:///./mlscore.db"

    token_key: SecretStr | None = Field(default=None, alias="MLSCORE_TOKEN_KEY")
    admins: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), alias="MLSCORE_ADMINS")
    rubric_file: Path | None = Field(default=None, alias="MLSCORE_RUBRIC_FILE")
    default_language: Literal["en", "es"] = Field(default="en", alias="MLSCORE_LANGUAGE")
    default_timezone: str = Field(default="UTC", alias="MLSCORE_TIMEZONE")
    tick_seconds: int = Field(default=60, ge=5, alias="MLSCORE_TICK_SECONDS")
    reminder_after_hours: int = Field(default=48, ge=1, alias="MLSCORE_REMINDER_AFTER_HOURS")
    digest_weekday: int = Field(default=0, ge=0, le=6, alias="MLSCORE_DIGEST_WEEKDAY")
    digest_time: time = Field(default=time(9, 30), alias="MLSCORE_DIGEST_TIME")
    # the evidence API: pushes each CI token may make per minute (bursts up to that many)
    evidence_pushes_per_minute: int = Field(
        default=120, ge=1, alias="MLSCORE_EVIDENCE_PUSHES_PER_MINUTE"
    )
    delivery_lease_seconds: int = Field(default=300, ge=10, alias="MLSCORE_DELIVERY_LEASE_SECONDS")
    # serve: seconds a request's headers, then its body, may take to arrive (bot/serving.py)
    read_timeout_seconds: float = Field(default=10.0, gt=0, alias="MLSCORE_READ_TIMEOUT_SECONDS")
    # On SIGTERM: how long `mlscore tick`'s posts under way, and the work `serve` already
    # acked, may take to finish
    stop_grace_seconds: float = Field(default=8.0, gt=0, alias="MLSCORE_STOP_GRACE_SECONDS")
    # serve: everything after the acks in a second process (bot/workproc.py); for busy installs
    work_process: bool = Field(default=False, alias="MLSCORE_WORK_PROCESS")
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_slack(self) -> bool:
        """Whether there is any way to talk to a real Slack (a token or the OAuth flow)."""
        return bool(self.slack_bot_token or self.oauth_enabled)

    def secrets(self) -> list[str]:
        """Every secret value, so the log filter can mask them wherever they appear."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.token_key,
        ]
        return [v.get_secret_value() for v in values if v and v.get_secret_value()]

    def require_signing_secret(self) -> str:
        """HTTP mode must verify every request; an empty secret would fail open, so refuse."""
        secret = self.slack_signing_secret.get_secret_value() if self.slack_signing_secret else ""
        if not secret.strip():
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set. mlscore refuses to serve Slack requests it "
                "cannot verify. Copy the signing secret from your app's Basic Information page."
            )
        return secret

    def require_token_key(self) -> str:
        key = self.token_key.get_secret_value() if self.token_key else ""
        if not key.strip():
            raise ConfigError(
                "OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) stores bot tokens "
                "encrypted and needs MLSCORE_TOKEN_KEY. Generate one with: "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
        return key
