from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rubric.catalog import default_rubric
from rubric.gaps import Gap, GapKind, find_gaps, next_step
from rubric.model import Criteria, Requirement, Snapshot, Stage
from tests.support.rubric_factories import (
    answers,
    criteria,
    paper_item_ids,
    paper_rubric,
    range_rubric,
    snapshot,
)

M, OPT, P, N = (
    Requirement.MANDATORY,
    Requirement.OPTIONAL,
    Requirement.POOR_VALUE,
    Requirement.NOT_APPLICABLE,
)
RUBRIC = paper_rubric()
# (research, roadmap, production); every item not listed counts as optional.
CRITERIA = criteria(
    {
        "FD1": (M, M, M),
        "FD2": (OPT, M, M),
        "MD1": (OPT, OPT, M),
        "I1": (N, OPT, M),
        "Mo1": (N, P, M),
        "Mo3": (N, N, M),
    }
)


def test_mandatory_items_not_done_are_gaps_with_manual_as_next_step() -> None:
    report = find_gaps(
        RUBRIC,
        CRITERIA,
        snapshot(Stage.PRODUCTION, FD1="automated", FD2="not_done", MD1="manual", I1="automated"),
    )
    assert report.mandatory == ("FD1", "FD2", "MD1", "I1", "Mo1", "Mo3")
    assert report.gaps == (
        Gap("FD2", "data", GapKind.MISSING, M, "manual"),
        Gap("Mo1", "monitor", GapKind.MISSING, M, "manual"),
        Gap("Mo3", "monitor", GapKind.MISSING, M, "manual"),
    )
    assert report.partial == (Gap("MD1", "model", GapKind.PARTIAL, M, "automated"),)
    # 3 of 6 mandatory items are done (FD1, MD1, I1): 3 / 6 = 0.5
    assert report.readiness == 0.5
    assert report.met == ("FD1", "MD1", "I1")
    assert not report.ready
    assert report.stage is Stage.PRODUCTION


def test_requirements_are_read_at_the_snapshots_stage() -> None:
    report = find_gaps(RUBRIC, CRITERIA, snapshot(Stage.RESEARCH, FD1="manual"))
    assert report.mandatory == ("FD1",)
    assert report.gaps == ()
    assert [gap.item_id for gap in report.partial] == ["FD1"]
    assert report.readiness == 1.0
    assert report.ready


def test_optional_items_not_done_are_listed_apart_and_never_lower_readiness() -> None:
    report = find_gaps(RUBRIC, CRITERIA, snapshot(Stage.ROADMAP, FD1="automated", FD2="manual"))
    # roadmap: FD1, FD2 mandatory and done; MD1 and I1 optional; Mo1 poor value; Mo3 n/a;
    # the 22 unlisted items are optional too.
    assert report.readiness == 1.0
    assert "MD1" in report.optional_open
    assert "I1" in report.optional_open
    assert "Mo1" not in report.optional_open
    assert "Mo3" not in report.optional_open
    assert "FD1" not in report.optional_open
    assert len(report.optional_open) == 28 - 2 - 2  # minus FD1, FD2 (mandatory), Mo1, Mo3


def test_optional_items_done_are_not_open() -> None:
    report = find_gaps(RUBRIC, CRITERIA, snapshot(Stage.RESEARCH, FD2="manual"))
    assert "FD2" not in report.optional_open


def test_nothing_mandatory_means_full_readiness() -> None:
    report = find_gaps(RUBRIC, Criteria(items={}), snapshot(Stage.PRODUCTION))
    assert report.mandatory == ()
    assert report.readiness == 1.0
    assert len(report.optional_open) == 28


def test_disabled_items_are_ignored() -> None:
    rubric = paper_rubric(disabled=frozenset({"Mo3"}))
    report = find_gaps(rubric, CRITERIA, snapshot(Stage.PRODUCTION))
    assert "Mo3" not in report.mandatory
    assert [gap.item_id for gap in report.gaps] == ["FD1", "FD2", "MD1", "I1", "Mo1"]
    assert report.readiness == 0.0


def test_gaps_come_in_rubric_order_whatever_the_criteria_order() -> None:
    reordered = criteria({"Mo3": (M, M, M), "FD1": (M, M, M), "I1": (M, M, M)})
    report = find_gaps(RUBRIC, reordered, snapshot(Stage.RESEARCH))
    assert [gap.item_id for gap in report.gaps] == ["FD1", "I1", "Mo3"]


