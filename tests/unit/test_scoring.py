from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rubric.catalog import builtin_rubrics, default_rubric
from rubric.model import Band, LevelScale, RangeScale, Rubric, ScaleLevel, Section
from rubric.scoring import (
    band_for,
    format_number,
    is_complete,
    is_done,
    max_points,
    points,
    range_values,
    score,
)
from tests.support.rubric_factories import (
    BAND_UPPERS,
    answers,
    item,
    paper_item_ids,
    paper_rubric,
    range_rubric,
    text,
    uniform,
)

RUBRIC = paper_rubric()
CHOICES = (None, "not_done", "manual", "automated")
RANK = {choice: rank for rank, choice in enumerate(CHOICES)}


def band_index(rubric: Rubric, final: float) -> int | None:
    band = band_for(rubric, final)
    return None if band is None else rubric.bands.index(band)


def with_weakest_data(automated: int, manual: int) -> dict[str, str | None]:
    """Every other section fully automated; data has `automated` then `manual` items."""
    data = ["automated"] * automated + ["manual"] * manual
    data += ["not_done"] * (7 - len(data))
    choices: dict[str, str | None] = dict.fromkeys(paper_item_ids(), "automated")
    choices.update({f"FD{n}": choice for n, choice in enumerate(data, start=1)})
    return choices


# --- points per choice ---------------------------------------------------------------------------


def test_levels_are_worth_the_papers_points() -> None:
    assert points(RUBRIC, "not_done") == 0.0
    assert points(RUBRIC, "manual") == 0.5
    assert points(RUBRIC, "automated") == 1.0


def test_no_answer_and_unknown_level_count_zero() -> None:
    assert points(RUBRIC, None) == 0.0
    assert points(RUBRIC, "weekly") == 0.0


def test_done_and_complete_follow_the_level_flags() -> None:
    assert [is_done(RUBRIC, c) for c in CHOICES] == [False, False, True, True]
    assert [is_complete(RUBRIC, c) for c in CHOICES] == [False, False, False, True]


def test_range_points_are_the_number_given() -> None:
    rubric = range_rubric()
    assert points(rubric, "7") == 7.0
    assert points(rubric, " 7.5 ") == 7.5
    assert points(rubric, "7,5") == 7.5
    assert points(rubric, None) == 0.0


@pytest.mark.parametrize("choice", ["abc", "", "nan", "inf", "0", "10.5", "-3", "11"])
def test_range_rejects_non_numbers_and_values_outside_the_scale(choice: str) -> None:
    with pytest.raises(ValueError, match=r"not a number|not a finite number|outside the scale"):
        points(range_rubric(), choice)


def test_range_error_names_the_scale() -> None:
    with pytest.raises(ValueError, match="outside the scale 1-10"):
        points(range_rubric(), "11")


def test_range_is_done_from_the_midpoint_by_default() -> None:
    rubric = range_rubric()  # 1..10: midpoint (1 + 10) / 2 = 5.5
    assert not is_done(rubric, "5")
    assert is_done(rubric, "5.5")
    assert is_done(rubric, "6")
    assert not is_done(rubric, None)


def test_range_is_done_from_done_at_when_given() -> None:
    rubric = range_rubric(done_at=5)
    assert not is_done(rubric, "4")
    assert is_done(rubric, "5")


def test_range_is_complete_only_at_the_top() -> None:
    rubric = range_rubric()
    assert is_complete(rubric, "10")
    assert not is_complete(rubric, "9")
    assert not is_complete(rubric, None)


def test_max_points_is_the_top_of_the_scale() -> None:
    assert max_points(RUBRIC) == 1.0
    assert max_points(range_rubric()) == 10.0


# --- scores worked out by hand -------------------------------------------------------------------


def test_final_score_is_minimum_of_sections() -> None:
    result = score(
        RUBRIC,
        answers(
            {
                # data: 1 + 0.5 + 0.5 = 2
                "FD1": "automated",
                "FD2": "manual",
                "FD3": "manual",
                # model: 7 x 0.5 = 3.5
                **{f"MD{n}": "manual" for n in range(1, 8)},
                # infra: 3 x 1 + 0.5 = 3.5
                "I1": "automated",
                "I2": "automated",
                "I3": "automated",
                "I4": "manual",
                # monitor: 0.5, the minimum
                "Mo1": "manual",
            }
        ),
    )
    assert [(s.section_id, s.score, s.maximum) for s in result.sections] == [
        ("data", 2.0, 7.0),
        ("model", 3.5, 7.0),
        ("infra", 3.5, 7.0),
        ("monitor", 0.5, 7.0),
    ]
    assert result.final == 0.5
    assert result.weakest == ("monitor",)
    assert result.band == RUBRIC.bands[1]  # (0, 1]


