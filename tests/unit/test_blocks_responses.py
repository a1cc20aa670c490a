"""The settling modal and the disagreement blocks: built, filled as Slack fills them, parsed."""

from __future__ import annotations

import json

from bot.services.response_types import ChoiceCount, DisputedItem, PeriodResponses
from bot.slack.blocks.responses import (
    ResolveTarget,
    build_lead_message,
    build_resolve_modal,
    parse_resolve_modal,
    parse_resolve_value,
    resolve_value,
)
from rubric.catalog import default_rubric
from tests.fakes.blockkit import check_message, check_view
from tests.support.view_state import slack_state

RUBRIC = default_rubric()


def view(*, anonymous: bool = False) -> PeriodResponses:
    people = {"not_done": ("UA",), "automated": ("UB", "UC")}
    items = tuple(
        DisputedItem(
            item_id=item_id,
            full=True,
            choices=tuple(
                ChoiceCount(choice, len(who), () if anonymous else who)
                for choice, who in people.items()
            ),
            proposed="not_done",
            resolved_by="UL" if item_id == "FD2" else None,
        )
        for item_id in ("FD1", "FD2", "Mo3")
    )
    return PeriodResponses(
        period_key="2026-W49",
        rule="lowest",
        anonymous=anonymous,
        respondents=() if anonymous else ("UA", "UB", "UC"),
        count=3,
        items=items,
    )


def test_the_modal_shows_only_unsettled_items_prefilled_and_parses_back() -> None:
    target = ResolveTarget(team_id=7, system_id=None, period_key="2026-W49")
    modal = build_resolve_modal("Vision", RUBRIC, view(), target, "en")
    assert check_view(modal) == []
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["resolve:FD1", "resolve:Mo3"]
    assert {b["element"]["initial_option"]["value"] for b in inputs} == {"not_done"}
    submitted = slack_state(modal, {"resolve:FD1": "manual"})
    submitted["id"] = "V1"
    assert parse_resolve_modal(submitted) == (target, {"FD1": "manual", "Mo3": "not_done"})


def test_a_tampered_modal_parses_to_nothing() -> None:
    assert parse_resolve_modal({"private_metadata": "not json"}) is None
    metadata = json.dumps({"team": "7", "period": "2026-W49"})
    assert parse_resolve_modal({"private_metadata": metadata}) is None


def test_button_values_round_trip() -> None:
    assert parse_resolve_value(resolve_value(7, 12, "2026-W49")) == (7, 12, "2026-W49")
    assert parse_resolve_value(resolve_value(7, None, "2026-W49")) == (7, None, "2026-W49")
    assert parse_resolve_value("7|x|2026-W49") is None
    assert parse_resolve_value(None) is None


def test_the_lead_message_names_people_unless_anonymous_in_both_languages() -> None:
    named = build_lead_message("Vision", RUBRIC, view(), "en", resolve=resolve_value(7, None, "p"))
    assert check_message(named) == []
    text = json.dumps(named)
    assert "<@UB>, <@UC>" in text
    assert "settled by <@UL>" in text
    assert "Settle disagreements" in text
    hidden = json.dumps(
        build_lead_message("Vision", RUBRIC, view(anonymous=True), "es", resolve="x"),
        ensure_ascii=False,
    )
    assert "<@UB>" not in hidden
    assert "No se hace: 1 persona · Automatizado: 2 personas" in hidden
    assert "Resolver discrepancias" in hidden
