"""CI pushes meet the check-in forms, through the real server on SQLite and PostgreSQL: the
"Update" page opens with the level and link CI pushed, submitting it while changing another item
keeps them, and keeps an item failing in CI failing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.e2e.test_evidence import GOOD, initial, issue, push, reply
from tests.e2e.test_routine_checkin import (
    Person,
    answers_of,
    assess,
    assessments,
    button,
    checkin_message,
    items_on,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, create_team, open_modal
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.view_state import fill_state

CI_RUN = GOOD["url"]


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def level_shown(view: dict[str, Any], item: str) -> str | None:
    for block in view["blocks"]:
        if block.get("block_id") == f"item:{item}":
            chosen = block["element"].get("initial_option")
            return str(chosen["value"]) if chosen else None
    raise AssertionError(f"no item:{item} on the page")


def test_update_keeps_what_ci_pushed_and_an_item_failing_in_ci(
    slack: SlackDriver,
    fake: FakeSlack,
    bot: BotProcess,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
) -> None:
    create_team(slack)
    assess(slack, fake, ("manual", "manual", "manual", "manual"))
    token, path = issue(slack, "token Vision/Vision")
    reply(slack, "evidence upgrades Vision/Vision on", user=ADMIN)
    # CI raises FD1 to automated with its link, and FD3 fails.
    assert push(bot, path, token, GOOD).status_code == 201
    failing = GOOD | {"item": "FD3", "level": "manual", "result": "fail", "idempotency_key": "r2"}
    assert push(bot, path, token, failing).status_code == 201
    card = reply(slack, "scorecard")
    assert f"<{CI_RUN}|CI>" in card
    assert "Failing in CI" in card

    # The paged form opens with FD1 as CI left it.
    modal = open_modal(slack, fake)
    assert level_shown(modal, "FD1") == "automated"
    assert initial(modal, "evidence_url:FD1") == CI_RUN
    assert initial(modal, "evidence_label:FD1") == "CI"

    # So does the "Update" page, which starts with the failing FD3; "Show all" shows FD1 at
    # CI's level (its link is kept without an input), and another item changes.
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)
    person.click(button(message, "checkin_open"), message)
    view = person.opened_view()
    assert items_on(view) == ["FD3"]
    person.click_in_view(button(view, "assess_show_all"), fill_state(view, {}))
    expanded = slack.wait_for(
        lambda: [v for v in [fake.view_stack(LEAD)[-1]] if len(items_on(v)) == 28],
        what="every item on the page",
    )[0]
    assert level_shown(expanded, "FD1") == "automated"
    body = person.submit(person.change(expanded, {"item:Mo3": "automated"}))
    assert body == {"response_action": "clear"}

    _, second = assessments(engine)
    stored = answers_of(engine, second[0])
    assert stored["FD1"][0] == "automated"
    assert stored["FD1"][2] == CI_RUN
    assert stored["Mo3"][0] == "automated"
    after = reply(slack, "scorecard")
    assert f"<{CI_RUN}|CI>" in after
    assert "Failing in CI" in after