def test_every_section_at_the_minimum_is_named_weakest() -> None:
    result = score(
        RUBRIC,
        answers(
            {
                "FD1": "automated",  # data: 1 + 1 = 2
                "FD2": "automated",
                "MD1": "manual",  # model: 4 x 0.5 = 2
                "MD2": "manual",
                "MD3": "manual",
                "MD4": "manual",
                "I1": "automated",  # infra: 1 + 0.5 + 0.5 = 2
                "I2": "manual",
                "I3": "manual",
                "Mo1": "automated",  # monitor: 3
                "Mo2": "automated",
                "Mo3": "automated",
            }
        ),
    )
    assert result.final == 2.0
    assert result.weakest == ("data", "model", "infra")
    assert result.band == RUBRIC.bands[2]  # (1, 2]


def test_empty_assessment_scores_zero_in_every_section() -> None:
    result = score(RUBRIC, {})
    assert [s.score for s in result.sections] == [0.0, 0.0, 0.0, 0.0]
    assert result.final == 0.0
    assert result.weakest == ("data", "model", "infra", "monitor")
    assert result.band == RUBRIC.bands[0]


def test_fully_automated_scores_seven() -> None:
    result = score(RUBRIC, uniform("automated"))  # 7 x 1 in every section
    assert result.final == 7.0
    assert result.band == RUBRIC.bands[-1]


def test_disabled_items_are_left_out_of_sums_and_maxima() -> None:
    rubric = paper_rubric(disabled=frozenset({"FD4", "FD5", "FD6", "FD7"}))
    result = score(rubric, uniform("automated"))
    data = result.section("data")
    assert (data.score, data.maximum) == (3.0, 3.0)  # FD1..FD3 only
    assert result.final == 3.0
    assert result.weakest == ("data",)


def test_a_section_with_every_item_disabled_is_left_out() -> None:
    rubric = paper_rubric(disabled=frozenset(f"Mo{n}" for n in range(1, 8)))
    result = score(rubric, uniform("manual"))
    assert [s.section_id for s in result.sections] == ["data", "model", "infra"]
    assert result.final == 3.5  # 7 x 0.5; an empty monitor section does not pull it to 0


def test_unknown_levels_count_zero_in_a_score() -> None:
    result = score(RUBRIC, uniform("automated", except_={"Mo1": "bogus"}))
    assert result.section("monitor").score == 6.0
    assert result.final == 6.0


@pytest.mark.parametrize(
    ("automated", "manual", "final", "band"),
    [
        (0, 0, 0.0, 0),  # 0 -> "0"
        (0, 1, 0.5, 1),  # 0.5 -> (0, 1]
        (1, 0, 1.0, 1),  # 1 -> (0, 1], inclusive upper edge
        (1, 1, 1.5, 2),  # 1.5 -> (1, 2]
        (2, 0, 2.0, 2),  # 2 -> (1, 2]
        (2, 1, 2.5, 3),  # 2.5 -> (2, 3]
        (3, 0, 3.0, 3),  # 3 -> (2, 3]
        (3, 1, 3.5, 4),  # 3.5 -> (3, 5]
        (5, 0, 5.0, 4),  # 5 -> (3, 5]
        (5, 1, 5.5, 5),  # 5.5 -> > 5
        (7, 0, 7.0, 5),  # 7 -> > 5
    ],
)
def test_band_boundaries_follow_the_paper(
    automated: int, manual: int, final: float, band: int
) -> None:
    result = score(RUBRIC, answers(with_weakest_data(automated, manual)))
    assert result.final == final
    assert result.weakest == ("data",) or final == 7.0
    assert result.band is not None
    assert RUBRIC.bands.index(result.band) == band
    assert band_index(RUBRIC, final) == band


def test_band_for_just_above_an_edge_is_the_next_band() -> None:
    assert band_index(RUBRIC, 0.0) == 0
    assert band_index(RUBRIC, 0.01) == 1
    assert band_index(RUBRIC, 5.0) == 4
    assert band_index(RUBRIC, 5.0001) == 5


def test_band_for_without_bands_is_none() -> None:
    rubric = RUBRIC.model_copy(update={"bands": ()})
    assert band_for(rubric, 3.0) is None


def test_band_for_sorts_bands_given_out_of_order() -> None:
    rubric = RUBRIC.model_copy(update={"bands": tuple(reversed(RUBRIC.bands))})
    band = band_for(rubric, 1.5)
    assert band is not None
    assert band.upper == 2.0


def test_tenth_points_add_up_exactly_at_a_band_edge() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floats; it must still land in the band ending at 0.3.
    rubric = Rubric(
        id="tenths",
        version="1",
        name=text("Tenths"),
        scale=LevelScale(
            levels=(
                ScaleLevel(key="a", points=0.1, label=text("a")),
                ScaleLevel(key="b", points=0.2, label=text("b")),
            )
        ),
        sections=(Section(id="s", name=text("S"), items=(item("x"), item("y"))),),
        bands=(Band(upper=0.3, label=text("low")), Band(upper=None, label=text("high"))),
    )
    result = score(rubric, answers({"x": "a", "y": "b"}))
    assert result.final == 0.3
    assert result.band == rubric.bands[0]


