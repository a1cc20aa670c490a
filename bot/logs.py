"""Logging setup: text or JSON lines, with secrets and note text kept out of every record.

`configure_logging` installs one handler on the root logger. A filter on that handler masks
Slack tokens, `Bearer` credentials, passwords in URLs, OAuth codes and any secret the caller
names (signing secret, client secret, Fernet key) in the message, its arguments, extra fields
and tracebacks. `redact_payload` strips what people typed (notes, input values) from a Slack
payload before it is logged for debugging.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any, Final, Literal

MASK: Final = "[REDACTED]"

# xoxb- (bot), xoxp- (user), xoxa-/xoxr- (legacy/refresh), xoxe- (rotating), xoxs-, xapp- (app
# level); rotating tokens look like `xoxe.xoxp-1-...`.
_SLACK_TOKEN = re.compile(r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+(@)")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:code|client_secret|token)=)[^&\s\"']+")

# Payload keys whose values are what a person typed, or credentials, anywhere in a payload.
_ALWAYS_MASKED_KEYS: Final = frozenset(
    {
        "note",
        "notes",
        "overall_note",
        "initial_value",
        "private_metadata",
        "token",
        "bot_token",
        "access_token",
        "refresh_token",
        "response_url",
    }
)
# Inside a view's `state`, the values and option texts are what a person entered.
_STATE_MASKED_KEYS: Final = frozenset({"value", "text", "selected_option", "selected_options"})

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_ATTRS: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
_JSON_RESERVED: Final = frozenset({"ts", "level", "logger", "msg", "exc", "stack"})

# Libraries that log full request bodies (notes included) or SQL parameters at DEBUG/INFO.
_CHATTY_LOGGERS: Final = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    # The logger the app hands Bolt (bot/slack/app.py): at DEBUG, Bolt logs every response body.
    "bot.slack.bolt": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
    # Lists every plugin it loads at each start of a migration: noise in every `mlscore tick`.
    "alembic.runtime.plugins": logging.WARNING,
}

_HANDLER_MARK: Final = "_mlscore_handler"


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask tokens, bearer credentials, URL passwords, OAuth codes and the given secrets."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _SLACK_TOKEN.sub(MASK, text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<2>", text)
    return _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)


def redact_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Slack payload with typed text, notes and credentials masked.

    Block and action ids survive, so a debug log still shows which inputs were filled.
    """
    return {key: _redact_entry(key, value, in_state=False) for key, value in payload.items()}


def _redact_entry(key: str, value: Any, *, in_state: bool) -> Any:
    if key in _ALWAYS_MASKED_KEYS or (in_state and key in _STATE_MASKED_KEYS):
        return MASK if value not in (None, "") else value
    return _redact_value(value, in_state=in_state or key == "state")


def _redact_value(value: Any, *, in_state: bool) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _redact_entry(str(k), v, in_state=in_state) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item, in_state=in_state) for item in value]
    return value


def _deep_redact_strings(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {k: _deep_redact_strings(v, secrets) for k, v in redact_payload(value).items()}
    if isinstance(value, list | tuple):
        return [_deep_redact_strings(item, secrets) for item in value]
    return value


class RedactionFilter(logging.Filter):
    """Rewrites each record in place so that no handler ever sees a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact_text(message, self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, self._secrets)
        for name in _extra_names(record):
            setattr(record, name, _deep_redact_strings(getattr(record, name), self._secrets))
        return True


def _extra_names(record: logging.LogRecord) -> list[str]:
    return [name for name in record.__dict__ if name not in _RECORD_ATTRS]


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Fields passed with `extra=`; a `ctx` mapping is flattened into them."""
    fields: dict[str, Any] = {}
    for name in _extra_names(record):
        value = getattr(record, name)
        if name == "ctx" and isinstance(value, Mapping):
            fields.update({str(k): v for k, v in value.items()})
        else:
            fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the extra fields, exc when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extra_fields(record).items():
            entry[f"ctx_{key}" if key in _JSON_RESERVED else key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def one_line(text: str) -> str:
    """CR and LF written as \\r and \\n, so that a value someone sent (an OAuth redirect's
    `error`, say) cannot start a forged line of its own in a text log."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """Human-readable lines, one per record; extra fields follow the message as key=value.

    The message is kept on its line (one_line); a traceback, which the logging call itself adds,
    still follows on lines of its own."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        line = super().formatMessage(record)
        fields = _extra_fields(record)
        if fields:
            line += " " + " ".join(
                f"{key}={json.dumps(value, default=str, ensure_ascii=False)}"
                for key, value in fields.items()
            )
        return line


def configure_logging(
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    *,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Install the mlscore handler on the root logger (idempotent: replaces a previous one).

    `secrets` are literal values to mask wherever they appear (signing secret, client secret,
    token key). Handlers installed by others (pytest's caplog, for example) are left alone.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}; expected 'text' or 'json'")

    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactionFilter(secrets))
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    for name, floor in _CHATTY_LOGGERS.items():
        logging.getLogger(name).setLevel(max(numeric, floor))
