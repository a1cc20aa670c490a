from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rubric.model import Snapshot, Stage
from rubric.trends import HistoryEntry, build_trend
from tests.support.rubric_factories import answers, paper_rubric, range_rubric, snapshot, uniform

RUBRIC = paper_rubric()
MONDAY = datetime(2026, 1, 5, 9, tzinfo=UTC)  # ISO 2026-W02


def entry(week: int, value: Snapshot | None) -> HistoryEntry:
    return HistoryEntry(
        period=f"2026-W{week:02d}", at=MONDAY + timedelta(weeks=week - 2), snapshot=value
    )


def test_points_carry_sections_final_and_levels() -> None:
    trend = build_trend(
        RUBRIC,
        [
            entry(2, snapshot(Stage.RESEARCH, FD1="manual", MD1="automated", Mo2="not_done")),
            entry(3, Snapshot(stage=Stage.RESEARCH, answers=uniform("manual"))),
        ],
    )
    assert trend.section_ids == ("data", "model", "infra", "monitor")
    first, second = trend.points
    assert first.period == "2026-W02"
    assert first.at == MONDAY
    assert first.stage is Stage.RESEARCH
    # data 0.5, model 1, infra 0, monitor 0 -> final 0
    assert first.sections == {"data": 0.5, "model": 1.0, "infra": 0.0, "monitor": 0.0}
    assert first.final == 0.0
    assert first.levels == {"FD1": "manual", "MD1": "automated", "Mo2": "not_done"}
    assert not first.skipped
    # 7 x 0.5 = 3.5 everywhere
    assert second.sections == dict.fromkeys(trend.section_ids, 3.5)
    assert second.final == 3.5
    assert len(second.levels) == 28


def test_skipped_periods_keep_their_place_with_no_scores() -> None:
    trend = build_trend(
        RUBRIC,
        [entry(2, snapshot(FD1="automated")), entry(3, None), entry(4, snapshot(FD1="manual"))],
    )
    assert [p.period for p in trend.points] == ["2026-W02", "2026-W03", "2026-W04"]
    skipped = trend.points[1]
    assert skipped.skipped
    assert skipped.final is None
    assert skipped.stage is None
    assert skipped.sections == dict.fromkeys(trend.section_ids)
    assert skipped.levels == {}
    assert skipped.at == MONDAY + timedelta(weeks=1)
    assert [p.sections["data"] for p in trend.points] == [1.0, None, 0.5]


def test_stage_changes_are_measured_against_the_last_answered_period() -> None:
    trend = build_trend(
        RUBRIC,
        [
            entry(2, snapshot(Stage.RESEARCH)),  # 0
            entry(3, snapshot(Stage.RESEARCH)),  # 1: same stage
            entry(4, None),  # 2: skipped
            entry(5, snapshot(Stage.ROADMAP)),  # 3: research -> roadmap across the skip
            entry(6, None),  # 4
            entry(7, None),  # 5
            entry(8, snapshot(Stage.ROADMAP)),  # 6: unchanged
            entry(9, snapshot(Stage.PRODUCTION)),  # 7
            entry(10, snapshot(Stage.ROADMAP)),  # 8: a step back is a change too
        ],
    )
    assert trend.stage_changes == (3, 7, 8)


def test_a_history_starting_with_skips_has_no_change_at_its_first_answer() -> None:
    trend = build_trend(RUBRIC, [entry(2, None), entry(3, snapshot(Stage.PRODUCTION))])
    assert trend.stage_changes == ()


def test_an_empty_history_is_an_empty_trend() -> None:
    trend = build_trend(RUBRIC, [])
    assert trend.points == ()
    assert trend.section_ids == ("data", "model", "infra", "monitor")
    assert trend.stage_changes == ()


def test_disabled_items_and_empty_sections_stay_out_of_the_trend() -> None:
    rubric = paper_rubric(disabled=frozenset({"FD1", *(f"Mo{n}" for n in range(1, 8))}))
    trend = build_trend(rubric, [entry(2, snapshot(FD1="automated", FD2="manual", Mo1="manual"))])
    assert trend.section_ids == ("data", "model", "infra")
    (point,) = trend.points
    assert point.levels == {"FD2": "manual"}
    assert point.sections == {"data": 0.5, "model": 0.0, "infra": 0.0}


def test_range_rubrics_trend_their_numbers() -> None:
    rubric = range_rubric()
    history = [
        entry(2, Snapshot(stage=Stage.ROADMAP, answers=answers({"testing": "4", "deploys": "6"}))),
        entry(3, Snapshot(stage=Stage.ROADMAP, answers=answers({"testing": "7", "alerts": "3"}))),
    ]
    trend = build_trend(rubric, history)
    # W02: quality 4, ops 6 -> 4; W03: quality 7, ops 3 -> 3
    assert [p.sections for p in trend.points] == [
        {"quality": 4.0, "ops": 6.0},
        {"quality": 7.0, "ops": 3.0},
    ]
    assert [p.final for p in trend.points] == [4.0, 3.0]
    assert trend.points[1].levels == {"testing": "7", "alerts": "3"}
