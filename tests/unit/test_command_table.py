"""The one `/mlscore` command table: the parser reads by it, the help is made from it, and each
command it gives has a handler."""

from __future__ import annotations

import re
import typing

import pytest

from bot.slack.blocks.help import build_help
from bot.slack.command_parser import SUBCOMMANDS, Command, ParseError, parse_command
from bot.slack.listeners.slash_command import HANDLERS

COMMAND_TYPES = set(typing.get_args(Command))

# One typed line for each kind of command the parser gives; a new kind needs a line here.
EXAMPLES = (
    "help",
    "?",
    "team create Vision <#C123|ml>",
    "teams",
    "stage fraud production",
    "assess",
    "scorecard public",
    "gaps",
    "trend",
    "language es",
    "schedule weekly monday 09:00",
    "skip",
    "pause until 2031-01-01",
    "resume",
    "digest",
    "export",
    "criteria",
    "criteria survey",
    "criteria results",
    "criteria adopt",
    "criteria set D1 production mandatory because",
    "erase team Vision",
    "erase notes <@U123>",
    "system add Vision/Fraud production",
    "system rename Vision/Fraud Risk",
    "system archive Vision/Fraud",
    "systems Vision",
    "responses Vision",
    "responses Vision anonymous on",
    "consensus Vision median",
    "lead add <@U123> Vision",
    "token Vision/Fraud rotate",
    "evidence production both",
    "evidence upgrades Vision/Fraud on",
    "plan Vision production",
    "plans Vision",
    "waive Vision MD4 2031-01-01 retrained every day",
    "waivers",
)


def _help_text(language: str) -> str:
    """The help's sections, one after the other (the command list spans several)."""
    blocks = build_help(language)["blocks"]
    return "\n".join(block["text"]["text"] for block in blocks if block["type"] == "section")


def _help_words(language: str) -> list[str]:
    """The first word after `/mlscore` of each line the help lists."""
    text = _help_text(language)
    return re.findall(r"^`/mlscore ([^`\s]+)", text, flags=re.MULTILINE)


def _word_of(text: str) -> str:
    """The subcommand that a typed line starts with, in its English name."""
    first = text.split(maxsplit=1)[0]
    (row,) = [row for row in SUBCOMMANDS if first in row.words]
    return row.name


def test_the_examples_cover_every_kind_of_command():
    parsed = [parse_command(text) for text in EXAMPLES]
    assert not [p for p in parsed if isinstance(p, ParseError)]
    assert {type(p) for p in parsed} == COMMAND_TYPES


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_subcommand_the_parser_accepts_is_in_the_help(language):
    listed = _help_words(language)
    assert {_word_of(text) for text in EXAMPLES} <= set(listed)
    # And the help lists each subcommand once.
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_subcommand_in_the_help_is_accepted_by_the_parser(language):
    for word in _help_words(language):
        parsed = parse_command(word)
        assert not (isinstance(parsed, ParseError) and parsed.key == "parse.unknown_subcommand"), (
            word
        )


def test_every_word_of_the_table_starts_a_command():
    for row in SUBCOMMANDS:
        for word in row.words:
            parsed = parse_command(f"{word} ")
            assert not (
                isinstance(parsed, ParseError) and parsed.key == "parse.unknown_subcommand"
            ), word


def test_a_word_outside_the_table_is_an_unknown_subcommand():
    parsed = parse_command("frobnicate")
    assert isinstance(parsed, ParseError)
    assert parsed.key == "parse.unknown_subcommand"


def test_each_command_the_table_gives_has_exactly_one_handler():
    given = [kind for row in SUBCOMMANDS for kind in row.commands]
    assert len(given) == len(set(given)), "two rows claim the same command"
    assert set(given) == COMMAND_TYPES
    assert set(HANDLERS) == COMMAND_TYPES


def test_each_example_parses_to_a_command_its_row_says_it_gives():
    for text in EXAMPLES:
        (row,) = [row for row in SUBCOMMANDS if text.split()[0] in row.words]
        assert type(parse_command(text)) in row.commands, text


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_help_line_of_each_row_carries_its_synopsis_and_help_in_the_language(language):
    text = _help_text(language)
    for row in SUBCOMMANDS:
        assert f"`/mlscore {row.synopsis[language]}` {row.help[language]}" in text
