from __future__ import annotations

from rubric.diff import ItemChange, diff
from rubric.model import Requirement, Snapshot, Stage
from tests.support.rubric_factories import (
    answers,
    criteria,
    paper_rubric,
    range_rubric,
    snapshot,
    uniform,
)

M, OPT = Requirement.MANDATORY, Requirement.OPTIONAL
RUBRIC = paper_rubric()


def test_first_assessment_has_everything_newly_answered_and_no_delta() -> None:
    after = snapshot(Stage.RESEARCH, note="first", FD1="manual", MD2="not_done")
    result = diff(RUBRIC, None, after)
    assert result.newly_answered == (
        ItemChange("FD1", None, "manual"),
        ItemChange("MD2", None, "not_done"),
    )
    assert result.improved == ()
    assert result.regressed == ()
    assert result.stage_before is None
    assert result.stage_after is Stage.RESEARCH
    assert not result.stage_changed
    assert result.score_before is None
    assert result.score_after == 0.0
    assert result.score_delta is None
    assert result.overall_note_changed
    assert result.changed


def test_improved_regressed_and_new_answers_are_told_apart() -> None:
    before = Snapshot(
        stage=Stage.PRODUCTION,
        answers=uniform(
            "automated",
            except_={"FD1": "manual", "FD3": "manual", "MD1": "not_done", "Mo1": None},
        ),
    )
    after = Snapshot(
        stage=Stage.PRODUCTION,
        answers=uniform(
            "automated",
            except_={"FD2": "manual", "FD3": "manual", "MD1": None, "Mo1": "manual"},
        ),
    )
    result = diff(RUBRIC, before, after)
    assert result.improved == (ItemChange("FD1", "manual", "automated"),)
    assert result.regressed == (ItemChange("FD2", "automated", "manual"),)
    # MD1 went from not_done (0) to unanswered (0): no change in points, not reported.
    assert result.newly_answered == (ItemChange("Mo1", None, "manual"),)
    # before: data 0.5 + 1 + 0.5 + 4 x 1 = 6, model 6 x 1 = 6, infra 7, monitor 6 -> 6
    # after:  data 1 + 0.5 + 0.5 + 4 x 1 = 6, model 6, infra 7, monitor 0.5 + 6 = 6.5 -> 6
    assert result.score_before == 6.0
    assert result.score_after == 6.0
    assert result.score_delta == 0.0


def test_a_removed_answer_is_a_regression() -> None:
    result = diff(RUBRIC, snapshot(FD1="manual", FD2="not_done"), snapshot(FD1=None, FD2=None))
    assert result.regressed == (ItemChange("FD1", "manual", None),)
    assert result.newly_answered == ()


def test_score_delta_is_exact() -> None:
    rubric = range_rubric()
    before = Snapshot(
        stage=Stage.ROADMAP,
        answers=answers({"testing": "9", "docs": "9", "deploys": "1.1", "alerts": "1.2"}),
    )
    after = Snapshot(
        stage=Stage.ROADMAP,
        answers=answers({"testing": "9", "docs": "9", "deploys": "1.1", "alerts": "1.3"}),
    )
    result = diff(rubric, before, after)
    # ops: 1.1 + 1.2 = 2.3 -> 1.1 + 1.3 = 2.4; in floats 2.4 - 2.3 is 0.10000000000000009
    assert result.score_before == 2.3
    assert result.score_after == 2.4
    assert result.score_delta == 0.1
    assert result.improved == (ItemChange("alerts", "1.2", "1.3"),)


def test_score_delta_of_a_real_improvement() -> None:
    before = Snapshot(stage=Stage.ROADMAP, answers=uniform("manual"))  # 7 x 0.5 = 3.5
    after = Snapshot(
        stage=Stage.ROADMAP,
        answers=uniform("automated", except_={"Mo2": "manual"}),  # monitor: 6 + 0.5 = 6.5
    )
    result = diff(RUBRIC, before, after)
    assert result.score_delta == 3.0  # 6.5 - 3.5
    assert len(result.improved) == 27


def test_notes_and_the_overall_note_are_compared() -> None:
    before = Snapshot(
        stage=Stage.ROADMAP,
        answers=answers({"FD1": "manual", "FD2": "manual"}, FD1="old", FD2="same"),
        note="n",
    )
    after = Snapshot(
        stage=Stage.ROADMAP,
        answers=answers({"FD1": "manual", "FD2": "manual", "FD3": "manual"}, FD2="same", FD3="x"),
        note="n",
    )
    result = diff(RUBRIC, before, after)
    assert result.notes_changed == ("FD1", "FD3")
    assert not result.overall_note_changed
    assert result.changed


def test_identical_snapshots_show_no_change() -> None:
    same = snapshot(Stage.ROADMAP, note="n", FD1="manual", Mo7="automated")
    result = diff(RUBRIC, same, same)
    assert not result.changed
    assert result.score_delta == 0.0


def test_stage_change_is_reported() -> None:
    result = diff(RUBRIC, snapshot(Stage.ROADMAP), snapshot(Stage.PRODUCTION))
    assert result.stage_changed
    assert result.stage_before is Stage.ROADMAP
    assert result.stage_after is Stage.PRODUCTION


def test_newly_met_and_newly_gapped_follow_the_after_stage() -> None:
    cells = criteria(
        {
            "FD1": (M, M, M),
            "FD2": (M, M, M),
            "FD3": (OPT, OPT, M),  # mandatory only in production
            "FD4": (M, M, M),
            "FD5": (M, M, M),
        }
    )
    before = snapshot(Stage.ROADMAP, FD1="not_done", FD2="manual", FD3=None, FD5="manual")
    after = snapshot(
        Stage.PRODUCTION, FD1="manual", FD2="not_done", FD3="automated", FD5="automated"
    )
    result = diff(RUBRIC, before, after, cells)
    assert result.newly_met == ("FD1", "FD3")
    assert result.newly_gapped == ("FD2",)
    # FD4 was and is a gap; FD5 was and is met: neither is news.


def test_first_assessment_meets_everything_it_has_done() -> None:
    cells = criteria({"FD1": (M, M, M), "FD2": (M, M, M)})
    result = diff(RUBRIC, None, snapshot(Stage.RESEARCH, FD1="manual"), cells)
    assert result.newly_met == ("FD1",)
    assert result.newly_gapped == ()


def test_rubric_criteria_are_used_when_none_are_given() -> None:
    rubric = paper_rubric(criteria=criteria({"FD1": (M, M, M)}))
    result = diff(rubric, snapshot(FD1="manual"), snapshot(FD1=None))
    assert result.newly_gapped == ("FD1",)


def test_without_criteria_nothing_is_met_or_gapped() -> None:
    result = diff(RUBRIC, snapshot(FD1="manual"), snapshot(FD1=None))
    assert result.newly_met == ()
    assert result.newly_gapped == ()


def test_disabled_items_are_ignored() -> None:
    rubric = paper_rubric(disabled=frozenset({"FD1"}))
    result = diff(rubric, snapshot(FD1="manual"), snapshot(FD1="automated", FD2="manual"))
    assert result.improved == ()
    assert result.newly_answered == (ItemChange("FD2", None, "manual"),)
