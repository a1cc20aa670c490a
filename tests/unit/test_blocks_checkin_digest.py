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
    build_team_created,
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
    unchanged_button, open_button, skip_button = buttons(payload)
    assert unchanged_button["action_id"] == ActionId.CHECKIN_UNCHANGED
    assert unchanged_button["value"] == open_button["value"]
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
        assert [b["action_id"] for b in buttons(payload)][:2] == [
            ActionId.CHECKIN_UNCHANGED,
            ActionId.CHECKIN_OPEN,
        ]
    assert "<#C1>" in dm["blocks"][0]["text"]["text"]
    assert len(buttons(dm)) == 2


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
    assert text == (
        "*S* tendrá una revisión cada dos semanas, el miércoles a las 09:30 (Europe/Madrid)."
    )
    assert "no scheduled" in build_schedule_set(team_name="S", schedule=None, language="en")["text"]


@pytest.mark.parametrize(
    ("cadence", "english", "spanish"),
    [
        (Cadence.WEEKLY, "every Wednesday at 09:30", "cada miércoles a las 09:30"),
        (
            Cadence.BIWEEKLY,
            "every other Wednesday at 09:30",
            "cada dos semanas, el miércoles a las 09:30",
        ),
        (
            Cadence.MONTHLY,
            "on the first Wednesday of each month at 09:30",
            "el primer miércoles de cada mes a las 09:30",
        ),
        (
            Cadence.QUARTERLY,
            "on the first Wednesday of each quarter at 09:30",
            "el primer miércoles de cada trimestre a las 09:30",
        ),
    ],
)
def test_each_cadence_reads_as_a_sentence(cadence: Cadence, english: str, spanish: str) -> None:
    # Not "a every two weeks check-in on Wednesday": each cadence has its own wording.
    schedule = Schedule(cadence=cadence, weekday=2, at=time(9, 30), tz="UTC")
    en = build_schedule_set(team_name="S", schedule=schedule, language="en")["text"]
    es = build_schedule_set(team_name="S", schedule=schedule, language="es")["text"]
    assert en == f"*S* gets a check-in {english} (UTC)."
    assert es == f"*S* tendrá una revisión {spanish} (UTC)."
    checkin = build_checkin(
        team_id=1, team_name="S", period_key="2025-W11", cadence=cadence, language="en"
    )["blocks"][0]["text"]["text"]
    assert "'s ML Test Score check-in for 2025-W11 (" in checkin


def test_a_new_team_is_told_its_first_checkin_and_how_to_change_it() -> None:
    schedule = Schedule(cadence=Cadence.WEEKLY, weekday=0, at=time(10, 0), tz="Europe/Madrid")
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    en = build_team_created(
        team_name="S", channel_id="C1", schedule=schedule, created_at=friday, language="en"
    )["text"]
    es = build_team_created(
        team_name="S", channel_id="C1", schedule=schedule, created_at=friday, language="es"
    )["text"]
    assert en.startswith("Team *S* created in <#C1>. It gets a check-in every Monday at 10:00")
    assert "the first one is on Monday, Mar 9, 2026." in en
    assert "`/mlscore schedule weekly|biweekly|monthly|quarterly|off" in en
    assert "la primera, el lunes 9 mar 2026." in es
    assert "`/mlscore schedule" in es


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
