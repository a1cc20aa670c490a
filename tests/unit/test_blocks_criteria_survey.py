"""The criteria survey as Slack shows it: modal round trip from the service's state, Block Kit
limits of every page and reply, anonymity of results, adoption and single-cell replies."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest

from bot.services.criteria_survey import (
    ANONYMITY_THRESHOLD,
    Adoption,
    CellChange,
    CellResult,
    CellUpdate,
    ItemComment,
    ItemVote,
    SurveyResults,
    SurveyRound,
    SurveyState,
    tally,
)
from bot.services.types import Invalid
from bot.slack.blocks.assessment import stage_label
from bot.slack.blocks.criteria import COMMENT_MAX, parse_survey_page, survey_pages
from bot.slack.blocks.criteria_survey import (
    build_adoption,
    build_adoption_announcement,
    build_cell_set,
    build_results,
    page_differs,
    page_votes,
)
from bot.slack.ids import cell_block_id, comment_block_id
from bot.slack.listeners.criteria import error_text, survey_view
from rubric.catalog import Adjustment, default_rubric
from rubric.model import Requirement, Stage
from tests.fakes.blockkit import check_message, check_view, view_size
from tests.support.view_state import slack_state

RUBRIC = default_rubric()
CRITERIA = RUBRIC.criteria
assert CRITERIA is not None
NA, POOR, OPT, MUST = list(Requirement)
RES, ROAD, PROD = list(Stage)
OPENED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def survey_round(*, anonymous: bool = True, is_open: bool = True) -> SurveyRound:
    return SurveyRound(
        id=12,
        workspace_id=1,
        open=is_open,
        anonymous=anonymous,
        channel_id="CGENERAL",
        message_ts="1.2",
        opened_by="UADMIN",
        opened_at=OPENED,
        closed_at=None,
    )


def state(overrides: dict[str, ItemVote] | None = None, comment: str = "") -> SurveyState:
    answers = {
        item.id: ItemVote({stage: CRITERIA.requirement(item.id, stage) for stage in Stage}, comment)
        for item in RUBRIC.items
    }
    answers.update(overrides or {})
    return SurveyState(survey_round(), RUBRIC, answers, frozenset(overrides or {}))


def texts(payload) -> str:
    """Every string a person can read in a payload."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(payload)
    return "\n".join(found)


# ---- the modal ------------------------------------------------------------------------------


def test_a_page_built_from_the_persons_votes_reads_back_as_the_same_votes():
    mine = ItemVote({RES: MUST, ROAD: MUST, PROD: MUST}, "we got burnt")
    view = survey_view(state({"FD3": mine}), "en", 0)
    parsed = parse_survey_page(slack_state(view), RUBRIC)
    votes, comments = page_votes(parsed)
    assert votes[("FD3", RES)] is MUST
    assert comments["FD3"] == "we got burnt"
    # Untouched items come back as the matrix in force they were pre-filled with.
    assert {item for item, _ in votes} == {item.id for item in survey_pages(RUBRIC)[0].items}
    assert votes[("FD1", RES)] is CRITERIA.requirement("FD1", RES)
    assert not page_differs(parsed, state({"FD3": mine}))


def test_a_page_changed_as_slack_reports_it_is_read_back_with_the_change():
    view = survey_view(state(), "es", 3)
    filled = slack_state(
        view,
        {cell_block_id("Mo3", "research"): "mandatory", comment_block_id("Mo3"): "  sesgo  "},
    )
    parsed = parse_survey_page(filled, RUBRIC)
    assert parsed.is_last
    votes, comments = page_votes(parsed)
    assert votes[("Mo3", RES)] is MUST
    assert votes[("Mo3", PROD)] is MUST
    assert comments["Mo3"] == "sesgo"
    assert page_differs(parsed, state())


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_survey_page_keeps_within_slack_limits_even_with_full_comments(language):
    full = state(comment="é" * COMMENT_MAX)
    for page in range(len(survey_pages(RUBRIC))):
        view = survey_view(full, language, page)
        assert check_view(view) == []
        assert len(view["blocks"]) <= 100
        assert view_size(view) < 250_000


# ---- results --------------------------------------------------------------------------------

VOTERS = tuple(f"U{letter}{n}" for letter in string.ascii_uppercase[:10] for n in range(3))


def worst_case_results(*, anonymous: bool) -> SurveyResults:
    """30 voters disagreeing on every cell, with a long comment each on every item."""
    levels = list(Requirement)
    cells = []
    for item in RUBRIC.items:
        for stage in Stage:
            cast = tuple((user, levels[i % 4]) for i, user in enumerate(VOTERS))
            cells.append(
                CellResult(
                    item_id=item.id,
                    stage=stage,
                    votes=len(cast),
                    tally=tally(level for _, level in cast),
                    voters=() if anonymous else cast,
                )
            )
    comments = tuple(
        ItemComment(item.id, "a long thought " * 60, None if anonymous else VOTERS[0])
        for item in RUBRIC.items
    )
    return SurveyResults(
        round=survey_round(anonymous=anonymous),
        rubric=RUBRIC,
        participants=len(VOTERS),
        cells=tuple(cells),
        comments=comments,
    )


