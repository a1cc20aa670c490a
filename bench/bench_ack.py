"""Ack latency under load: `mlscore serve` against an empty Bolt app on the same server stack.

20 simulated users (asyncio, one process) each loop through a script of slash commands
(`/mlscore help`, `teams`, `scorecard`) and assessment page submissions with valid answers
(pages 1-4, the last one storing a new assessment), with a random think time between requests,
over real HTTP with real signatures. The bot runs on SQLite with its Web API client pointed at a
fake Slack; its background work (answers on response_url, charts and their upload, channel
announcements) runs alongside, as it would in production. The HTTP response is the ack.

The baselines are bench/baseline_app.py under the same load, measured in the same run: an
empty app with Bolt set up as the bot's (acks before the response, work after it), and one with
Bolt's own defaults for HTTP (the response waits for ack(), polled every 10 ms), which was the
baseline of the measurements before the work process.
Targets: p99 <= 1.5 x baseline p99, p99 < 100 ms, zero errors.

    .venv/bin/python -m bench.bench_ack            # 30 s per server
    .venv/bin/python -m bench.bench_ack --quick    # 8 s per server
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    TEAM_CHANNEL,
    LoadResult,
    LoadSpec,
    ServerProcess,
    Step,
    assessment_pages,
    bench_users,
    create_team,
    fmt_summary,
    machine,
    make_fake,
    percentile,
    ratio,
    run_load,
    serve_baseline,
    serve_bot,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.driver import SlackDriver


def script(pages: list[dict], *, charts: bool = True) -> list[Step]:
    """Five commands and four page submissions per round, one chart (scorecard) among them;
    without charts, `gaps` (the same data as text) takes the scorecard's place."""
    p0, p1, p2, p3 = (Step("view", view=page) for page in pages)
    help_, teams = Step("command", "help"), Step("command", "teams")
    card = Step("command", "scorecard" if charts else "gaps")
    return [help_, p0, teams, p1, card, p2, help_, p3, teams]


