"""rubric.plans: what a stage move asks for, the next best actions, waivers' dates, plan
reminders and the burn-up, on the paper's rubric with its default criteria; and the burn-up
chart as a real PNG."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.charts import png_size
from bot.charts.burnup import render_burnup
from rubric.catalog import default_rubric
from rubric.gaps import find_gaps
from rubric.model import Answer, Snapshot, Stage
from rubric.plans import (
    burnup,
    expiring_soon,
    next_best_actions,
    next_reminder,
    preview,
    reminders,
    waiver_expiry_problem,
    waiver_holds,
)

RUBRIC = default_rubric()
assert RUBRIC.criteria is not None
CRITERIA = RUBRIC.criteria


def snapshot(stage: Stage = Stage.RESEARCH, **levels: str) -> Snapshot:
    return Snapshot(
        stage=stage,
        answers={item: Answer(item_id=item, choice=level) for item, level in levels.items()},
    )


def every(level: str, prefix: str) -> dict[str, str]:
    return {item.id: level for item in RUBRIC.items if item.id.startswith(prefix)}


def test_nothing_answered_makes_every_mandatory_item_at_the_target_unmet() -> None:
    found = preview(RUBRIC, CRITERIA, None, Stage.ROADMAP, current=Stage.RESEARCH)
    mandatory = [
        i.id for i in RUBRIC.items if CRITERIA.requirement(i.id, Stage.ROADMAP) == "mandatory"
    ]
    assert [u.item_id for u in found.unmet] == mandatory
    assert all(u.choice is None for u in found.unmet)


def test_a_tie_of_weakest_sections_lists_the_items_of_all_of_them() -> None:
    answers = snapshot(**every("automated", "FD"), **every("automated", "MD"))
    actions = next_best_actions(RUBRIC, answers)
    assert {a.section_id for a in actions} == {"I", "Mo"}
    assert len(actions) == 14
    assert all(a.gain == 1.0 for a in actions)


def test_the_next_best_actions_are_only_the_weakest_sections_items_biggest_gain_first() -> None:
    answers = snapshot(
        **every("automated", "I"), **every("manual", "MD"), **every("manual", "Mo"), FD1="manual"
    )
    actions = next_best_actions(RUBRIC, answers)
    assert [a.item_id for a in actions] == ["FD2", "FD3", "FD4", "FD5", "FD6", "FD7", "FD1"]
    assert [a.gain for a in actions][-1] == 0.5


def test_a_waived_item_is_no_gap_and_is_listed_apart() -> None:
    answers = snapshot()
    report = find_gaps(RUBRIC, CRITERIA, answers, waived={"FD5"})
    assert "FD5" not in [g.item_id for g in report.gaps]
    assert report.waived == ("FD5",)
    assert "FD5" not in report.mandatory


@pytest.mark.parametrize(
    ("expires", "today", "holds"),
    [(date(2027, 1, 10), date(2027, 1, 10), True), (date(2027, 1, 10), date(2027, 1, 11), False)],
)
def test_a_waiver_holds_through_its_expiry_day(expires: date, today: date, holds: bool) -> None:
    assert waiver_holds(expires, today) is holds


def test_a_waiver_lasts_at_most_a_year_and_ends_today_or_later() -> None:
    today = date(2027, 3, 1)
    assert waiver_expiry_problem(today, today) is None
    assert waiver_expiry_problem(today - timedelta(days=1), today) == "past"
    assert waiver_expiry_problem(today + timedelta(days=366), today) is None
    assert waiver_expiry_problem(today + timedelta(days=367), today) == "too_far"
    assert expiring_soon(today + timedelta(days=14), today)
    assert not expiring_soon(today + timedelta(days=15), today)


CREATED = datetime(2027, 1, 1, 12, tzinfo=UTC)
TARGET = date(2027, 3, 1)


def test_a_plan_has_reminders_14_and_3_days_before_its_target_at_nine() -> None:
    due = reminders(TARGET, CREATED)
    assert [(r.days_before, r.due) for r in due] == [
        (14, datetime(2027, 2, 15, 9, tzinfo=UTC)),
        (3, datetime(2027, 2, 26, 9, tzinfo=UTC)),
    ]


def test_the_reminder_due_is_the_latest_one_not_sent_and_none_after_the_target() -> None:
    assert next_reminder(TARGET, CREATED, datetime(2027, 2, 15, 8, tzinfo=UTC)) is None
    assert next_reminder(TARGET, CREATED, datetime(2027, 2, 15, 9, tzinfo=UTC)).key == "plan-14d"  # type: ignore[union-attr]
    late = datetime(2027, 2, 27, tzinfo=UTC)
    assert next_reminder(TARGET, CREATED, late).key == "plan-3d"  # type: ignore[union-attr]
    assert next_reminder(TARGET, CREATED, late, sent={"plan-3d"}) is None
    assert next_reminder(TARGET, CREATED, datetime(2027, 3, 2, tzinfo=UTC)) is None


def test_a_plan_made_ten_days_ahead_gets_only_the_three_day_reminder() -> None:
    made = datetime(2027, 2, 19, tzinfo=UTC)
    assert [r.days_before for r in reminders(TARGET, made)] == [3]


def test_the_burnup_counts_the_plan_items_done_at_each_assessment_after_the_plan() -> None:
    items = ["FD2", "FD3", "Mo3"]
    history = [
        (CREATED - timedelta(days=3), snapshot(FD2="manual")),
        (CREATED + timedelta(days=7), snapshot(FD2="manual", FD3="automated")),
        (CREATED + timedelta(days=14), snapshot(FD2="manual", FD3="automated", Mo3="manual")),
    ]
    now = CREATED + timedelta(days=20)
    points = burnup(RUBRIC, items, CREATED, history, now)
    assert [(p.at, p.met) for p in points] == [
        (CREATED, 1),
        (CREATED + timedelta(days=7), 2),
        (CREATED + timedelta(days=14), 3),
        (now, 3),
    ]


def test_the_burnup_ends_at_the_items_met_today_as_the_plan_counts_them() -> None:
    """A claim the evidence policy lowers, or a waiver, counts today as the plan's list does."""
    items = ["FD2", "FD3"]
    history = [(CREATED + timedelta(days=7), snapshot(FD2="manual", FD3="manual"))]
    now = CREATED + timedelta(days=20)
    points = burnup(RUBRIC, items, CREATED, history, now, met_now=1)
    assert [(p.at, p.met) for p in points] == [
        (CREATED, 0),
        (CREATED + timedelta(days=7), 2),
        (now, 1),
    ]
    assessed_now = burnup(RUBRIC, items, CREATED, history, CREATED + timedelta(days=7), met_now=1)
    assert [p.met for p in assessed_now] == [0, 1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_burnup_chart_is_a_png_with_alt_text(language: str) -> None:
    points = [(CREATED, 1), (CREATED + timedelta(days=7), 2), (CREATED + timedelta(days=14), 3)]
    chart = render_burnup(
        points,
        4,
        team="Vision",
        rubric=RUBRIC,
        stage=Stage.PRODUCTION,
        target_date=TARGET,
        language=language,
    )
    assert png_size(chart.png) == (1000, 560)
    assert "Vision" in chart.alt_text
    assert ("3 of 4" if language == "en" else "3 de 4") in chart.alt_text


def test_a_reminder_whose_time_had_passed_when_the_plan_was_made_is_not_sent() -> None:
    """Finding 9: made 14 days before the target at noon, after the 14-day reminder's 09:00,
    the plan gets only the 3-day one (and nothing right away); made at 08:00 it gets both."""
    noon = datetime(2027, 2, 15, 12, tzinfo=UTC)
    assert [r.days_before for r in reminders(TARGET, noon)] == [3]
    assert next_reminder(TARGET, noon, noon + timedelta(minutes=1)) is None
    early = datetime(2027, 2, 15, 8, tzinfo=UTC)
    assert [r.days_before for r in reminders(TARGET, early)] == [14, 3]
