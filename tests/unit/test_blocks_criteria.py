"""Criteria: the matrix in force, the survey modal round trip, results and anonymity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack.blocks.criteria import (
    COMMENT_MAX,
    CellResult,
    InvalidSurveyView,
    SurveyAnswer,
    SurveyComment,
    SurveyMeta,
    SurveyResults,
    build_criteria_adopted,
    build_criteria_matrix,
    build_survey_invitation,
    build_survey_page,
    build_survey_results,
    parse_survey_page,
    requirement_code,
    survey_answers_from_criteria,
    survey_pages,
    validate_survey_page,
)
from bot.slack.ids import ActionId, cell_block_id, comment_block_id
from rubric.catalog import Adjustment, default_rubric
from rubric.model import Requirement, Stage
from tests.fakes.blockkit import check_message, check_view, check_view_submission_response
from tests.support.view_state import slack_state

RUBRIC = default_rubric()
CRITERIA = RUBRIC.criteria
assert CRITERIA is not None
PREFILL = survey_answers_from_criteria(RUBRIC, CRITERIA)


def texts(payload):
    out = [payload["text"]]
    for block in payload["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
    return "\n".join(str(x) for x in out)


@pytest.mark.parametrize("language", ["en", "es"])
def test_matrix_shows_every_item_with_a_code_per_stage_version_and_adopter(language):
    payload = build_criteria_matrix(
        rubric=RUBRIC,
        criteria=CRITERIA,
        language=language,
        adopted_by="U9",
        adopted_at=datetime(2025, 2, 1, tzinfo=UTC),
    )
    assert check_message(payload) == []
    text = texts(payload)
    assert "<@U9>" in text
    for item in RUBRIC.items:
        line = next(line for line in text.splitlines() if line.startswith(item.id + " "))
        codes = line[len(item.id) :].split()
        expected = [
            requirement_code(CRITERIA.requirement(item.id, stage), language) for stage in Stage
        ]
        assert codes[:3] == expected


def test_matrix_without_an_adopter_says_it_is_the_default():
    payload = build_criteria_matrix(
        rubric=RUBRIC, criteria=CRITERIA, language="en", adopted_by=None, adopted_at=None
    )
    assert "default criteria" in texts(payload)


def test_invitation_button_carries_the_round_and_states_anonymity():
    payload = build_survey_invitation(round_id=5, opened_by="U1", anonymous=True, language="es")
    assert check_message(payload) == []
    button = payload["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (ActionId.SURVEY_OPEN, "5")
    assert "anónimos" in texts(payload)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("page", [0, 1, 2, 3])
def test_survey_pages_fit_slack_limits_with_long_comments(page, language):
    answers = {k: SurveyAnswer(v.levels, "c" * COMMENT_MAX) for k, v in PREFILL.items()}
    view = build_survey_page(RUBRIC, meta=SurveyMeta("5", page), language=language, answers=answers)
    assert check_view(view) == []
    assert len(view["blocks"]) <= 40
    assert len(survey_pages(RUBRIC)) == 4


@pytest.mark.parametrize("page", [0, 3])
def test_survey_page_round_trip_returns_the_prefilled_matrix(page):
    view = build_survey_page(RUBRIC, meta=SurveyMeta("5", page), language="en", answers=PREFILL)
    parsed = parse_survey_page(slack_state(view), RUBRIC)
    page_items = [item.id for item in survey_pages(RUBRIC)[page].items]
    assert parsed.answers == {item_id: PREFILL[item_id] for item_id in page_items}
    assert parsed.errors == {}
    assert parsed.meta == SurveyMeta("5", page)
    assert parsed.is_last == (page == 3)


def test_a_changed_vote_and_comment_are_read_back():
    view = build_survey_page(RUBRIC, meta=SurveyMeta("5", 0), language="en", answers=PREFILL)
    filled = slack_state(
        view,
        {
            cell_block_id("FD1", "research"): "poor_value",
            comment_block_id("FD1"): "schemas are cheap",
        },
    )
    answer = parse_survey_page(filled, RUBRIC).answers["FD1"]
    assert answer.levels[Stage.RESEARCH] is Requirement.POOR_VALUE
    assert answer.comment == "schemas are cheap"


def test_an_empty_cell_and_an_overlong_comment_come_back_as_errors_on_their_blocks():
    view = build_survey_page(RUBRIC, meta=SurveyMeta("5", 1), language="es", answers=PREFILL)
    filled = slack_state(
        view,
        {cell_block_id("MD1", "roadmap"): None, comment_block_id("MD2"): "x" * (COMMENT_MAX + 1)},
    )
    errors = validate_survey_page(parse_survey_page(filled, RUBRIC), "es")
    assert set(errors) == {cell_block_id("MD1", "roadmap"), comment_block_id("MD2")}
    assert errors[cell_block_id("MD1", "roadmap")] == "Elige uno de los cuatro niveles."
    response = {"response_action": "errors", "errors": errors}
    assert check_view_submission_response(response, view) == []


def test_a_foreign_view_is_not_a_survey_page():
    view = build_survey_page(RUBRIC, meta=SurveyMeta("5", 0), language="en", answers=PREFILL)
    view["private_metadata"] = "{}"
    with pytest.raises(InvalidSurveyView):
        parse_survey_page(view, RUBRIC)


def results(anonymous):
    cells = tuple(
        CellResult(
            item_id=item.id,
            stage=stage,
            counts={Requirement.OPTIONAL: 3, Requirement.MANDATORY: 4},
            proposed=Requirement.MANDATORY,
            split=item.id == "Mo3",
        )
        for item in RUBRIC.items
        for stage in Stage
    )
    comments = tuple(
        SurveyComment(item_id=item.id, text="long comment " * 80, user_id="U777")
        for item in RUBRIC.items
    )
    return SurveyResults(
        participants=7, open=True, anonymous=anonymous, cells=cells, comments=comments
    )


def test_results_show_counts_proposal_and_flag_split_votes():
    payload = build_survey_results_for(anonymous=True)
    assert check_message(payload) == []
    text = texts(payload)
    mo3 = next(line for line in text.splitlines() if line.startswith("*Mo3*"))
    assert mo3.count(":warning:") == 3
    assert "*MUST* 0·0·3·4" in mo3
    fd1 = next(line for line in text.splitlines() if line.startswith("*FD1*"))
    assert ":warning:" not in fd1


def test_anonymous_results_never_name_a_voter():
    assert "U777" not in texts(build_survey_results_for(anonymous=True))
    assert "<@U777>" in texts(build_survey_results_for(anonymous=False))


def build_survey_results_for(anonymous):
    return build_survey_results(results(anonymous), rubric=RUBRIC, language="en")


def test_adoption_lists_the_cells_raised_to_keep_the_rule():
    adjustments = [Adjustment("FD1", Stage.PRODUCTION, Requirement.OPTIONAL, Requirement.MANDATORY)]
    payload = build_criteria_adopted(
        version=3, adjustments=adjustments, rubric=RUBRIC, language="en"
    )
    assert check_message(payload) == []
    assert "Interesting, optional → Mandatory" in texts(payload)
    assert "version 3" in payload["text"]
