"""`/mlscore help`: what the bot does, every command, examples."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import chunk_lines, context, message, section
from bot.slack.command_parser import SUBCOMMANDS
from bot.slack.i18n import t
from rubric.model import Language


def command_lines(language: str) -> str:
    """One line per subcommand, from the command table, in `language`."""
    lang: Language = "es" if language == "es" else "en"  # as t() picks a catalog entry
    return "\n".join(f"`/mlscore {row.synopsis[lang]}` {row.help[lang]}" for row in SUBCOMMANDS)


def build_help(language: str) -> dict[str, Any]:
    # The command list outgrew one section's 3,000 characters: as many sections as it takes,
    # each line whole.
    listed = chunk_lines([t("help.commands_title", language), *command_lines(language).split("\n")])
    return message(
        t("help.fallback", language),
        [
            section(t("help.intro", language)),
            *(section(chunk) for chunk in listed),
            context(t("help.team_hint", language)),
            context(t("help.examples", language)),
            context(t("help.citation", language)),
        ],
    )