def test_range_rubric_sums_numbers_and_skips_disabled_aspects() -> None:
    rubric = range_rubric()
    result = score(rubric, answers({"testing": "6", "docs": "3", "legacy": "10", "deploys": "2"}))
    # quality: 6 + 3 = 9 (legacy is disabled), max 2 x 10 = 20; ops: 2 + 0 = 2, max 20
    assert [(s.section_id, s.score, s.maximum) for s in result.sections] == [
        ("quality", 9.0, 20.0),
        ("ops", 2.0, 20.0),
    ]
    assert result.final == 2.0
    assert result.weakest == ("ops",)
    assert result.band == rubric.bands[0]  # 2 <= 4


def test_band_upper_edges_of_the_factory_match_the_paper() -> None:
    assert tuple(band.upper for band in RUBRIC.bands) == BAND_UPPERS


# --- properties ----------------------------------------------------------------------------------

assessments = st.fixed_dictionaries(
    {item_id: st.sampled_from(CHOICES) for item_id in paper_item_ids()}
)


@given(assessments)
def test_final_score_is_never_above_any_section(choices: dict[str, str | None]) -> None:
    result = score(RUBRIC, answers(choices))
    assert all(result.final <= section.score for section in result.sections)
    assert result.weakest
    assert all(result.section(s).score == result.final for s in result.weakest)
    assert all(0 <= section.score <= section.maximum for section in result.sections)


@given(assessments, st.sampled_from(paper_item_ids()), st.data())
def test_upgrading_an_answer_never_lowers_any_score(
    choices: dict[str, str | None], item_id: str, data: st.DataObject
) -> None:
    current = RANK[choices[item_id]]
    upgraded = dict(choices)
    upgraded[item_id] = data.draw(st.sampled_from(CHOICES[current:]), label="upgrade")
    before = score(RUBRIC, answers(choices))
    after = score(RUBRIC, answers(upgraded))
    assert after.final >= before.final
    for old, new in zip(before.sections, after.sections, strict=True):
        assert new.score >= old.score


@given(assessments, st.sampled_from(paper_item_ids()))
def test_adding_an_automated_answer_never_lowers_a_score(
    choices: dict[str, str | None], item_id: str
) -> None:
    before = score(RUBRIC, answers(choices))
    after = score(RUBRIC, answers({**choices, item_id: "automated"}))
    assert after.final >= before.final
    assert all(
        new.score >= old.score for old, new in zip(before.sections, after.sections, strict=True)
    )


@given(assessments)
def test_band_of_a_score_contains_the_final(choices: dict[str, str | None]) -> None:
    result = score(RUBRIC, answers(choices))
    assert result.band is not None
    index = RUBRIC.bands.index(result.band)
    lower = RUBRIC.bands[index - 1].upper if index else None
    assert result.band.upper is None or result.final <= result.band.upper
    assert lower is None or result.final > lower


# --- the shipped rubrics -------------------------------------------------------------------------


def test_the_shipped_2017_rubric_scores_like_the_paper() -> None:
    rubric = default_rubric()
    ids = [item.id for item in rubric.items]
    assert score(rubric, {}).final == 0.0
    all_manual = score(rubric, answers(dict.fromkeys(ids, "manual")))
    assert all_manual.final == 3.5  # 7 x 0.5 in every section
    assert all_manual.band is not None
    assert all_manual.band.upper == 5.0  # (3, 5]
    # every section automated but one test of the last section done by hand: 6.5 there
    mixed = score(rubric, answers({**dict.fromkeys(ids, "automated"), ids[-1]: "manual"}))
    assert mixed.final == 6.5
    assert mixed.weakest == (rubric.sections[-1].id,)
    assert mixed.band is not None
    assert mixed.band.upper is None  # > 5
    assert [s.maximum for s in mixed.sections] == [7.0, 7.0, 7.0, 7.0]


def test_every_builtin_rubric_scores_from_nothing_to_everything() -> None:
    for rubric in builtin_rubrics().values():
        top = max_points(rubric)
        best = dict.fromkeys(
            (item.id for item in rubric.items),
            format_number(top) if rubric.scale.kind == "range" else "automated",
        )
        full = score(rubric, answers(best))
        assert score(rubric, {}).final == 0.0
        assert all(s.score == s.maximum for s in full.sections), rubric.id
        assert full.final == min(s.maximum for s in full.sections)


def test_range_values_run_from_min_to_max_in_steps_without_binary_noise() -> None:
    assert range_values(RangeScale(min=1, max=10, step=1)) == tuple(float(n) for n in range(1, 11))
    tenths = range_values(RangeScale(min=0, max=1, step=0.1))
    assert len(tenths) == 11
    assert tenths[3] == 0.3
    assert tenths[-1] == 1.0
    assert [format_number(value) for value in tenths[:4]] == ["0", "0.1", "0.2", "0.3"]