def test_readiness_counts_manual_as_met() -> None:
    everything = criteria(dict.fromkeys(paper_item_ids(), (M, M, M)))
    manual = Snapshot(
        stage=Stage.ROADMAP, answers=answers(dict.fromkeys(paper_item_ids()[:7], "manual"))
    )
    report = find_gaps(RUBRIC, everything, manual)
    # 7 of 28 mandatory items done: 7 / 28 = 0.25
    assert report.readiness == 0.25
    assert len(report.gaps) == 21
    assert len(report.partial) == 7


def test_range_scale_gaps_use_done_at_and_the_top_as_next_steps() -> None:
    rubric = range_rubric(done_at=6)
    cells = criteria({"testing": (M, M, M), "docs": (M, M, M), "deploys": (M, M, M)})
    report = find_gaps(
        rubric,
        cells,
        Snapshot(
            stage=Stage.RESEARCH, answers=answers({"testing": "5", "docs": "7", "deploys": "10"})
        ),
    )
    assert report.gaps == (Gap("testing", "quality", GapKind.MISSING, M, "6"),)
    assert report.partial == (Gap("docs", "quality", GapKind.PARTIAL, M, "10"),)
    # 2 of 3 done (docs 7 >= 6, deploys 10): 2 / 3
    assert report.readiness == 2 / 3


def test_range_scale_next_step_defaults_to_the_midpoint() -> None:
    assert next_step(range_rubric(), GapKind.MISSING) == "5.5"  # (1 + 10) / 2
    assert next_step(range_rubric(), GapKind.PARTIAL) == "10"


# --- properties ----------------------------------------------------------------------------------

requirements = st.sampled_from(list(Requirement))
criteria_matrices = st.fixed_dictionaries(
    {item_id: st.tuples(requirements, requirements, requirements) for item_id in paper_item_ids()}
)
assessments = st.fixed_dictionaries(
    {
        item_id: st.sampled_from([None, "not_done", "manual", "automated"])
        for item_id in paper_item_ids()
    }
)


@given(
    criteria_matrices,
    assessments,
    st.sampled_from(list(Stage)),
    st.sets(st.sampled_from(paper_item_ids())),
)
def test_gaps_are_always_a_subset_of_the_mandatory_items(
    cells: dict[str, tuple[Requirement, Requirement, Requirement]],
    choices: dict[str, str | None],
    stage: Stage,
    disabled: set[str],
) -> None:
    rubric = paper_rubric(disabled=frozenset(disabled))
    matrix = criteria(cells)
    report = find_gaps(rubric, matrix, Snapshot(stage=stage, answers=answers(choices)))
    mandatory = set(report.mandatory)
    missing = {gap.item_id for gap in report.gaps}
    partial = {gap.item_id for gap in report.partial}
    assert missing <= mandatory
    assert partial <= mandatory
    assert not missing & partial
    assert not mandatory & disabled
    assert mandatory == {
        i for i in paper_item_ids() if i not in disabled and matrix.requirement(i, stage) is M
    }
    assert all(matrix.requirement(i, stage) is OPT for i in report.optional_open)
    assert 0.0 <= report.readiness <= 1.0
    if mandatory:
        assert report.readiness == (len(mandatory) - len(missing)) / len(mandatory)
    else:
        assert report.readiness == 1.0
    assert all(choices[i] == "manual" for i in partial)
    assert all(choices[i] in (None, "not_done") for i in missing)


# --- the shipped rubric and criteria -------------------------------------------------------------


def test_shipped_criteria_make_every_mandatory_test_a_gap_when_nothing_is_done() -> None:
    rubric = default_rubric()
    assert rubric.criteria is not None
    for stage in Stage:
        report = find_gaps(rubric, rubric.criteria, Snapshot(stage=stage))
        assert [gap.item_id for gap in report.gaps] == list(report.mandatory)
        assert all(gap.next_step == "manual" for gap in report.gaps)
        assert report.readiness == (1.0 if not report.mandatory else 0.0)


def test_shipped_criteria_are_met_by_a_fully_automated_team() -> None:
    rubric = default_rubric()
    assert rubric.criteria is not None
    everything = answers({item.id: "automated" for item in rubric.items})
    report = find_gaps(
        rubric, rubric.criteria, Snapshot(stage=Stage.PRODUCTION, answers=everything)
    )
    assert report.mandatory
    assert report.gaps == ()
    assert report.partial == ()
    assert report.optional_open == ()
    assert report.readiness == 1.0


def test_shipped_criteria_require_more_as_the_stage_advances() -> None:
    rubric = default_rubric()
    assert rubric.criteria is not None
    mandatory = [
        set(find_gaps(rubric, rubric.criteria, Snapshot(stage=stage)).mandatory) for stage in Stage
    ]
    assert mandatory[0] <= mandatory[1] <= mandatory[2]
