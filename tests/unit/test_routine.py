"""The routine check-in's pure parts: which items need a look or most likely changed, the one
page and its limits, the round trip of a page that hides some inputs, the confirmed message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.slack.blocks.assessment import (
    AssessmentMeta,
    ItemInput,
    one_page_items,
    parse_assessment_page,
    short_guidance,
)
from bot.slack.blocks.checkin import (
    build_checkin,
    build_reminder,
    confirmed_message,
    confirmed_notice,
)
from bot.slack.blocks.quick import build_one_page
from bot.slack.ids import ActionId, BlockId
from rubric.catalog import default_rubric
from rubric.evidence import Claim, Downgrade
from rubric.gaps import Gap, GapKind, GapReport
from rubric.model import Requirement, Stage
from rubric.periods import Cadence
from rubric.routine import likely_changed, needs_review
from tests.fakes.blockkit import check_message, check_view
from tests.support.view_state import slack_state

RUBRIC = default_rubric()
ALL = [item.id for item in RUBRIC.items if item.enabled]
AT = datetime(2026, 1, 5, tzinfo=UTC)
LONG = "Fraud & <risk> models " * 20


def claim(item_id: str, *, failing: bool = False) -> Claim:
    return Claim(item_id, "manual", AT, "U1", failing=failing)


def report(*missing: str) -> GapReport:
    gaps = tuple(
        Gap(item_id, "data", GapKind.MISSING, Requirement.MANDATORY, "manual")
        for item_id in missing
    )
    return GapReport(Stage.RESEARCH, missing, gaps, (), (), 0.0)


def test_review_names_stale_unlinked_and_failing_claims_in_rubric_order() -> None:
    claims = {"Mo7": claim("Mo7", failing=True), "FD2": claim("FD2"), "I1": claim("I1")}
    review = needs_review(
        RUBRIC, claims, stale=["I1"], downgrades=[Downgrade("FD2", "automated", "manual")]
    )
    assert review == ("FD2", "I1", "Mo7")
    assert needs_review(RUBRIC, {"FD2": claim("FD2")}, stale=[], downgrades=[]) == ()


def test_likely_changed_adds_the_open_gaps_once() -> None:
    likely = likely_changed(
        RUBRIC, {"FD1": claim("FD1")}, stale=["FD1"], downgrades=[], gaps=report("FD1", "MD3")
    )
    assert likely == ("FD1", "MD3")


def test_the_one_page_holds_every_item_within_slacks_limits() -> None:
    answers = {
        item: ItemInput("manual", "n" * 500, "https://x.example/" + item, "l") for item in ALL
    }
    for focus, expanded in (
        ((), False),
        (("FD1", "MD2"), False),
        (("FD1", "MD2"), True),
        (tuple(ALL), True),
    ):
        meta = AssessmentMeta("7", period="2026-W02", focus=focus, expanded=expanded)
        view = build_one_page(
            RUBRIC, meta=meta, team_name=LONG, language="es", answers=answers, stale=("FD1",)
        )
        assert check_view(view) == []
        shown = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("item:")]
        if focus and not expanded:
            assert shown == [f"item:{item}" for item in focus]
            assert any(b.get("block_id") == BlockId.SHOW_ALL for b in view["blocks"])
        else:
            assert len(shown) == 28
            assert shown[: len(focus)] == [f"item:{item}" for item in focus]
    # All 28 in focus do not fit with every input: the first ones get them, the rest compact.
    full = [item.id for item, whole in one_page_items(RUBRIC, meta) if whole]
    assert 0 < len(full) < 28
    assert full == ALL[: len(full)]


def test_guidance_on_the_one_page_is_a_short_hint() -> None:
    item = RUBRIC.items[0]
    short = short_guidance(item, "en")
    assert len(short) <= 150
    assert short
    assert len(short) < len(item.guidance.get("en"))


def test_a_page_without_some_inputs_keeps_the_drafts_notes_and_links() -> None:
    meta = AssessmentMeta("7", period="2026-W02", focus=("FD1",), expanded=True)
    answers = {item: ItemInput("manual", "old note", "https://old.example", "old") for item in ALL}
    view = build_one_page(RUBRIC, meta=meta, team_name="T", language="en", answers=answers)
    page = parse_assessment_page(slack_state(view, {"item:MD1": "automated"}), RUBRIC)
    assert page.is_last
    assert "MD1" in page.without_evidence
    assert "FD1" not in page.without_evidence
    kept = page.keeping(answers)
    assert kept.answers["MD1"] == ItemInput("automated", "old note", "https://old.example", "old")
    assert kept.answers["FD1"] == answers["FD1"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_confirmed_check_in_says_who_and_drops_its_buttons(language: str) -> None:
    payload = build_checkin(
        team_id=1, team_name=LONG, period_key="2026-W02", cadence=Cadence.WEEKLY, language=language
    )
    updated = confirmed_message(
        payload["blocks"], fallback=payload["text"], team_name=LONG, user_id="U9", language=language
    )
    assert check_message(updated) == []
    assert "<@U9>" in str(updated["blocks"][-1])
    assert ActionId.CHECKIN_UNCHANGED not in str(updated)
    several = build_checkin(
        team_id=1,
        team_name="T",
        period_key="2026-W02",
        cadence=Cadence.WEEKLY,
        language=language,
        systems=[(1, "A"), (2, "B")],
    )
    kept = confirmed_message(
        several["blocks"], fallback="", team_name="T/A", user_id="U9", language=language
    )
    assert check_message(kept) == []
    assert f"{ActionId.CHECKIN_UNCHANGED}:2" in str(kept)


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_anonymous_teams_confirmed_check_in_names_nobody(language: str) -> None:
    payload = build_checkin(
        team_id=1, team_name="T", period_key="2026-W02", cadence=Cadence.WEEKLY, language=language
    )
    updated = confirmed_message(
        payload["blocks"],
        fallback=payload["text"],
        team_name="T",
        user_id="U9",
        language=language,
        anonymous=True,
    )
    notice = confirmed_notice(
        team_name="T", period_key="2026-W02", user_id="U9", language=language, anonymous=True
    )
    assert "U9" not in str(updated)
    assert "U9" not in str(notice)
    assert "✓" in str(updated["blocks"][-1])
    assert ActionId.CHECKIN_UNCHANGED not in str(updated)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_counted_check_in_keeps_its_buttons_and_who_confirmed(language: str) -> None:
    def counted(*confirmed: str, anonymous: bool = False) -> dict[str, Any]:
        return build_checkin(
            team_id=1,
            team_name=LONG,
            period_key="2026-W02",
            cadence=Cadence.WEEKLY,
            language=language,
            answered="2 of 3 answered",
            confirmed=confirmed,
            anonymous=anonymous,
        )

    named = counted("U9")
    assert check_message(named) == []
    assert ActionId.CHECKIN_UNCHANGED in str(named)
    assert "2 of 3 answered" in str(named)
    assert "<@U9>" in str(named["blocks"][-1])
    assert named["blocks"][-1]["block_id"] == BlockId.CHECKIN_DONE
    many = counted(*(f"U{n}" for n in range(12)))
    assert check_message(many) == []
    assert "<@U11>" in str(many["blocks"][-1])
    # Anonymous: someone, or how many, never who.
    one = counted("U9", anonymous=True)
    two = counted("U8", "U9", anonymous=True)
    assert "U9" not in str(one)
    assert "U9" not in str(two)
    assert "✓" in str(one["blocks"][-1])
    assert "2" in str(two["blocks"][-1])
    assert ActionId.CHECKIN_UNCHANGED in str(two)


def test_a_confirmed_check_in_in_the_channel_keeps_its_buttons_for_the_others() -> None:
    reminder = build_reminder(team_id=1, team_name="T", period_key="2026-W02", language="en")
    shared = confirmed_message(
        reminder["blocks"],
        fallback=reminder["text"],
        team_name="T",
        user_id="U9",
        language="en",
        shared=True,
    )
    assert check_message(shared) == []
    assert "<@U9>" in str(shared["blocks"][-1])
    assert ActionId.CHECKIN_UNCHANGED in str(shared)
