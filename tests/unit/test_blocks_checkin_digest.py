"""Check-in messages and the weekly digest: buttons, wording, order of gaps, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.slack.blocks.checkin import (
    build_checkin,
    build_lead_dm,
    build_paused,
    build_reminder,
    build_resumed,
    build_schedule_set,
    build_skipped,
    checkin_value,
    parse_checkin_value,
)
from bot.slack.blocks.digest import DigestTeam, build_digest, ordered_gaps
from bot.slack.ids import ActionId
from rubric.model import Stage
from rubric.periods import Cadence, Schedule
from tests.fakes.blockkit import check_message

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
LONG = "Fraud & <risk> " * 30


def buttons(payload):
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_checkin_button_opens_the_modal_for_the_team_and_period():
    payload = build_checkin(
        team_id=42, team_name=LONG, period_key="2025-W11", cadence=Cadence.WEEKLY, language="es"
    )
    assert check_message(payload) == []
    open_button, skip_button = buttons(payload)
    assert open_button["action_id"] == ActionId.CHECKIN_OPEN
    assert skip_button["action_id"] == ActionId.CHECKIN_SKIP
    assert parse_checkin_value(open_button["value"]) == ("42", "2025-W11")
    assert "revisión semanal" in payload["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("value", [None, "", "42", "|2025-W11", "42|"])
def test_foreign_button_values_are_not_read_as_checkins(value):
    assert parse_checkin_value(value) is None


def test_period_keys_may_contain_the_separator_after_the_team():
    assert parse_checkin_value(checkin_value("7", "2025|Q1")) == ("7", "2025|Q1")


def test_reminder_and_lead_dm_carry_the_open_button():
    reminder = build_reminder(team_id=1, team_name="Search", period_key="2025-03", language="en")
    dm = build_lead_dm(
        team_id=1, team_name="Search", channel_id="C1", period_key="2025-03", language="en"
    )
    for payload in (reminder, dm):
        assert check_message(payload) == []
        assert buttons(payload)[0]["action_id"] == ActionId.CHECKIN_OPEN
    assert "<#C1>" in dm["blocks"][0]["text"]["text"]
    assert len(buttons(dm)) == 1


def test_confirmations_in_both_languages():
    assert (
        "never as a zero"
        in build_skipped(team_name="S", period_key="2025-W11", language="en")["text"]
    )
    assert (
        "15 jun 2025" in build_paused(team_name="S", until=date(2025, 6, 15), language="es")["text"]
    )
    assert "vuelto" in build_resumed(team_name="S", language="es")["text"]
    schedule = Schedule(cadence=Cadence.BIWEEKLY, weekday=2, at=time(9, 30), tz="Europe/Madrid")
    text = build_schedule_set(team_name="S", schedule=schedule, language="es")["text"]
    assert text == "*S* tendrá una revisión quincenal los miércoles a las 09:30 (Europe/Madrid)."
    assert "no scheduled" in build_schedule_set(team_name="S", schedule=None, language="en")["text"]


def test_digest_puts_the_newest_regressions_first_and_marks_them():
    team = DigestTeam(
        name="Search",
        stage=Stage.PRODUCTION,
        final=2.0,
        delta=-0.5,
        gaps=("FD1", "MD2", "Mo3", "Mo7"),
        regressions=("Mo7", "MD2", "I4"),  # I4 was fixed since: not a gap any more
    )
    assert ordered_gaps(team, "en") == ["Mo7 (new)", "MD2 (new)", "FD1", "Mo3"]


def test_digest_lists_each_team_with_score_change_and_overdue_teams():
    teams = [
        DigestTeam("Search", Stage.PRODUCTION, 2.0, 0.5, gaps=("FD1",)),
        DigestTeam("Ads", Stage.ROADMAP, None, None, overdue=True),
        DigestTeam(
            "Fraud",
            Stage.RESEARCH,
            1.0,
            None,
            last_assessed_at=datetime(2025, 1, 1, tzinfo=UTC),
            overdue=True,
        ),
    ]
    payload = build_digest(teams, language="en", now=NOW, chart_follows=True)
    assert check_message(payload) == []
    text = "\n".join(b["text"]["text"] for b in payload["blocks"] if "text" in b)
    assert "*Search* · Production · ML Test Score: 2 (+0.5)" in text
    assert "Mandatory gaps (1): FD1" in text
    assert "Ads: never assessed" in text
    assert "Fraud: last assessed Jan 1, 2025 (68 days ago)" in text
    assert payload["blocks"][-1]["type"] == "context"


def test_digest_for_many_teams_with_every_gap_fits_a_message():
    gaps = tuple(f"FD{i}" for i in range(1, 8)) + tuple(f"Mo{i}" for i in range(1, 8))
    teams = [
        DigestTeam(LONG + str(i), Stage.PRODUCTION, 0.0, -1.0, gaps=gaps * 2, overdue=True)
        for i in range(200)
    ]
    payload = build_digest(teams, language="es", now=NOW, chart_follows=True)
    assert check_message(payload) == []


def test_empty_digest_says_so():
    payload = build_digest([], language="es", now=NOW)
    assert "no hay equipos" in payload["blocks"][1]["text"]["text"]


def test_a_team_never_assessed_is_not_said_to_have_no_gaps():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    payload = build_digest([DigestTeam("Ads", Stage.ROADMAP, None, None)], language="en", now=now)
    text = str(payload["blocks"])
    assert "not assessed yet" in text
    assert "No mandatory gaps" not in text
    assert payload["text"].endswith("1 team")
