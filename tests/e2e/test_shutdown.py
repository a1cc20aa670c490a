"""`mlscore serve` stopped with SIGTERM takes its chart worker process with it."""

from __future__ import annotations

import os
import signal
import subprocess

from tests.e2e.driver import BotProcess, SlackDriver
from tests.e2e.test_faults import assessed_twice
from tests.fakes.slack_api import FakeSlack
from tests.processes import chart_workers_of, exited, wait_until_gone


def test_sigterm_to_serve_leaves_no_chart_worker_behind(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    draw_a_chart(slack, fake)
    workers = chart_workers_of(bot.process.pid)
    assert len(workers) == 1, workers
    (worker,) = workers
    stop_and_expect_gone(bot, [worker], wait=10)


def draw_a_chart(slack: SlackDriver, fake: FakeSlack) -> None:
    """Two assessments and a scorecard: its trend chart starts the chart worker."""
    assessed_twice(slack, fake)
    _, _, url = slack.command("scorecard")
    slack.responses_to(url)
    slack.wait_for(lambda: fake.files, timeout=15, what="the scorecard's trend chart")


def stop_and_expect_gone(bot: BotProcess, helpers: list[int], *, wait: float) -> None:
    """SIGTERM to serve: it exits within `wait` s as killed by SIGTERM, and every helper process
    was closed by serve before it ended (not left to notice on its own that serve is gone)."""
    bot.process.send_signal(signal.SIGTERM)
    try:
        bot.process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve did not exit on SIGTERM:\n{bot.log()[-4000:]}") from None
    # It still ends as killed by SIGTERM (what uvicorn does after its graceful shutdown).
    assert bot.process.returncode == -signal.SIGTERM, bot.log()[-4000:]
    for helper in helpers:
        closed_first = exited(helper)
        gone = wait_until_gone(helper, timeout=10)
        if not gone:
            os.kill(helper, signal.SIGKILL)  # not left running after a failed test
        assert gone, f"process {helper} outlived the server:\n{bot.log()[-4000:]}"
        assert closed_first, f"process {helper} was still running when serve exited"
