"""`mlscore serve` with MLSCORE_WORK_PROCESS=true: it acks in its web process and does the
rest in a work process."""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.signing import interactive_body, signed_headers
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    LEAD,
    announcements,
    answer_page,
    create_team,
    db_of,
    draw_a_chart,
    open_modal,
    stop_and_expect_gone,
    stored_assessments,
    to_last_page,
)
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.processes import (
    chart_workers_of,
    cmdline,
    unread_pipe_bytes,
    wait_until_gone,
)


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path) -> Iterator[BotProcess]:
    with run_bot(
        fake, f"sqlite:///{tmp_path / 'e2e.db'}", tmp_path, MLSCORE_WORK_PROCESS="true"
    ) as process:
        yield process


def _work_process(bot: BotProcess) -> int:
    (work,) = chart_workers_of(bot.process.pid)  # the one spawn child of the web process
    return work


def _drafts(bot: BotProcess) -> list[str]:
    with sqlite3.connect(db_of(bot)) as connection:
        return [state for (state,) in connection.execute("SELECT state FROM drafts")]


def test_a_command_is_acked_by_the_web_process_and_answered_by_the_work_process(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    work = _work_process(bot)
    assert "spawn_main" in cmdline(work)
    os.kill(work, signal.SIGSTOP)  # paused: only the web process can answer now
    try:
        response, _, url = slack.command("help")
        assert response.status_code == 200
        assert response.text == ""  # the ack, from the web process
        # The web process handed the work over: it waits, unread, in the paused process's pipe.
        slack.wait_for(lambda: unread_pipe_bytes(work) > 0, what="the hand-over in the pipe")
        assert [r for r in fake.responses if r.url == url] == []
    finally:
        os.kill(work, signal.SIGCONT)
    (answer,) = slack.responses_to(url)
    assert "/mlscore" in str(answer)


def test_when_the_work_process_dies_the_web_process_does_the_work_itself(
    slack: SlackDriver, bot: BotProcess
) -> None:
    work = _work_process(bot)
    os.kill(work, signal.SIGKILL)
    assert wait_until_gone(work, timeout=10)
    slack.wait_for(lambda: "the work process ended" in bot.log(), what="the web process noticing")
    response, _, url = slack.command("help")
    assert response.status_code == 200
    (answer,) = slack.responses_to(url)
    assert "/mlscore" in str(answer)


def test_lazy_listener_headers_from_outside_are_ignored(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    """Bolt runs only a listener's work function for a request marked lazy-only; a signed
    request replayed with those headers must still get its ack (here: the page kept and the
    next page shown), not skip it."""
    create_team(slack)
    first = open_modal(slack, fake)
    filled = answer_page(first, "automated", {"FD1": "replayed with lazy headers"})
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id, "domain": "fake"},
        "user": {"id": LEAD, "team_id": slack.team_id},
        "api_app_id": "A0FAKE",
        "trigger_id": fake.new_trigger_id(LEAD),
        "view": filled,
    }
    body = interactive_body(payload)
    headers = {
        **signed_headers(slack.secret, body),
        "X-Slack-Bolt-Lazy-Only": "1",
        "X-Slack-Bolt-Lazy-Function-Name": "after_page",
        "X-Mlscore-Handoff": '{"assessment_id": 1, "team_id": 1}',
    }
    response = slack.post(body, headers=headers)
    assert response.status_code == 200
    assert response.json()["response_action"] == "update"
    assert any("replayed with lazy headers" in state for state in _drafts(bot))


def test_metrics_of_the_web_process_include_the_slack_calls_the_work_process_made(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    fake.fail_next("views.open", status=500)  # answered by a retry, counted where it ran
    response, _, _ = slack.command("assess")
    assert response.status_code == 200
    slack.wait_for(
        lambda: [call.ok for call in fake.calls_to("views.open")] == [False, True],
        what="views.open failing once, then retried",
    )
    retried = 'mlscore_slack_api_retries_total{method="views.open",reason="server_error"} 1.0'

    def scraped() -> bool:
        return retried in httpx.get(f"{bot.url}/metrics", timeout=5).text

    slack.wait_for(scraped, timeout=15, what="the work process's retry at /metrics")


def test_the_web_process_takes_over_the_scheduler_of_a_work_process_that_died(
    fake: FakeSlack, tmp_path: Path
) -> None:
    with run_bot(
        fake, f"sqlite:///{tmp_path / 'tick.db'}", tmp_path, args=(), MLSCORE_WORK_PROCESS="true"
    ) as bot:
        driver = SlackDriver(bot, fake)

        def started() -> int:
            return bot.log().count("scheduler started")

        driver.wait_for(lambda: started() == 1, what="the work process's scheduler")
        (work,) = chart_workers_of(bot.process.pid)
        os.kill(work, signal.SIGKILL)
        driver.wait_for(lambda: started() == 2, what="the web process's scheduler")


def test_an_assessment_is_stored_before_its_ack_and_announced_by_the_work_process(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    last = to_last_page(slack, fake)
    _, body = slack.submit_view(last)
    assert body == {"response_action": "clear"}
    assert stored_assessments(bot) == 1  # before the ack: no wait
    posted = slack.wait_for(lambda: announcements(fake), what="the announcement")
    assert len(posted) == 1
    assert "Vision" in posted[0]


def test_sigterm_to_serve_leaves_no_work_process_or_chart_worker_behind(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    draw_a_chart(slack, fake)
    work = _work_process(bot)
    charts = chart_workers_of(work)  # the work process draws through its own
    assert len(charts) == 1, charts

    stop_and_expect_gone(bot, [work, *charts], wait=15)
