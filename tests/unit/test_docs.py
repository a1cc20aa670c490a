"""The README and docs/deploy.md say what the code does: every setting, every command line
option, every Spanish alias."""

from __future__ import annotations

import argparse
import itertools
import re
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import Settings
from bot.slack.command_parser import SUBCOMMANDS, ParseError, parse_command

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
DEPLOY = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n#", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each table in `text`: its header cells and the cells of its rows."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if previous.startswith("|"):
                tables[-1][1].append(cells)
            else:
                tables.append((cells, []))
        previous = line
    return tables


def _rows(text: str, first_header: str) -> list[list[str]]:
    (rows,) = [rows for header, rows in _tables(text) if header[0] == first_header]
    return rows


def _environment_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add((field.alias or name).upper())
    return names


def _documented_variables() -> set[str]:
    rows = _rows(_section(README, "## Configuration"), "Variable")
    return {variable for row in rows for variable in re.findall(r"`([A-Z_]+)`", row[0])}


def test_every_setting_is_in_the_readme_configuration_table():
    missing = _environment_names() - _documented_variables()
    assert not missing, f"settings missing from the README's Configuration table: {missing}"


def test_the_readme_configuration_table_names_no_setting_that_does_not_exist():
    assert _documented_variables() - _environment_names() == set()


def _options(parser: argparse.ArgumentParser, path: str) -> set[tuple[str, str]]:
    """(command, word): every command and subcommand, and every option and format choice of
    each, below `path`."""
    found = {(path, path.rsplit(maxsplit=1)[-1])}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _options(sub, f"{path} {name}")
        elif action.option_strings and "--help" not in action.option_strings:
            found |= {(path, option) for option in action.option_strings}
            found |= {(path, str(choice)) for choice in action.choices or ()}
    return found


def test_deploy_md_names_every_command_line_command_option_and_format():
    rows = [row[0].strip("`").replace("\\|", "|") for row in _rows(DEPLOY, "Command")]
    missing = [
        f"{command} {word}"
        for command, word in sorted(_options(build_parser(), "mlscore"))
        if not any(row.startswith(command) and word in re.findall(r"[\w-]+", row) for row in rows)
    ]
    assert not missing, f"docs/deploy.md's command table leaves out: {missing}"


ALIAS_ROWS = [(row[0].strip("`"), row[1].strip("`")) for row in _rows(README, "English")]
# What each "…" of a row stands for, in turn: nothing, team references, a person, values.
ARGUMENTS = (
    "",
    "fraud",
    '"fraud model"',
    "<#C123|ml-fraud>",
    "<@U123>",
    "2031-03-02",
    "production",
    "weekly monday 09:00",
    "public",
    "es",
    "D1 production mandatory the reason",
)


def _filled(row: str, arguments: tuple[str, ...]) -> str:
    parts = row.split("…")
    return " ".join(
        "".join(
            part + argument for part, argument in zip(parts, (*arguments, ""), strict=True)
        ).split()
    )


def test_the_readme_lists_a_spanish_name_for_every_subcommand():
    documented = {english.split()[0] for english, _ in ALIAS_ROWS} | {
        spanish.split()[0] for _, spanish in ALIAS_ROWS
    }
    assert {word for row in SUBCOMMANDS for word in row.words} - {"?"} <= documented


def test_the_readme_alias_table_pairs_each_name_with_its_alias_from_the_command_table():
    pairs = {(english.split()[0], spanish.split()[0]) for english, spanish in ALIAS_ROWS}
    expected = {(row.name, row.alias or row.name) for row in SUBCOMMANDS}
    assert expected <= pairs
    assert {english for english, _ in pairs} <= {row.name for row in SUBCOMMANDS}


def _readme_commands() -> list[str]:
    """Each command the README's "Using it in Slack" table names, as written (`/mlscore` off)."""
    rows = _rows(_section(README, "## Using it in Slack"), "Command")
    return [
        code.removeprefix("/mlscore ").replace("\\|", "|")
        for row in rows
        for code in re.findall(r"`([^`]+)`", row[0])
    ]


def test_the_readme_command_table_names_every_subcommand_of_the_command_table():
    named = {command.split()[0] for command in _readme_commands()}
    assert named == {row.name for row in SUBCOMMANDS}


def test_the_readme_command_table_shows_each_synopsis_of_the_command_table():
    synopses = {part for row in SUBCOMMANDS for part in row.synopsis["en"].split(" | ")}
    assert set(_readme_commands()) == synopses


@pytest.mark.parametrize(("english", "spanish"), ALIAS_ROWS)
def test_each_spanish_alias_in_the_readme_means_the_same_as_its_english(english, spanish):
    accepted = 0
    for arguments in itertools.product(ARGUMENTS, repeat=english.count("…")):
        typed_en, typed_es = _filled(english, arguments), _filled(spanish, arguments)
        parsed_en, parsed_es = parse_command(typed_en), parse_command(typed_es)
        if isinstance(parsed_en, ParseError):
            assert isinstance(parsed_es, ParseError), (typed_en, typed_es)
            assert (parsed_es.key, parsed_es.usage_key) == (parsed_en.key, parsed_en.usage_key)
        else:
            assert parsed_es == parsed_en, (typed_en, typed_es)
            accepted += 1
    assert accepted, f"no filling of {english!r} is a command: the row names no real command"
