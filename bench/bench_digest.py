"""Benchmark: the weekly digest for many teams and channels against a rate-limited FakeSlack.

    .venv/bin/python bench/bench_digest.py                # 1,000 teams in 200 channels
    .venv/bin/python bench/bench_digest.py --scale 0.25   # 250 teams in 50 channels
    .venv/bin/python bench/bench_digest.py --teams 500 --systems-per-team 2
                                                          # 1,000 systems in 200 channels

The fake runs in its own process (so the CPU time measured here is the bot's alone) and enforces
1 message a second per channel and a workspace rate (300 a minute by default). One tick at the
digest time posts one digest and one chart per channel. Printed: wall time against the minimum
the rate limits allow for those posts (the target is at most 1.2x), 429s, failures, duplicate
and lost messages (both must be zero), and the bot's CPU time, which excludes waiting.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.charts.worker import ChartWorker
from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.metrics import Metrics
from bot.rubric_registry import RubricRegistry
from bot.scheduling.deps import DEFAULT_WORKERS, TickDeps
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import run_tick
from bot.services.scheduling import SchedulingStore
from bot.settings import Settings
from bot.slack.clients import make_web_client
from rubric.model import Answer, Stage

TEAM_ID = "T0FAKE"
BOT_TOKEN = "xoxb-fake-bot-token"
DIGEST_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # Monday 09:30 UTC, before the 10:00 check-ins
LEVELS = ("not_done", "manual", "automated")


def serve_fake(conn: multiprocessing.connection.Connection, workspace_per_minute: float) -> None:
    """The child process: run the fake until told to stop, then report what it saw."""
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack(channel_rate=1.0, workspace_rate_per_minute=workspace_per_minute) as fake:
        conn.send(fake.base_url)
        conn.recv()  # "stop"
        posts = Counter(
            str(call.response.get("channel"))
            for call in fake.calls_to("chat.postMessage")
            if call.ok
        )
        files = Counter(channel for upload in fake.files for channel in upload.channels)
        conn.send(
            {
                "posts": dict(posts),
                "files": dict(files),
                "rate_limited": fake.rate_limited,
                "violations": len(fake.violations),
                "min_seconds": fake.min_post_seconds(dict(posts)),
                "workspace_burst": fake.workspace_burst,
            }
        )


def seed(
    db: Database, teams: int, channels: int, rng: random.Random, systems_per_team: int = 1
) -> list[str]:
    registry = RubricRegistry()
    rubric = registry.get("ml-test-score")
    created = DIGEST_AT - timedelta(days=90)
    channel_ids = [f"C{n:07d}" for n in range(channels)]
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id=TEAM_ID, now=created)
        assert workspace.id is not None
        for n in range(teams):
            team = repo.create_team(
                session,
                workspace_id=workspace.id,
                name=f"Team {n:04d}",
                stage=rng.choice(list(Stage)),
                rubric_id=rubric.id,
                channel_id=channel_ids[n % channels],
                now=created,
            )
            assert team.id is not None
            system_ids = [
                repo.primary_system(session, workspace_id=workspace.id, team_id=team.id).id
            ]
            for extra in range(1, systems_per_team):
                system_ids.append(
                    repo.create_system(
                        session,
                        workspace_id=workspace.id,
                        team_id=team.id,
                        name=f"System {extra}",
                        stage=rng.choice(list(Stage)),
                        now=created,
                    ).id
                )
            for system_id in system_ids:
                for week, key in ((2, "a"), (1, "b")):
                    answers = [
                        Answer(item_id=i.id, choice=rng.choice(LEVELS)) for i in rubric.items
                    ]
                    repo.save_assessment(
                        session,
                        workspace_id=workspace.id,
                        team_id=team.id,
                        rubric_id=rubric.id,
                        rubric_version=rubric.version,
                        criteria_version=0,
                        stage=Stage(team.stage),
                        answers=answers,
                        note="",
                        submitted_by="U0USER",
                        submitted_at=DIGEST_AT - timedelta(weeks=week),
                        period_key=None,
                        submission_key=f"{team.id}-{system_id}-{key}",
                        system_id=system_id,
                    )
    return channel_ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument(
        "--systems-per-team", type=int, default=1, help="ML systems each team owns (1 or more)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply teams and channels")
    parser.add_argument("--workspace-per-minute", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument(
        "--charts",
        choices=("process", "in-process"),
        default="process",
        help="render the digest charts in a worker process (as serve does) or in the tick's",
    )
    args = parser.parse_args()
    teams = max(1, round(args.teams * args.scale))
    channels = max(1, round(args.channels * args.scale))

    parent, child = multiprocessing.Pipe()
    fake_process = multiprocessing.Process(
        target=serve_fake, args=(child, args.workspace_per_minute), daemon=True
    )
    fake_process.start()
    base_url = parent.recv()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        db = Database.from_url(url)
        started = time.perf_counter()
        channel_ids = seed(db, teams, channels, random.Random(7), args.systems_per_team)
        seeded = time.perf_counter() - started
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            slack_bot_token=BOT_TOKEN,
            slack_api_url=base_url,
            digest_weekday=0,
            digest_time="09:30",
        )
        client = make_web_client(BOT_TOKEN, base_url=base_url)
        pacer = Pacer(workspace_per_minute=args.workspace_per_minute * 0.95)
        deps = TickDeps(
            store=SchedulingStore(db),
            settings=settings,
            metrics=Metrics(include_process=False),
            rubrics=RubricRegistry(),
            client_for=lambda _team: client,
            pacer=pacer,
            workers=args.workers,
            charts=ChartWorker(in_process=args.charts == "in-process"),
        )
        cpu0, wall0 = time.process_time(), time.perf_counter()
        report = run_tick(deps, DIGEST_AT)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        deps.charts.close()
        db.dispose()

    parent.send("stop")
    seen: dict[str, Any] = parent.recv()
    fake_process.join(timeout=10)

    posts: dict[str, int] = seen["posts"]
    files: dict[str, int] = seen["files"]
    duplicates = sum(n - 1 for n in posts.values() if n > 1) + sum(
        n - 1 for n in files.values() if n > 1
    )
    lost = sum(1 for c in channel_ids if posts.get(c, 0) == 0) + sum(
        1 for c in channel_ids if files.get(c, 0) == 0
    )
    minimum = seen["min_seconds"]
    print(
        f"teams {teams} x {args.systems_per_team} systems = {teams * args.systems_per_team} "
        f"systems, channels {channels} (scale {args.scale}), workers {args.workers}, "
        f"charts {args.charts}"
    )
    print(
        f"fake limits: 1 msg/s per channel, {args.workspace_per_minute:g} msg/min per workspace "
        f"(burst {seen['workspace_burst']}); pacer at {pacer.workspace_per_minute:g}/min"
    )
    print(f"seeding {teams * args.systems_per_team} systems x 2 assessments: {seeded:.1f} s")
    print(f"sent: {dict(report.sent)}; failed: {len(report.failed)}; pending: {report.pending}")
    print(f"wall time: {wall:.1f} s; minimum the rate limits allow: {minimum:.1f} s")
    print(f"wall / minimum: {wall / minimum if minimum else float('nan'):.2f}x (target <= 1.20x)")
    unhandled = len(report.failed)
    print(f"429 answers: {seen['rate_limited']} (all retried; unhandled failures: {unhandled})")
    print(f"duplicates: {duplicates}; lost: {lost}; Block Kit violations: {seen['violations']}")
    print(
        f"bot CPU time: {cpu:.1f} s ({cpu / max(len(channel_ids), 1) * 1000:.0f} ms a channel); "
        f"time spent waiting for the pacer (summed over workers): {pacer.waited:.1f} s"
    )
    return 0 if duplicates == 0 and lost == 0 and not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
