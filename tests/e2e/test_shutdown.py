"""`mlscore serve` stopped with SIGTERM takes its chart worker process with it, and lets the
work it already acked finish and answer (within MLSCORE_STOP_GRACE_SECONDS) before it exits 0."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import draw_a_chart, stop_and_expect_gone
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.polling import wait_until
from tests.support.processes import chart_workers_of


def test_sigterm_to_serve_leaves_no_chart_worker_behind(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    draw_a_chart(slack, fake)
    workers = chart_workers_of(bot.process.pid)
    assert len(workers) == 1, workers
    (worker,) = workers
    stop_and_expect_gone(bot, [worker], wait=10)


class Arrivals:
    """Notes each Web API call as it reaches the fake, before any delay it is given."""

    def __init__(self, fake: FakeSlack) -> None:
        self.methods: list[str] = []
        self._dispatch = fake.dispatch_api
        fake.dispatch_api = self._noted  # type: ignore[method-assign]

    def _noted(self, method: str, params: dict, headers: dict) -> tuple:
        self.methods.append(method)
        return self._dispatch(method, params, headers)


def test_sigterm_to_serve_lets_acked_work_finish_and_answer_then_exits_0(
    fake: FakeSlack, tmp_path: Path
) -> None:
    fake.add_user("U0FRESH", "fresh", locale="es-ES")
    with run_bot(fake, f"sqlite:///{tmp_path / 'stop.db'}", tmp_path) as bot:
        slack = SlackDriver(bot, fake)
        arrivals = Arrivals(fake)
        # The work after the ack first asks Slack who the person is: that answer takes 3 s.
        fake.delay_next("users.info", 3)
        response, _, url = slack.command("help", user="U0FRESH")
        assert response.status_code == 200
        wait_until(lambda: "users.info" in arrivals.methods, what="the work under way")
        started = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        status = bot.process.wait(timeout=20)
        slack.http.close()

    assert status == 0, bot.log_tail()
    assert time.monotonic() - started < 8  # MLSCORE_STOP_GRACE_SECONDS' default
    answers = [r.body for r in fake.responses if r.url == url]
    assert answers, "the acked command was never answered"
    assert "/mlscore" in json.dumps(answers)


def test_acked_work_past_the_grace_does_not_hold_serve(fake: FakeSlack, tmp_path: Path) -> None:
    with run_bot(
        fake, f"sqlite:///{tmp_path / 'stop.db'}", tmp_path, MLSCORE_STOP_GRACE_SECONDS="1"
    ) as bot:
        slack = SlackDriver(bot, fake)
        arrivals = Arrivals(fake)
        fake.delay_next("users.info", 15)
        response, _, _ = slack.command("help", user="U0SLOW")
        assert response.status_code == 200
        wait_until(lambda: "users.info" in arrivals.methods, what="the work under way")
        started = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        status = bot.process.wait(timeout=20)
        slack.http.close()

    assert status == 1  # as `mlscore tick` past its grace
    assert time.monotonic() - started < 6
    assert "did not finish within 1 s" in bot.log()
