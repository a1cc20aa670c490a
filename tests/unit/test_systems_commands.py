"""The system commands and `team/system` references, and the "which system?" buttons."""

from __future__ import annotations

import pytest

from bot.services.types import TeamInfo
from bot.slack.blocks.checkin import build_checkin, parse_checkin_value
from bot.slack.blocks.systems import build_system_choice, parse_choice_value
from bot.slack.command_parser import (
    Assess,
    ListSystems,
    ParseError,
    SetStage,
    ShowScorecard,
    SystemAdd,
    SystemArchive,
    SystemRename,
    TeamRef,
    parse_command,
)
from rubric.model import Stage
from rubric.periods import Cadence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("system add Vision/Fraud", SystemAdd(TeamRef(name="Vision", system="Fraud"))),
        (
            "sistema agregar Vision/Fraud producción",
            SystemAdd(TeamRef(name="Vision", system="Fraud"), Stage.PRODUCTION),
        ),
        ("system add Fraud roadmap", SystemAdd(TeamRef(system="Fraud"), Stage.ROADMAP)),
        (
            "system rename Vision/Fraud Risk model",
            SystemRename(TeamRef(name="Vision", system="Fraud"), "Risk model"),
        ),
        ("sistema archivar Vision/Fraud", SystemArchive(TeamRef(name="Vision", system="Fraud"))),
        ("systems", ListSystems(None)),
        ("sistemas Vision", ListSystems(TeamRef(name="Vision"))),
        ("assess Vision/Fraud", Assess(TeamRef(name="Vision", system="Fraud"))),
        (
            "scorecard Vision/Fraud public",
            ShowScorecard(TeamRef(name="Vision", system="Fraud"), public=True),
        ),
        (
            "stage Vision/Fraud production",
            SetStage(TeamRef(name="Vision", system="Fraud"), Stage.PRODUCTION),
        ),
        # Quoted, a slash is part of a name.
        ('assess "a/b"', Assess(TeamRef(name="a/b"))),
    ],
)
def test_system_commands_parse(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["system add", "system add Vision/", "system add /Fraud", "system archive", "system drop x"],
)
def test_a_system_command_without_one_system_is_an_error_with_its_usage(text):
    parsed = parse_command(text)
    assert isinstance(parsed, ParseError)
    assert parsed.usage_key == "usage.system"


def _system(system_id: int, name: str) -> TeamInfo:
    return TeamInfo(
        id=1,
        workspace_id=1,
        name="Vision",
        channel_id="C1",
        stage=Stage.RESEARCH,
        rubric_id="ml-test-score",
        language="en",
        schedule=None,
        system_id=system_id,
        system_name=name,
        systems=2,
    )


def test_each_choice_button_carries_its_system_and_the_command():
    message = build_system_choice(
        [_system(1, "Vision"), _system(7, "Fraud")], "scorecard public", "es"
    )
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Vision/Vision", "Vision/Fraud"]
    assert len({b["action_id"] for b in buttons}) == 2
    assert [parse_choice_value(b["value"]) for b in buttons] == [
        (1, "scorecard public"),
        (7, "scorecard public"),
    ]
    assert "¿Cuál?" in message["text"]


@pytest.mark.parametrize("value", [None, "", "nope", "[1]", '{"s": "1", "c": "x"}', '{"s": true}'])
def test_a_choice_value_that_is_not_ours_is_refused(value):
    assert parse_choice_value(value) is None


def test_a_checkin_of_a_team_with_several_systems_has_a_button_per_system():
    message = build_checkin(
        team_id=4,
        team_name="Vision",
        period_key="2025-W10",
        cadence=Cadence.WEEKLY,
        language="en",
        systems=[(4, "Vision"), (9, "Fraud")],
    )
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    opens = [b for b in buttons if b["action_id"].startswith("checkin_open")]
    assert [b["text"]["text"] for b in opens] == ["Assess Vision", "Assess Fraud"]
    assert [parse_checkin_value(b["value"]) for b in opens] == [
        ("4:4", "2025-W10"),
        ("4:9", "2025-W10"),
    ]
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    single = build_checkin(
        team_id=4,
        team_name="Vision",
        period_key="2025-W10",
        cadence=Cadence.WEEKLY,
        language="en",
        systems=[(4, "Vision")],
    )
    assert "checkin_open:" not in str(single)
