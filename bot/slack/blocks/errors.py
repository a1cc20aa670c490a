"""Ephemeral replies for errors and confirmations: never a stack trace, never silence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack.blocks.common import context, escape, message, modal, section
from bot.slack.command_parser import ParseError
from bot.slack.i18n import t
from bot.slack.ids import CallbackId


def escape_params(params: Mapping[str, object]) -> dict[str, object]:
    """Message params with the strings escaped for mrkdwn, so names people typed cannot break
    the formatting."""
    return {name: escape(v) if isinstance(v, str) else v for name, v in params.items()}


def build_notice(key: str, language: str, **params: object) -> dict[str, Any]:
    """A one-section message for any catalog key (errors, confirmations). String params are
    escaped for mrkdwn, so a team name typed by a person cannot break the formatting."""
    text = t(key, language, **escape_params(params))
    return message(text, [section(text)])


def build_parse_error(error: ParseError, language: str) -> dict[str, Any]:
    """What was wrong with the command, and how it is written."""
    text = t(error.key, language, **{name: escape(value) for name, value in error.params.items()})
    blocks = [section(text)]
    if error.usage_key:
        blocks.append(context(t(error.usage_key, language, **error.usage_params)))
    else:
        blocks.append(context(t("home.help", language)))
    return message(text, blocks)


def ephemeral(payload: dict[str, Any]) -> dict[str, Any]:
    """A message body as a slash command response that only the person sees."""
    return {**payload, "response_type": "ephemeral"}


def build_notice_modal(text: str, language: str) -> dict[str, Any]:
    """A modal that only says something (it replaces a form that cannot be used)."""
    return modal(
        callback_id=CallbackId.NOTICE,
        title=t("app.name", language),
        blocks=[section(text)],
        close=t("common.ok", language),
    )
