"""The assessment modal: pages, pre-filling, the round trip through Slack's state, validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.slack.blocks.assessment import (
    NOTE_MAX,
    OVERALL_NOTE_MAX,
    AssessmentMeta,
    InvalidView,
    ItemInput,
    apply_page,
    build_assessment_page,
    build_draft_prompt,
    errors_response,
    inputs_from_snapshot,
    pages,
    parse_assessment_page,
    to_snapshot,
    update_response,
    validate_page,
)
from bot.slack.ids import ActionId, BlockId, CallbackId, item_block_id, note_block_id
from rubric.catalog import default_rubric, get_rubric
from rubric.evidence import LABEL_MAX, URL_MAX
from rubric.model import Stage
from tests.fakes.blockkit import check_view, check_view_submission_response
from tests.support.view_state import slack_state

RUBRIC = default_rubric()
SEED = get_rubric("seed-aspects")
LONG_TEAM = "Fraud & <risk> models " * 20


def full_answers(note_length: int = NOTE_MAX) -> dict[str, ItemInput]:
    levels = ("not_done", "manual", "automated")
    return {
        item.id: ItemInput(levels[i % 3], ("ñ" * note_length) if note_length else "")
        for i, item in enumerate(RUBRIC.items)
    }


def page_view(page: int, *, language: str = "en", answers=None, stage=Stage.ROADMAP, note=""):
    return build_assessment_page(
        RUBRIC,
        meta=AssessmentMeta(team_id="42", page=page, draft_id="d7", version=3),
        team_name=LONG_TEAM,
        language=language,
        stage=stage,
        answers=full_answers() if answers is None else answers,
        overall_note=note,
    )


def test_the_2017_rubric_has_one_page_per_section():
    assert [page.section.id for page in pages(RUBRIC)] == ["FD", "MD", "I", "Mo"]
    assert all(len(page.items) == 7 for page in pages(RUBRIC))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("page", [0, 1, 2, 3])
def test_every_page_respects_slack_limits_in_the_worst_case(page, language):
    view = page_view(page, language=language, note="n" * OVERALL_NOTE_MAX)
    assert check_view(view) == []
    assert check_view_submission_response(update_response(view)) == []
    assert len(view["title"]["text"]) <= 24
    assert view["notify_on_close"] is True
    assert len(view["private_metadata"]) < 200


def test_titles_number_the_pages_and_the_last_page_submits():
    titles = [page_view(i)["title"]["text"] for i in range(4)]
    assert titles == [f"ML Test Score {i}/4" for i in range(1, 5)]
    assert [page_view(i)["submit"]["text"] for i in range(4)] == ["Next", "Next", "Next", "Submit"]
    assert page_view(0)["close"]["text"] == "Save for later"
    assert page_view(3, language="es")["submit"]["text"] == "Enviar"


def test_first_page_carries_the_stage_preselected_and_only_it_does():
    first = page_view(0, stage=Stage.PRODUCTION)
    stage_block = next(b for b in first["blocks"] if b.get("block_id") == BlockId.STAGE)
    assert stage_block["element"]["initial_option"]["value"] == "production"
    assert [o["value"] for o in stage_block["element"]["options"]] == [
        "research",
        "roadmap",
        "production",
    ]
    assert all(b.get("block_id") != BlockId.STAGE for b in page_view(1)["blocks"])


def test_items_show_code_name_levels_and_guidance_in_spanish():
    view = page_view(0, language="es")
    block = next(b for b in view["blocks"] if b.get("block_id") == item_block_id("FD1"))
    assert block["label"]["text"].startswith("FD1 · ")
    assert [o["text"]["text"] for o in block["element"]["options"]] == [
        "No se hace",
        "Manual",
        "Automatizado",
    ]
    assert block["hint"]["text"] == RUBRIC.item("FD1").guidance.es
    assert block["optional"] is False
    note = next(b for b in view["blocks"] if b.get("block_id") == note_block_id("FD1"))
    assert note["optional"] is True
    assert note["element"]["max_length"] == NOTE_MAX


def test_only_pages_after_the_first_have_a_back_button():
    def back_buttons(view):
        return [
            e
            for b in view["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == ActionId.NAV_BACK
        ]

    assert back_buttons(page_view(0)) == []
    assert len(back_buttons(page_view(2))) == 1


def test_overall_note_is_on_the_last_page_only():
    ids = [b.get("block_id") for b in page_view(3, note="all good")["blocks"]]
    assert BlockId.OVERALL_NOTE in ids
    assert BlockId.OVERALL_NOTE not in [b.get("block_id") for b in page_view(2)["blocks"]]


@pytest.mark.parametrize("page", [0, 1, 2, 3])
def test_a_prefilled_page_parses_back_to_what_it_was_built_with(page):
    answers = full_answers(note_length=0)
    answers["FD2"] = ItemInput("manual", "a note, with ünicode ✓")
    answers["Mo7"] = ItemInput("automated", "x" * NOTE_MAX)
    view = page_view(page, answers=answers, stage=Stage.RESEARCH, note="overall")
    parsed = parse_assessment_page(slack_state(view), RUBRIC)
    expected = {item.id: answers[item.id] for item in pages(RUBRIC)[page].items}
    assert parsed.answers == expected
    assert parsed.errors == {}
    assert parsed.meta == AssessmentMeta(team_id="42", page=page, draft_id="d7", version=3)
    assert parsed.stage == (Stage.RESEARCH if page == 0 else None)
    assert parsed.overall_note == ("overall" if page == 3 else None)
    assert validate_page(parsed, "en") == {}


def test_changes_made_in_slack_are_what_the_parser_reads():
    view = page_view(0)
    filled = slack_state(
        view,
        {
            item_block_id("FD3"): "automated",
            note_block_id("FD3"): "now in CI",
            note_block_id("FD4"): None,
            BlockId.STAGE: "production",
        },
    )
    parsed = parse_assessment_page(filled, RUBRIC)
    assert parsed.answers["FD3"] == ItemInput("automated", "now in CI")
    assert parsed.answers["FD4"].note == ""
    assert parsed.stage is Stage.PRODUCTION


def test_a_missing_level_is_reported_on_its_own_block_in_the_person_language():
    answers = full_answers(note_length=0)
    del answers["FD5"]
    view = page_view(0, answers=answers)
    parsed = parse_assessment_page(slack_state(view), RUBRIC)
    assert parsed.answers["FD5"] == ItemInput(None, "")
    errors = validate_page(parsed, "es")
    assert errors == {item_block_id("FD5"): "Elige un nivel para esta prueba."}
    assert check_view_submission_response(errors_response(errors), view) == []


def test_missing_stage_is_an_error_on_the_stage_block():
    view = page_view(0, stage=None)
    errors = validate_page(parse_assessment_page(slack_state(view), RUBRIC), "en")
    assert set(errors) == {BlockId.STAGE}


def test_a_note_over_the_limit_is_refused_with_its_length():
    view = page_view(1)
    filled = slack_state(view, {note_block_id("MD2"): "a" * (NOTE_MAX + 5)})
    parsed = parse_assessment_page(filled, RUBRIC)
    errors = validate_page(parsed, "en")
    assert errors == {
        note_block_id("MD2"): f"This note has {NOTE_MAX + 5} characters; the limit is {NOTE_MAX}."
    }
    assert check_view_submission_response(errors_response(errors), view) == []


def test_an_overall_note_over_the_limit_is_refused():
    view = page_view(3)
    filled = slack_state(view, {BlockId.OVERALL_NOTE: "b" * (OVERALL_NOTE_MAX + 1)})
    errors = validate_page(parse_assessment_page(filled, RUBRIC), "en")
    assert set(errors) == {BlockId.OVERALL_NOTE}


def test_a_forged_choice_is_refused_not_stored():
    filled = slack_state(page_view(0), {item_block_id("FD1"): "excellent"})
    parsed = parse_assessment_page(filled, RUBRIC)
    assert parsed.answers["FD1"].choice is None
    assert validate_page(parsed, "en")[item_block_id("FD1")].startswith("That choice")


def test_a_view_without_our_metadata_is_invalid():
    view = page_view(0)
    view["private_metadata"] = "not json"
    with pytest.raises(InvalidView):
        parse_assessment_page(slack_state(view), RUBRIC)
    view["private_metadata"] = json.dumps({"t": "42", "p": 9})
    with pytest.raises(InvalidView):
        parse_assessment_page(slack_state(view), RUBRIC)


def test_a_view_closed_with_nothing_typed_parses_to_empty_answers():
    view = page_view(1, answers={})
    view.pop("state", None)
    parsed = parse_assessment_page(view, RUBRIC)
    assert all(value == ItemInput(None, "") for value in parsed.answers.values())


def test_pages_merge_into_a_snapshot_with_only_answered_items():
    draft: dict[str, ItemInput] = {}
    for page in range(4):
        view = page_view(page, answers=full_answers(note_length=0), note="fine")
        draft = apply_page(draft, parse_assessment_page(slack_state(view), RUBRIC))
    draft["FD1"] = ItemInput(None, "unsure")
    snapshot = to_snapshot(Stage.ROADMAP, draft, "fine")
    assert len(snapshot.answers) == 27
    assert inputs_from_snapshot(snapshot)["FD2"] == draft["FD2"]


def test_range_scale_rubric_uses_a_select_of_its_numbers():
    meta = AssessmentMeta(team_id="1", page=0)
    answers = {"testing": ItemInput("7", "ok"), "code": ItemInput("3.0", "")}
    view = build_assessment_page(
        SEED, meta=meta, team_name="t", language="es", stage=Stage.RESEARCH, answers=answers
    )
    assert check_view(view) == []
    block = next(b for b in view["blocks"] if b.get("block_id") == item_block_id("testing"))
    assert block["element"]["type"] == "static_select"
    assert [o["value"] for o in block["element"]["options"]] == [str(n) for n in range(1, 11)]
    parsed = parse_assessment_page(slack_state(view), SEED)
    assert parsed.answers["testing"] == ItemInput("7", "ok")
    assert parsed.answers["code"] == ItemInput("3", "")


def test_disabled_items_are_not_asked():
    disabled = [item.id for item in SEED.items if not item.enabled]
    assert disabled, "the seed rubric ships with a switched-off aspect"
    asked = {item.id for page in pages(SEED) for item in page.items}
    assert not asked & set(disabled)


def test_draft_prompt_offers_continue_and_fresh_start_with_the_metadata():
    meta = AssessmentMeta(team_id="42", page=2, draft_id="d7", version=5)
    view = build_draft_prompt(
        meta=meta,
        team_name=LONG_TEAM,
        language="es",
        saved_at=datetime(2025, 3, 5, 14, 30, tzinfo=UTC),
        pages_total=4,
    )
    assert check_view(view) == []
    assert view["callback_id"] == CallbackId.DRAFT_PROMPT
    buttons = view["blocks"][1]["elements"]
    assert [b["action_id"] for b in buttons] == [ActionId.DRAFT_CONTINUE, ActionId.DRAFT_DISCARD]
    assert AssessmentMeta.from_json(buttons[0]["value"]) == meta
    assert "5 mar 2025, 14:30" in view["blocks"][0]["text"]["text"]
    assert "página 3 de 4" in view["blocks"][0]["text"]["text"]


def test_a_very_long_section_is_split_into_pages_that_each_fit():
    from rubric.model import Item, Section, Text

    def text(value):
        return Text(en=value, es=value)

    items = tuple(
        Item(id=f"X{i}", name=text(f"Test {i} " + "n" * 150), guidance=text("g" * 1900))
        for i in range(90)
    )
    big = RUBRIC.model_copy(
        update={"sections": (Section(id="X", name=text("Huge"), items=items),), "criteria": None}
    )
    all_pages = pages(big)
    assert [len(page.items) for page in all_pages] == [22, 22, 22, 22, 2]
    # every input at its longest: note, evidence link and label
    link = "https://ci.example.com/" + "a" * (URL_MAX - 23)
    answers = {
        item.id: ItemInput("manual", "z" * NOTE_MAX, link, "l" * LABEL_MAX) for item in items
    }
    for index in range(5):
        view = build_assessment_page(
            big,
            meta=AssessmentMeta(team_id="1", page=index),
            team_name=LONG_TEAM,
            language="en",
            stage=Stage.ROADMAP,
            answers=answers,
            overall_note="o" * OVERALL_NOTE_MAX,
            stale=tuple(item.id for item in items),
        )
        assert check_view(view) == []
        parsed = parse_assessment_page(slack_state(view), big)
        assert parsed.answers == {item.id: answers[item.id] for item in all_pages[index].items}
