"""The Home tab of a person whose team owns several systems, through a signed event and signed
clicks: each system with its stage and score, and an Assess button opening its own modal."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, answer_page, create_team, text_of
from tests.support.driver import SlackDriver


def home(slack: SlackDriver, fake: FakeSlack) -> dict[str, Any]:
    before = len(fake.calls_to("views.publish"))
    assert slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"}).status_code == 200
    slack.wait_for(lambda: len(fake.calls_to("views.publish")) > before, what="the Home tab")
    view = fake.home_view(LEAD)
    assert view is not None
    return view


def assess_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Assess buttons by the line they sit on."""
    return {
        block["text"]["text"]: block["accessory"]
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == "home_assess"
    }


def test_the_home_tab_lists_each_system_with_its_stage_score_and_own_assess_button(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack, "Vision")
    response, _, url = slack.command("system add Vision/Fraud production", user=ADMIN)
    assert response.status_code == 200
    slack.responses_to(url)

    lines = assess_buttons(home(slack, fake))
    assert sorted(lines) == [
        "• *Fraud* · Production · not assessed yet",
        "• *Vision* · Research · not assessed yet",
    ]

    fraud = lines["• *Fraud* · Production · not assessed yet"]
    _, trigger = slack.block_action(fraud, user=LEAD)
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="Fraud's modal",
    )
    view = fake.view_stack(LEAD)[-1]
    assert "Vision/Fraud" in text_of(view)
    for _ in range(4):
        _, body = slack.submit_view(answer_page(view, "manual"), user=LEAD)
        assert body is not None
        if body["response_action"] != "update":
            break
        view = fake.view_stack(LEAD)[-1]
    assert body == {"response_action": "clear"}

    after = json.dumps(home(slack, fake), ensure_ascii=False)
    assert "• *Fraud* · Production · ML Test Score: 3.5" in after
    assert "• *Vision* · Research · not assessed yet" in after

    # A forged value naming a system of no team of this person's is refused, not opened.
    opened = len(fake.calls_to("views.open"))
    forged = dict(fraud, value=f"{fraud['value'].split(':')[0]}:999999")
    slack.block_action(forged, user=LEAD)
    slack.wait_for(
        lambda: any(
            "system" in json.dumps(c.params).lower()
            for c in fake.calls_to("chat.postEphemeral") + fake.calls_to("chat.postMessage")
        ),
        what="the refusal",
    )
    assert len(fake.calls_to("views.open")) == opened
