"""`/mlscore help`: what the bot does, every command, examples."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import context, message, section
from bot.slack.i18n import t


def build_help(language: str) -> dict[str, Any]:
    return message(
        t("help.fallback", language),
        [
            section(t("help.intro", language)),
            section(f"{t('help.commands_title', language)}\n{t('help.commands', language)}"),
            context(t("help.team_hint", language)),
            context(t("help.examples", language)),
            context(t("help.citation", language)),
        ],
    )