def settle(fake: FakeSlack, *, quiet: float = 1.0, timeout: float = 60) -> None:
    """Waits until the fake has seen no call for `quiet` seconds (background work is done)."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        count = len(fake.calls) + len(fake.responses)
        if count == last:
            return
        last = count
        time.sleep(quiet)


def run_against(server: ServerProcess, spec: LoadSpec, warmup: int) -> LoadResult:
    warm = LoadSpec(**{**spec.__dict__, "url": server.url, "duration": None, "count": warmup})
    run_load(warm)
    return run_load(LoadSpec(**{**spec.__dict__, "url": server.url}))


def report(name: str, result: LoadResult) -> None:
    print(
        f"\n{name}: {result.sent} requests in {result.elapsed:.1f} s "
        f"({result.sent / result.elapsed:.1f} req/s), {len(result.errors)} errors"
    )
    print(fmt_summary("all requests", result.all_latencies))
    for label in sorted(result.latencies):
        print(fmt_summary(f"  {label}", result.latencies[label]))
    for error in result.errors[:5]:
        print(f"  error: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per server")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--quick", action="store_true", help="8 s per server")
    parser.add_argument(
        "--no-charts",
        action="store_true",
        help="send `/mlscore gaps` (same data, no chart) instead of `scorecard`",
    )
    parser.add_argument(
        "--baseline-responds",
        action="store_true",
        help="the baseline also answers each command on its response_url (one line of text)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the bot (e.g. MLSCORE_WORK_PROCESS=false)",
    )
    args = parser.parse_args()
    duration = 8.0 if args.quick else args.duration
    users = bench_users(args.users)
    print(f"bench_ack: {machine()}")
    print(
        f"{args.users} users, {duration:.0f} s per server, think time "
        f"{args.think[0]}-{args.think[1]} s" + (f"; bot environment {args.env}" if args.env else "")
    )

    fake = make_fake(users)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            db_url = f"sqlite:///{workdir / 'bench.db'}"
            extra = dict(item.split("=", 1) for item in args.env)
            with serve_bot(fake, db_url, workdir, **extra) as bot:
                driver = SlackDriver(bot, fake)
                create_team(driver)
                pages = assessment_pages(driver, fake, users[0], "manual")
                assessment_pages(driver, fake, users[1], "automated")  # history: a chart to draw
                settle(fake, quiet=0.5)
                urls = [fake.new_response_url(channel_id=TEAM_CHANNEL) for _ in range(4000)]
                spec = LoadSpec(
                    url="",
                    users=users,
                    script=script(pages, charts=not args.no_charts),
                    response_urls=urls,
                    duration=duration,
                    think=(args.think[0], args.think[1]),
                )
                baseline_env = {"BASELINE_RESPOND": "1"} if args.baseline_responds else {}
                with serve_baseline(fake, workdir, **baseline_env) as baseline:
                    base = run_against(baseline, spec, warmup=len(users) * 2)
                defaults_env = {**baseline_env, "BASELINE_BOLT_DEFAULTS": "1"}
                with serve_baseline(fake, workdir, **defaults_env) as baseline:
                    base_defaults = run_against(baseline, spec, warmup=len(users) * 2)
                calls_before, responses_before = len(fake.calls), len(fake.responses)
                ours = run_against(bot, spec, warmup=len(users) * 3)
                settle(fake)
                failed_calls = [c for c in fake.calls[calls_before:] if not c.ok]
                failed_posts = [r for r in fake.responses[responses_before:] if r.status != 200]
                charts = fake.files
                error_lines = bot.error_lines()
                rss = bot.rss_mb()
    finally:
        fake.stop()

    responds = ", answering on response_url" if args.baseline_responds else ""
    report(f"baseline (empty Bolt app set up as the bot's{responds}, same stack)", base)
    report(f"baseline with Bolt's defaults (empty Bolt app{responds}, same stack)", base_defaults)
    report("mlscore serve (SQLite)", ours)
    p99_base = percentile(base.all_latencies, 99) * 1000
    p99_defaults = percentile(base_defaults.all_latencies, 99) * 1000
    p99_ours = percentile(ours.all_latencies, 99) * 1000
    errors = len(ours.errors) + len(failed_calls) + len(failed_posts) + len(error_lines)
    print("\nsummary")
    print(
        f"  p99 ack: mlscore {p99_ours:.1f} ms; empty app set up as the bot's "
        f"{p99_base:.1f} ms, ratio {ratio(p99_ours, p99_base):.2f}; empty app with Bolt's "
        f"defaults {p99_defaults:.1f} ms, ratio {ratio(p99_ours, p99_defaults):.2f} "
        f"(target <= 1.5)"
    )
    print(f"  p99 ack absolute: {p99_ours:.1f} ms (target < 100 ms)")
    p50_ours = percentile(ours.all_latencies, 50)
    print(
        f"  p50 ack ratio: {ratio(p50_ours, percentile(base.all_latencies, 50)):.2f} "
        f"(set up as the bot's), "
        f"{ratio(p50_ours, percentile(base_defaults.all_latencies, 50)):.2f} (Bolt's defaults)"
    )
    print(
        f"  errors: {errors} (HTTP {len(ours.errors)}, failed Web API calls {len(failed_calls)}, "
        f"failed response_url posts {len(failed_posts)}, ERROR log lines {len(error_lines)}); "
        f"target 0"
    )
    print(
        f"  background work seen at the fake: {len(fake.calls) - calls_before} Web API calls, "
        f"{len(fake.responses) - responses_before} response_url posts, {len(charts)} files"
    )
    print(
        f"  bot RSS after the run: {rss:.0f} MB; violations of Slack limits: {len(fake.violations)}"
    )
    for line in error_lines[:5]:
        print(f"  log: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
