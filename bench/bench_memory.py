"""Resident memory of `mlscore serve` over 10,000 mixed requests and 500 charts.

10 simulated users loop through a 40-request script: help, teams, gaps, the four assessment pages
and, once per 20 requests, a chart (`scorecard`, then `trend` the next time), so 10,000 requests
draw 500 charts. RSS is read from
/proc/<pid>/status (VmRSS) after 0, 1,000, 5,000 and 10,000 requests, each time once the
background work (answers, uploads, announcements) has finished. The baseline is the empty Bolt
app (bench/baseline_app.py) given the same requests in the same run.

By default each person re-submits the same views, so the last page is answered idempotently
and the stored data stays the same size: growth then means a leak, not a bigger working set.
With --growing-data every last page stores a new assessment (about 1,000 by the end, so each
trend chart covers ever more points).

RSS is the sum over the server and the processes it started (the chart worker and, with
MLSCORE_WORK_PROCESS=true, the work process); the per-process figures are printed at each
checkpoint, with PSS (shared pages split between the processes) next to them.

Targets: under 250 MB RSS after 10,000 requests, and no growth from the 5,000th to the 10,000th.

    .venv/bin/python -m bench.bench_memory            # 10,000 requests, 500 charts
    .venv/bin/python -m bench.bench_memory --quick    # 2,000 requests, 100 charts
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_ack import settle
from bench.common import (
    TEAM_CHANNEL,
    LoadSpec,
    ServerProcess,
    Step,
    assessment_pages,
    bench_users,
    create_team,
    machine,
    make_fake,
    run_load,
    serve_baseline,
    serve_bot,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.driver import SlackDriver


def script(pages: list[dict]) -> list[Step]:
    p0, p1, p2, p3 = (Step("view", view=page) for page in pages)
    help_, teams, gaps = Step("command", "help"), Step("command", "teams"), Step("command", "gaps")
    half = [help_, p0, teams, p1, gaps, p2, help_, p3, teams, help_]
    return [
        *half, *half[:9], Step("command", "scorecard"),
        *half, *half[:9], Step("command", "trend"),
    ]  # fmt: skip


def drive(
    server: ServerProcess,
    fake: FakeSlack,
    spec: LoadSpec,
    checkpoints: list[int],
    charts_wanted: int = 0,
) -> tuple[list[tuple[int, float]], int]:
    """RSS (MB) of the server and its child processes (the chart worker) together at each
    checkpoint (requests sent so far), and the count of failed requests."""
    settle(fake, quiet=0.5)
    files_before = len(fake.files)
    readings = [(0, sum(server.tree_rss_mb().values()))]
    done, errors = 0, 0
    for checkpoint in checkpoints:
        part = LoadSpec(**{**spec.__dict__, "url": server.url, "count": checkpoint - done})
        part.offset = done // len(spec.users)
        part.seed = checkpoint
        result = run_load(part)
        errors += len(result.errors)
        for error in result.errors[:3]:
            print(f"    failed: {error}")
        done += result.sent
        if checkpoint == checkpoints[-1] and charts_wanted:
            # Users stop unevenly when the count is reached: top up the charts not drawn yet.
            missing = charts_wanted - (len(fake.files) - files_before)
            if missing > 0:
                charts = [Step("command", "scorecard"), Step("command", "trend")]
                top_up = LoadSpec(**{**part.__dict__, "script": charts, "count": missing})
                result = run_load(top_up)
                errors += len(result.errors)
                done += result.sent
        settle(fake, quiet=1.0)
        tree = server.tree_rss_mb()
        readings.append((done, sum(tree.values())))
        parts = " + ".join(f"{mb:.1f}" for mb in tree.values())
        pss = server.tree_pss_mb()
        print(
            f"  {done:>6} requests: RSS {readings[-1][1]:6.1f} MB (processes: {parts}), "
            f"PSS {sum(pss.values()):6.1f} MB ({' + '.join(f'{mb:.1f}' for mb in pss.values())})"
            f"  ({result.elapsed:.0f} s)"
        )
    return readings, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="2,000 requests, 100 charts")
    parser.add_argument(
        "--growing-data",
        action="store_true",
        help="every 4th page stores a new assessment (about 1,000 by the end) instead of "
        "re-submitting the same view",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the bot (e.g. MALLOC_ARENA_MAX=2)",
    )
    args = parser.parse_args()
    total = 2_000 if args.quick else args.requests
    checkpoints = [total // 10, total // 2, total]
    users = bench_users(10)
    print(f"bench_memory: {machine()}")
    print(
        f"{total} requests ({total // 20} charts) from {len(users)} users; data "
        f"{'grows (a new assessment every 20 requests)' if args.growing_data else 'constant'}"
        + (f"; bot environment {args.env}" if args.env else "")
    )
    fake = make_fake(users)
    began = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            extra = dict(item.split("=", 1) for item in args.env)
            db_url = f"sqlite:///{workdir / 'bench.db'}"
            with serve_bot(fake, db_url, workdir, **extra) as bot:
                driver = SlackDriver(bot, fake)
                create_team(driver)
                pages = assessment_pages(driver, fake, users[0], "manual")
                assessment_pages(driver, fake, users[1], "automated")
                urls = [fake.new_response_url(channel_id=TEAM_CHANNEL) for _ in range(total // 2)]
                spec = LoadSpec(
                    url=bot.url,
                    users=users,
                    script=script(pages),
                    response_urls=urls,
                    duration=None,
                    think=(0.0, 0.02),
                    unique_views=args.growing_data,
                )
                files_before = len(fake.files)
                print("mlscore serve:")
                ours, errors = drive(bot, fake, spec, checkpoints, total // 20)
                charts = len(fake.files) - files_before
                error_lines = bot.error_lines()
            with serve_baseline(fake, workdir) as baseline:
                print("baseline (empty Bolt app):")
                base, _ = drive(baseline, fake, spec, [total])
    finally:
        fake.stop()

    (half, at_half), (end, at_end) = ours[2], ours[3]
    print("\nsummary")
    print("  RSS MB: " + ", ".join(f"{n:,} req: {mb:.0f}" for n, mb in ours))
    print(
        f"  after {end:,} requests: {at_end:.0f} MB (target < 250 MB); baseline "
        f"{base[0][1]:.0f} -> {base[-1][1]:.0f} MB; ratio to it {at_end / base[-1][1]:.2f}"
    )
    print(
        f"  growth {half:,} -> {end:,} requests: {at_end - at_half:+.1f} MB "
        f"({(at_end - at_half) / at_half * 100:+.1f}%; target: none)"
    )
    print(
        f"  charts uploaded: {charts}; failed requests: {errors}; ERROR log lines: "
        f"{len(error_lines)}; wall time {time.perf_counter() - began:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
