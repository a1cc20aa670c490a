"""Scorecard, gaps message, trend line and channel announcement, in words and within limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack.blocks.scorecard import (
    build_announcement,
    build_gaps,
    build_scorecard,
    trend_text,
)
from rubric.catalog import default_rubric
from rubric.diff import diff
from rubric.gaps import find_gaps
from rubric.model import Answer, Snapshot, Stage
from rubric.scoring import score
from tests.fakes.blockkit import check_message

RUBRIC = default_rubric()
CRITERIA = RUBRIC.criteria
AT = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
LONG_TEAM = "Fraud & <risk> " * 20


def snapshot(choice_for, stage=Stage.PRODUCTION, note_length=0):
    return Snapshot(
        stage=stage,
        answers={
            item.id: Answer(item_id=item.id, choice=choice_for(item.id), note="n" * note_length)
            for item in RUBRIC.items
        },
    )


def everything(choice):
    return snapshot(lambda _item_id: choice)


def scorecard(after, before=None, language="en", team=LONG_TEAM):
    assert CRITERIA is not None
    return build_scorecard(
        team_name=team,
        score=score(RUBRIC, after.answers),
        report=find_gaps(RUBRIC, CRITERIA, after),
        diff=diff(RUBRIC, before, after, CRITERIA) if before else None,
        rubric=RUBRIC,
        language=language,
        assessed_at=AT,
        assessed_by="U123",
        overall_note="x" * 3000,
        chart_follows=True,
    )


def all_text(payload):
    parts = [payload["text"]]
    for block in payload["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", [])]
    return "\n".join(parts)


def test_scorecard_says_the_final_score_sections_weakest_band_readiness_and_gaps():
    choices = {"FD": "automated", "MD": "manual", "I": "automated", "Mo": "automated"}
    after = snapshot(lambda item_id: choices[RUBRIC.section_of(item_id).id])
    # MD is all manual: 7 x 0.5 = 3.5, the weakest section.
    payload = scorecard(after, team="Search")
    text = all_text(payload)
    assert "ML Test Score: 3.5" in payload["text"]
    assert "ML Test Score: 3.5" in payload["blocks"][0]["text"]["text"]
    names = {s.id: s.name.en.replace("&", "&amp;") for s in RUBRIC.sections}
    assert f"{names['MD']}: 3.5 / 7" in text
    assert f"{names['FD']}: 7 / 7" in text
    assert f"Weakest section: *{names['MD']}*" in text
    assert "Weakest section: *" in text
    band = score(RUBRIC, after.answers).band
    assert band is not None
    assert band.label.en in text
    assert "Readiness for" in text
    assert check_message(payload) == []


def test_scorecard_in_spanish_uses_a_decimal_comma():
    after = snapshot(lambda item_id: "manual" if item_id.startswith("FD") else "automated")
    payload = scorecard(after, language="es", team="Búsqueda")
    assert "ML Test Score: 3,5" in payload["text"]
    assert "Sección más floja" in all_text(payload)


def test_worst_case_scorecard_with_every_gap_fits_a_message():
    payload = scorecard(everything("not_done"))
    assert check_message(payload) == []
    assert len(payload["blocks"]) < 20
    text = all_text(payload)
    assert "ML Test Score: 0" in text
    for gap in find_gaps(RUBRIC, CRITERIA, everything("not_done")).gaps:
        assert f"*{gap.item_id}*" in text


def test_every_gap_carries_its_next_step_in_words():
    report = find_gaps(RUBRIC, CRITERIA, everything("not_done"))
    payload = build_gaps(team_name="Search", report=report, rubric=RUBRIC, language="en")
    assert check_message(payload) == []
    text = all_text(payload)
    assert text.count("→ *Manual*: start doing it") == len(report.gaps)


def test_gaps_message_lists_manual_only_tests_as_worth_automating():
    report = find_gaps(RUBRIC, CRITERIA, everything("manual"))
    payload = build_gaps(team_name="Search", report=report, rubric=RUBRIC, language="es")
    text = all_text(payload)
    assert "Todas las pruebas obligatorias" in text
    assert "conviene automatizar" in text


def test_trend_line_names_what_changed():
    before = everything("manual")
    after_choices = {"FD1": "automated", "MD2": "not_done"}
    after = snapshot(lambda item_id: after_choices.get(item_id, "manual"))
    line = trend_text(diff(RUBRIC, before, after, CRITERIA), RUBRIC, "en")
    assert line.startswith("Since the last assessment:")
    assert "score 3.5 → 3 (-0.5)" in line
    assert "improved: FD1" in line
    assert "regressed: MD2" in line


def test_trend_line_for_a_first_or_unchanged_assessment():
    same = everything("manual")
    assert trend_text(None, RUBRIC, "es").startswith("Primera evaluación")
    assert trend_text(diff(RUBRIC, same, same, CRITERIA), RUBRIC, "en") == (
        "Nothing changed since the last assessment."
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_announcement_says_who_score_change_met_regressed_and_open_gaps(language):
    before = everything("manual")
    after = snapshot(lambda item_id: {"Mo3": "automated", "I1": "not_done"}.get(item_id, "manual"))
    assert CRITERIA is not None
    payload = build_announcement(
        team_name=LONG_TEAM,
        user_id="U42",
        score=score(RUBRIC, after.answers),
        diff=diff(RUBRIC, before, after, CRITERIA),
        report=find_gaps(RUBRIC, CRITERIA, after),
        rubric=RUBRIC,
        language=language,
    )
    assert check_message(payload) == []
    text = all_text(payload)
    assert "<@U42>" in text
    assert "ML Test Score: 3" in text
    assert "-0,5" in text if language == "es" else "-0.5" in text
    assert "I1" in text
    assert "&lt;risk&gt;" in text


def test_first_announcement_says_it_is_the_first():
    after = everything("automated")
    assert CRITERIA is not None
    payload = build_announcement(
        team_name="Search",
        user_id="U42",
        score=score(RUBRIC, after.answers),
        diff=None,
        report=find_gaps(RUBRIC, CRITERIA, after),
        rubric=RUBRIC,
        language="en",
    )
    assert "first assessment" in all_text(payload)
    assert "ML Test Score: 7" in payload["text"]
