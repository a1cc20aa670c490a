"""Structured logging: JSON lines, and no tokens, secrets or note text in any record."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.logs import MASK, configure_logging, redact_payload, redact_text
from bot.settings import Settings
from bot.slack.app import build_bolt_app
from bot.slack.deps import SlackDeps

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FERNET_KEY = "q6pVn3FqJ0bXKJ5t1H9n0yq3tqO2rR9tq5cWQyb2xkA="
CHATTY = ("slack_sdk", "slack_bolt", "sqlalchemy.engine")
NOTE = "we still eyeball the feature histograms by hand every Monday"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    root = logging.getLogger()
    touched = [root, *(logging.getLogger(name) for name in CHATTY)]
    levels = [logger.level for logger in touched]
    before = list(root.handlers)
    yield buffer
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
    for logger, level in zip(touched, levels, strict=True):
        logger.setLevel(level)


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_format_writes_one_parseable_object_per_line(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    log = logging.getLogger("bot.test")
    log.info("delivered %s to %s", "summary", "C123", extra={"ctx": {"team": "fraud", "n": 3}})
    log.warning("second line", extra={"workspace": "T1"})

    first, second = json_lines(stream)
    assert first["msg"] == "delivered summary to C123"
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.test"
    assert first["team"] == "fraud"
    assert first["n"] == 3
    assert str(first["ts"]).endswith("+00:00")
    assert second["workspace"] == "T1"
    assert second["level"] == "WARNING"


def test_extra_fields_cannot_overwrite_the_standard_json_keys(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    logging.getLogger("bot.test").info("real", extra={"ctx": {"msg": "fake", "level": "x"}})

    (line,) = json_lines(stream)
    assert line["msg"] == "real"
    assert line["level"] == "INFO"
    assert line["ctx_msg"] == "fake"


def test_slack_tokens_in_the_message_are_masked(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    logging.getLogger("bot.test").info(f"using {BOT_TOKEN} and {APP_TOKEN}")

    out = stream.getvalue()
    assert BOT_TOKEN not in out
    assert APP_TOKEN not in out
    assert json_lines(stream)[0]["msg"] == f"using {MASK} and {MASK}"


def test_tokens_and_known_secrets_in_args_are_masked(stream: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=stream, secrets=[SIGNING_SECRET, FERNET_KEY])
    logging.getLogger("bot.test").info(
        "config %s %s %r", SIGNING_SECRET, FERNET_KEY, {"token": BOT_TOKEN}
    )

    out = stream.getvalue()
    for secret in (SIGNING_SECRET, FERNET_KEY, BOT_TOKEN):
        assert secret not in out
    assert out.count(MASK) == 3


def test_bearer_header_and_url_password_are_masked() -> None:
    text = "headers={'Authorization': 'Bearer abc.DEF-123'} db=postgresql://bot:hunter2@db/x"

    redacted = redact_text(text)

    assert "abc.DEF-123" not in redacted
    assert "hunter2" not in redacted
    assert "Bearer [REDACTED]" in redacted
    assert "postgresql://bot:[REDACTED]@db/x" in redacted


def test_rotating_and_refresh_tokens_are_masked() -> None:
    for token in ("xoxe.xoxp-1-Mi0yLTEy", "xoxe-1-My0xLTI5", "xoxp-1-2-3-abc", "xoxs-9-8"):
        assert token not in redact_text(f"token={token};")


def test_oauth_code_in_a_logged_url_is_masked() -> None:
    redacted = redact_text("GET /slack/oauth_redirect?code=1234.5678.abcd&state=s1 200")

    assert "1234.5678.abcd" not in redacted
    assert "state=s1" in redacted


def test_secrets_in_a_traceback_are_masked(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream, secrets=[SIGNING_SECRET])
    try:
        raise RuntimeError(f"bad secret {SIGNING_SECRET} for {BOT_TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")

    (line,) = json_lines(stream)
    assert "RuntimeError" in str(line["exc"])
    assert SIGNING_SECRET not in stream.getvalue()
    assert BOT_TOKEN not in stream.getvalue()


def test_secrets_in_extra_fields_are_masked(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    logging.getLogger("bot.test").info(
        "install", extra={"ctx": {"team": "T1", "auth": [f"Bearer {BOT_TOKEN}"]}}
    )

    (line,) = json_lines(stream)
    assert line["team"] == "T1"
    assert BOT_TOKEN not in stream.getvalue()


def view_submission_payload() -> dict[str, object]:
    return {
        "type": "view_submission",
        "token": "verification-token-value",
        "user": {"id": "U1", "name": "ana"},
        "view": {
            "callback_id": "assess_page",
            "private_metadata": json.dumps({"draft": {"FD1": NOTE}}),
            "blocks": [
                {
                    "type": "input",
                    "block_id": "note_FD1",
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "note",
                        "initial_value": NOTE,
                    },
                    "label": {"type": "plain_text", "text": "Note"},
                }
            ],
            "state": {
                "values": {
                    "note_FD1": {"note": {"type": "plain_text_input", "value": NOTE}},
                    "level_FD1": {
                        "level": {
                            "type": "radio_buttons",
                            "selected_option": {
                                "text": {"type": "plain_text", "text": "Manual"},
                                "value": "manual",
                            },
                        }
                    },
                    "overall": {"overall_note": {"type": "plain_text_input", "value": NOTE}},
                }
            },
        },
    }


def test_redacted_payload_never_contains_note_text() -> None:
    payload = view_submission_payload()

    redacted = redact_payload(payload)

    dumped = json.dumps(redacted)
    assert NOTE not in dumped
    assert "verification-token-value" not in dumped
    # What helps debugging survives: ids and the structure of the state.
    assert redacted["view"]["callback_id"] == "assess_page"
    assert set(redacted["view"]["state"]["values"]) == {"note_FD1", "level_FD1", "overall"}
    assert redacted["view"]["blocks"][0]["label"]["text"] == "Note"
    assert redacted["user"] == {"id": "U1", "name": "ana"}


def test_redact_payload_leaves_the_original_untouched() -> None:
    payload = view_submission_payload()
    before = json.dumps(payload, sort_keys=True)

    redact_payload(payload)

    assert json.dumps(payload, sort_keys=True) == before


def test_note_text_passed_as_a_logged_payload_is_masked(stream: io.StringIO) -> None:
    configure_logging("DEBUG", "json", stream=stream)
    logging.getLogger("bot.test").debug("payload", extra={"payload": view_submission_payload()})

    assert NOTE not in stream.getvalue()
    (line,) = json_lines(stream)
    assert line["payload"]["type"] == "view_submission"


def test_slack_sdk_debug_logging_stays_off_even_at_debug_level(stream: io.StringIO) -> None:
    configure_logging("DEBUG", "text", stream=stream)
    # slack_sdk logs whole request bodies (notes included) at DEBUG.
    logging.getLogger("slack_sdk.web.base_client").debug("body=%s", NOTE)

    assert NOTE not in stream.getvalue()


def test_bolts_debug_logging_stays_off_even_at_debug_level(stream: io.StringIO) -> None:
    configure_logging("DEBUG", "text", stream=stream)
    deps = SlackDeps(settings=Settings(_env_file=None), services=None, metrics=None)  # type: ignore[arg-type]
    app = build_bolt_app(deps, client=WebClient(token="xoxb-0"), signing_secret="secret")
    # At DEBUG, Bolt logs each response body: a modal page sent back holds the notes typed.
    app.logger.debug("Responding with status: 200 body: %s", NOTE)

    assert NOTE not in stream.getvalue()


def test_configuring_twice_replaces_the_handler(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    configure_logging("INFO", "json", stream=stream)
    logging.getLogger("bot.test").info("once")

    assert len(json_lines(stream)) == 1


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD")


def test_a_line_break_in_a_logged_value_stays_on_its_line_in_the_text_format(
    stream: io.StringIO,
) -> None:
    configure_logging("INFO", "text", stream=stream)
    forged = "2026-01-01 00:00:00,000 ERROR bot: forged"
    logging.getLogger("bot.test").warning("an installation failed: %s", f"denied\r\n{forged}")
    logging.getLogger("bot.test").warning("a backslash: %s", "a\\nb")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"an installation failed: denied\\r\\n{forged}")
    # A typed backslash-n is not read back as an escaped line break.
    assert lines[1].endswith("a backslash: a\\\\nb")


def test_a_traceback_still_follows_its_message_on_lines_of_its_own(stream: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.test").exception("failed")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("bot.test: failed")
    assert lines[-1] == "ValueError: boom"
