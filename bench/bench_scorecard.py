"""`/mlscore scorecard` end to end, for a team with two years (104 weeks) of weekly history.

Each sample runs from sending the command to the chart's upload finishing at the fake Slack
(the `Call.at` of files.completeUploadExternal), one request at a time; the text card's arrival
on the response_url is reported too. The chart render share comes from the bot's own
/metrics (mlscore_chart_render_seconds). The history is stored through Services.submit with a
clock that moves a week per assessment, so it is exactly what the bot would have stored.

The baseline: bench/baseline_app.py with BASELINE_RESPOND=1 (an empty Bolt app on the same stack
answering one line on the response_url), from sending the command to that answer at the fake.
Target: p50 < 300 ms.

    .venv/bin/python -m bench.bench_scorecard            # 40 samples
    .venv/bin/python -m bench.bench_scorecard --quick    # 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ADMIN,
    TEAM_CHANNEL,
    TEAM_NAME,
    ServerProcess,
    fmt_summary,
    machine,
    make_fake,
    metric_value,
    percentile,
    ratio,
    serve_baseline,
    serve_bot,
    wait_for,
)
from bot.clock import Clock
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services import Actor, ChannelFacts, DraftState, ItemDraft, Services
from rubric.model import Stage
from tests.fakes.signing import command_body
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.support.driver import SlackDriver

USER = "U0B0000"
WEEKS = 104
LEVELS = ("not_done", "manual", "automated")


class Everyone:
    """A directory where everyone may do anything (the history is seeded, not tested)."""

    def is_admin(self, user_id: str) -> bool:
        return True

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return True

    def channel(self, channel_id: str) -> ChannelFacts:
        return ChannelFacts(found=True, private=False, bot_member=True)


def seed_history(database_url: str, weeks: int = WEEKS) -> int:
    """Creates the team and `weeks` weekly assessments ending last week; returns the team id."""
    upgrade(database_url)
    start = datetime.now(UTC) - timedelta(weeks=weeks + 1)
    now = [start]
    clock: Clock = lambda: now[0]  # noqa: E731  a settable clock
    services = Services(database=Database.from_url(database_url), clock=clock)
    workspace = services.workspace_for(TEAM_ID)
    admin = Actor(workspace_id=workspace, user_id=ADMIN)
    team = services.create_team(admin, Everyone(), name=TEAM_NAME, channel_id=TEAM_CHANNEL)
    services.set_stage(admin, Everyone(), team.id, Stage.PRODUCTION)
    rubric = services.rubrics.get(team.rubric_id)
    rng = random.Random(7)
    for week in range(weeks):
        now[0] = start + timedelta(weeks=week, hours=1)
        # Teams improve over time: later weeks lean towards automated.
        weights = (max(1, weeks - week), weeks // 2, week + 1)
        answers = {
            item.id: ItemDraft(rng.choices(LEVELS, weights)[0], "")
            for item in rubric.items
            if item.enabled
        }
        state = DraftState(stage=Stage.PRODUCTION, answers=answers)
        services.submit(admin, Everyone(), team.id, state, submission_key=f"seed-{week}")
    return team.id


def one_scorecard(
    driver: SlackDriver, fake: FakeSlack, text: str, *, upload: bool
) -> tuple[float, float]:
    """(seconds to the text answer, seconds to the upload's completion; NaN without upload)."""
    url = fake.new_response_url(channel_id=TEAM_CHANNEL, user_id=USER)
    uploads_before = len(fake.calls_to("files.completeUploadExternal"))
    body = command_body(text, user_id=USER, response_url=url)
    sent = time.monotonic()
    driver.post(body).raise_for_status()
    answer = wait_for(lambda: [r for r in fake.responses if r.url == url], what="the answer")
    to_text = answer[0].at - sent
    if not upload:
        return to_text, float("nan")
    done = wait_for(
        lambda: fake.calls_to("files.completeUploadExternal")[uploads_before:], what="the upload"
    )
    if not done[0].ok:
        raise RuntimeError(f"upload failed: {done[0].response}")
    return to_text, done[0].at - sent


def run(
    server: ServerProcess, fake: FakeSlack, text: str, count: int, *, upload: bool
) -> tuple[tuple[float, float], list[float], list[float], str]:
    """(cold sample, warm times to the card, warm times to the upload, /metrics after cold)."""
    driver = SlackDriver(server, fake)
    try:
        cold = one_scorecard(driver, fake, text, upload=upload)
        after_cold = server.metrics()
        texts, ends = [], []
        for _ in range(count):
            to_text, to_end = one_scorecard(driver, fake, text, upload=upload)
            texts.append(to_text)
            ends.append(to_end)
        return cold, texts, ends, after_cold
    finally:
        driver.http.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="10 samples")
    args = parser.parse_args()
    count = 10 if args.quick else args.count
    print(f"bench_scorecard: {machine()}")
    fake = make_fake([USER])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = f"sqlite:///{workdir / 'bench.db'}"
            began = time.perf_counter()
            seed_history(url)
            print(
                f"seeded {WEEKS} weekly assessments in {time.perf_counter() - began:.1f} s; "
                f"{count} scorecards per server, one at a time"
            )
            with serve_baseline(fake, workdir, BASELINE_RESPOND="1") as baseline:
                _, base, _, _ = run(baseline, fake, "scorecard", count, upload=False)
            with serve_bot(fake, url, workdir) as bot:
                cold, texts, ends, before = run(bot, fake, "scorecard", count, upload=True)
                metrics = bot.metrics()
                errors = bot.error_lines()
    finally:
        fake.stop()

    def renders(text: str) -> tuple[float, float]:
        labels = {"chart": "trend"}
        return (
            metric_value(text, "mlscore_chart_render_seconds_sum", labels),
            metric_value(text, "mlscore_chart_render_seconds_count", labels),
        )

    (sum_after, count_after), (sum_before, count_before) = renders(metrics), renders(before)
    render_count = count_after - count_before  # warm renders only
    mean_render = (sum_after - sum_before) / render_count if render_count else float("nan")
    print()
    print(fmt_summary("baseline: command -> answer", base))
    print(fmt_summary("mlscore: command -> card", texts))
    print(fmt_summary("mlscore: command -> upload", ends))
    p50 = percentile(ends, 50) * 1000
    print("\nsummary")
    print(f"  cold first scorecard: card {cold[0] * 1000:.0f} ms, upload {cold[1] * 1000:.0f} ms")
    print(
        f"  p50 command -> chart uploaded: {p50:.0f} ms (target < 300 ms); "
        f"{ratio(p50, percentile(base, 50) * 1000):.1f} x the baseline round trip "
        f"({percentile(base, 50) * 1000:.1f} ms)"
    )
    print(
        f"  chart render (warm): {render_count:.0f} renders, mean {mean_render * 1000:.0f} ms = "
        f"{mean_render / statistics.mean(ends) * 100:.0f}% of the mean end-to-end "
        f"({statistics.mean(ends) * 1000:.0f} ms)"
    )
    print(f"  ERROR log lines: {len(errors)}; violations of Slack limits: {len(fake.violations)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
