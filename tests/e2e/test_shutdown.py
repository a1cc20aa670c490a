"""`mlscore serve` stopped with SIGTERM takes its chart worker process with it."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import draw_a_chart, stop_and_expect_gone
from tests.support.driver import BotProcess, SlackDriver
from tests.support.processes import chart_workers_of


def test_sigterm_to_serve_leaves_no_chart_worker_behind(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    draw_a_chart(slack, fake)
    workers = chart_workers_of(bot.process.pid)
    assert len(workers) == 1, workers
    (worker,) = workers
    stop_and_expect_gone(bot, [worker], wait=10)
