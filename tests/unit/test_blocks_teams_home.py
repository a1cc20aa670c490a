"""Teams list, App Home, help and notices: content, both languages, Slack's limits at scale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.services.types import TeamInfo, TeamSummary
from bot.slack.blocks.errors import build_notice, build_parse_error, ephemeral
from bot.slack.blocks.help import build_help
from bot.slack.blocks.home import HOME_TEAMS_MAX, build_home
from bot.slack.blocks.teams import build_teams_list
from bot.slack.command_parser import ParseError, parse_command
from bot.slack.ids import ActionId
from rubric.model import Stage
from tests.fakes.blockkit import check_message, check_view

AT = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)


def summary(index: int, *, name: str | None = None, assessed: bool = True) -> TeamSummary:
    team = TeamInfo(
        id=index,
        workspace_id=1,
        name=name or f"Team {index} " + "with a long & <odd> name " * 3,
        channel_id=f"C{index:08d}",
        stage=list(Stage)[index % 3],
        rubric_id="ml-test-score",
        language="es",
        schedule=None,
    )
    return TeamSummary(
        team=team,
        last_assessed_at=AT if assessed else None,
        final_score=1.5 if assessed else None,
        open_gaps=12 if assessed else None,
    )


def text_of(payload):
    return "\n".join(
        block["text"]["text"] for block in payload["blocks"] if block.get("text")
    ) + "\n".join(
        element["text"]
        for block in payload["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )


def test_teams_list_shows_stage_score_gaps_and_date():
    payload = build_teams_list([summary(1, name="Search"), summary(2, assessed=False)], "en")
    assert check_message(payload) == []
    text = text_of(payload)
    assert "*Search* <#C00000001> · Roadmap · ML Test Score: 1.5 · gaps: 12 · Mar 5, 2025" in text
    assert "not assessed yet" in text
    assert "&lt;odd&gt;" in text


@pytest.mark.parametrize("count", [0, 1, 200, 1000])
def test_teams_list_fits_a_message_for_any_number_of_teams(count):
    payload = build_teams_list([summary(i) for i in range(count)], "es")
    assert check_message(payload) == []
    if count == 1000:
        assert "más" in text_of(payload).splitlines()[-1]


def test_two_hundred_teams_are_all_listed():
    payload = build_teams_list([summary(i) for i in range(200)], "en")
    text = text_of(payload)
    assert all(f"<#C{i:08d}>" in text for i in range(200))


@pytest.mark.parametrize("count", [0, 3, HOME_TEAMS_MAX, 200])
def test_home_fits_a_view_and_says_how_many_are_hidden(count):
    view = build_home([summary(i) for i in range(count)], "en")
    assert view["type"] == "home"
    assert check_view(view) == []
    text = text_of(view)
    if count > HOME_TEAMS_MAX:
        assert f"and {count - HOME_TEAMS_MAX} more teams" in text


def test_home_buttons_carry_the_team_id():
    view = build_home([summary(7, name="Search")], "es")
    buttons = [
        element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ActionId.HOME_ASSESS, "7"),
        (ActionId.HOME_SCORECARD, "7"),
    ]
    assert [b["text"]["text"] for b in buttons] == ["Evaluar", "Resultado"]
    assert "Carencias abiertas: 12" in text_of(view)


@pytest.mark.parametrize("language", ["en", "es"])
def test_help_lists_commands_with_examples(language):
    payload = build_help(language)
    assert check_message(payload) == []
    text = text_of(payload)
    for command in (
        "assess",
        "scorecard",
        "gaps",
        "trend",
        "teams",
        "stage",
        "schedule",
        "criteria",
        "language",
    ):
        assert f"/mlscore {command}" in text
    assert "Breck" in text


def test_parse_errors_render_with_their_usage_and_escape_user_text():
    error = parse_command("stage fraud <later>")
    assert isinstance(error, ParseError)
    payload = build_parse_error(error, "es")
    assert check_message(payload) == []
    assert "&lt;later&gt;" in payload["text"]
    assert "Uso: `/mlscore stage" in text_of(payload)


def test_notices_escape_names_and_can_be_ephemeral():
    payload = ephemeral(build_notice("error.unknown_team", "en", team="<!channel>"))
    assert payload["response_type"] == "ephemeral"
    assert "<!channel>" not in payload["text"]
    assert check_message(payload) == []


def with_systems(index: int, count: int) -> TeamSummary:
    """A team with `count` systems, every other one assessed."""
    base = summary(index, name=f"Team {index}")
    systems = tuple(
        TeamSummary(
            team=replace(
                base.team,
                stage=list(Stage)[n % 3],
                system_id=index * 100 + n,
                system_name=f"System {n} <x>",
                systems=count,
            ),
            last_assessed_at=AT if n % 2 else None,
            final_score=2.5 if n % 2 else None,
            open_gaps=3 if n % 2 else None,
        )
        for n in range(count)
    )
    return replace(base, systems=systems)


def test_home_lists_a_teams_systems_each_with_stage_score_and_its_own_assess_button():
    view = build_home([with_systems(7, 2)], "en")
    assert check_view(view) == []
    text = text_of(view)
    assert "*Team 7*" in text
    assert "• *System 0 &lt;x&gt;* · Research · not assessed yet" in text
    assert "• *System 1 &lt;x&gt;* · Roadmap · ML Test Score: 2.5 · open gaps: 3" in text
    accessories = [block["accessory"] for block in view["blocks"] if "accessory" in block]
    assert [(a["action_id"], a["value"]) for a in accessories] == [
        (ActionId.HOME_SCORECARD, "7"),
        (ActionId.HOME_ASSESS, "7:700"),
        (ActionId.HOME_ASSESS, "7:701"),
    ]
    spanish = text_of(build_home([with_systems(7, 2)], "es"))
    assert "Investigación · sin evaluar todavía" in spanish
    assert "carencias abiertas: 3" in spanish


@pytest.mark.parametrize(("teams", "systems"), [(1, 24), (30, 3), (200, 2)])
def test_home_with_many_systems_fits_a_view_and_counts_the_teams_left_out(teams, systems):
    view = build_home([with_systems(i, systems) for i in range(teams)], "en")
    assert check_view(view) == []
    shown = sum(1 for block in view["blocks"] if block.get("block_id", "").startswith("home_team"))
    if shown < teams:
        assert f"and {teams - shown} more teams" in text_of(view)
    else:
        assert shown == teams