@pytest.mark.parametrize("anonymous", [True, False])
@pytest.mark.parametrize("language", ["en", "es"])
def test_results_fit_in_one_message_in_the_worst_case(anonymous, language):
    payload = build_results(worst_case_results(anonymous=anonymous), language)
    assert check_message(payload) == []
    assert len(payload["blocks"]) <= 50
    # The counts come first and are never cut: every item has its line.
    body = texts(payload)
    assert all(f"*{item.id}*" in body for item in RUBRIC.items)


def test_anonymous_results_name_nobody_but_who_opened_the_round():
    body = texts(build_results(worst_case_results(anonymous=True), "en"))
    assert not any(voter in body for voter in VOTERS)
    assert set(re.findall(r"<@(\w+)>", body)) == {"UADMIN"}


def test_public_results_say_who_voted_what_where_people_disagreed():
    results = SurveyResults(
        round=survey_round(anonymous=False),
        rubric=RUBRIC,
        participants=2,
        cells=(
            CellResult("FD1", RES, 2, tally([NA, MUST]), (("UANA", NA), ("UBEA", MUST))),
            CellResult("FD1", ROAD, 2, tally([MUST, MUST]), (("UANA", MUST), ("UBEA", MUST))),
        ),
        voters=("UANA", "UBEA"),
    )
    body = texts(build_results(results, "en"))
    assert "*FD1* Res: MUST <@UBEA> · n/a <@UANA>" in body
    assert "Road:" not in body.split("Who voted what")[1]  # unanimous cells are not listed
    assert ":warning:" in body  # n/a against MUST is a split
    assert "*Answered:*\n<@UANA>, <@UBEA>" in body


def test_cells_hidden_for_anonymity_are_counted_not_shown():
    results = SurveyResults(
        round=survey_round(anonymous=True),
        rubric=RUBRIC,
        participants=3,
        cells=(
            CellResult("FD1", RES, 3, tally([MUST, MUST, OPT])),
            CellResult("FD2", RES, 1, None),
        ),
    )
    payload = build_results(results, "en")
    body = texts(payload)
    assert "*FD2*" not in body
    assert f"1 cell has fewer than {ANONYMITY_THRESHOLD} votes" in body
    assert check_message(payload) == []


# ---- adoption and single cells --------------------------------------------------------------


def test_adoption_lists_the_changes_the_fix_ups_and_the_cells_kept():
    adoption = Adoption(
        round_id=12,
        version=4,
        created=True,
        participants=5,
        changes=(CellChange("I2", RES, OPT, MUST),),
        adjustments=(Adjustment("I2", ROAD, OPT, MUST),),
        kept=(("Mo3", RES),),
    )
    payload = build_adoption(adoption, RUBRIC, "en")
    assert check_message(payload) == []
    body = texts(payload)
    assert "version 4" in body
    assert "5 people answered the survey; 1 cell changed." in body
    research, roadmap = stage_label(RUBRIC, RES, "en"), stage_label(RUBRIC, ROAD, "en")
    assert f"*I2* {research}: Interesting, optional → Mandatory" in body
    assert f"*I2* {roadmap}: Interesting, optional → Mandatory" in body
    assert "these cells were raised" in body
    assert "1 cell had fewer than 3 votes" in body
    # The channel's announcement names the adopter only.
    announcement = build_adoption_announcement(adoption, "UADMIN", "es")
    assert set(re.findall(r"<@(\w+)>", texts(announcement))) == {"UADMIN"}
    assert "versión 4" in announcement["text"]


def test_adopting_a_round_without_votes_says_nothing_changed():
    adoption = Adoption(round_id=12, version=2, created=False, participants=0)
    payload = build_adoption(adoption, RUBRIC, "es")
    assert "Nadie la respondió" in payload["text"]
    assert "(versión 2)" in payload["text"]


def test_a_cell_set_reply_shows_the_level_the_raised_stages_and_the_reason_escaped():
    update = CellUpdate(
        version=2,
        item_id="I5",
        stage=RES,
        before=OPT,
        after=MUST,
        adjustments=(Adjustment("I5", ROAD, OPT, MUST),),
    )
    payload = build_cell_set(update, rubric=RUBRIC, reason="debug <always>", language="en")
    assert check_message(payload) == []
    body = texts(payload)
    research, roadmap = stage_label(RUBRIC, RES, "en"), stage_label(RUBRIC, ROAD, "en")
    assert f"*I5* at *{research}* is now “Mandatory” (criteria version 2)." in body
    assert f"*I5* {roadmap}: Interesting, optional → Mandatory" in body
    assert "debug &lt;always&gt;" in body


def test_a_refused_cell_names_stages_and_levels_in_the_persons_language():
    error = Invalid(
        "criteria.error.would_loosen",
        item="FD5",
        stage="production",
        level="optional",
        earlier_stage="research",
        earlier_level="mandatory",
    )
    text = error_text(error, RUBRIC, "es")
    research, production = stage_label(RUBRIC, RES, "es"), stage_label(RUBRIC, PROD, "es")
    assert f"«Obligatorio» en *{research}*" in text
    assert f"«Interesante, opcional» en *{production}*" in text
