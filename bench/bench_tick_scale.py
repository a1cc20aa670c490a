"""Benchmark: the scheduling tick against the number of systems, on PostgreSQL.

    MLSCORE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_tick_scale.py    # 100,000 systems in 10,000 workspaces
    ... bench/bench_tick_scale.py --scale 0.1          # 10,000 systems in 1,000 workspaces
    ... bench/bench_tick_scale.py --phases idle        # only the idle tick

Seeds N teams of one system each, 10 to a workspace, each in its own channel, straight into a
fresh database with executemany (the due-work rows as the first tick after seeding would store
them). Schedules: 1 % of the systems check in on Monday 10:00, another 10 % (one in every
workspace) on Tuesday 10:00, the rest on Thursday; summaries go out on Fridays. Then:

- idle: a tick at Monday 09:30 (nothing due), median of 20, against the same tick over a baseline
  database of 1,000 systems in 100 workspaces seeded the same way (target: at most 2x, < 100 ms);
- due1: one tick at Monday 10:00 (1 % due) in a process of its own against a fake Slack without
  rate limits (target < 10 s), with the RSS of that process (target < 200 MB);
- replicas: at Tuesday 10:00 (10 % due) one tick process, then (after putting the database back)
  4 tick processes started together; wall time from the start signal to the last one done
  (target: 4 at least 2.5x faster), duplicates and lost messages counted from the fake Slack's
  posts against the deliveries table (both must be 0).

The fake Slack runs in its own process, as in bench_digest.py.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import os
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, select, text, update

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.tables import CheckIn, Delivery, DueWork, StageChange, System, Team, Workspace
from bot.metrics import Metrics
from bot.rubric_registry import RubricRegistry
from bot.scheduling.deps import DEFAULT_WORKERS, TickDeps
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import run_tick
from bot.services.scheduling import SchedulingStore
from bot.settings import Settings
from bot.slack.clients import make_web_client
from tests.support.postgres import POSTGRES_ENV, fresh_database

BOT_TOKEN = "xoxb-fake-bot-token"
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # ISO week 2026-W10
IDLE_AT = MONDAY + timedelta(hours=9, minutes=30)
ONE_PERCENT_AT = MONDAY + timedelta(hours=10)
TEN_PERCENT_AT = MONDAY + timedelta(days=1, hours=10)
THURSDAY_AT = MONDAY + timedelta(days=3, hours=10)
PER_WORKSPACE = 10
CREATED = MONDAY - timedelta(days=90)


def serve_fake(conn: multiprocessing.connection.Connection) -> None:
    """The child process: a fake Slack without rate limits; on "count" it reports the posts."""
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack(channel_rate=None, workspace_rate_per_minute=None) as fake:
        conn.send(fake.base_url)
        while (order := conn.recv()) != "stop":
            assert order == "count"
            posts = Counter(
                str(call.response.get("channel"))
                for call in fake.calls_to("chat.postMessage")
                if call.ok
            )
            conn.send(dict(posts))


def weekday_of(n: int) -> int:
    """Team n's check-in day: Monday for 1 %, Tuesday for another 10 %, else Thursday."""
    if n % 100 == 0:
        return 0
    if n % 10 == 5:
        return 1
    return 3


def seed(url: str, systems: int) -> int:
    """Seed `systems` teams (one system each) in systems / 10 workspaces; returns workspaces."""
    workspaces = max(1, systems // PER_WORKSPACE)
    db = Database.from_url(url)
    chunk = 20_000
    with db.write() as session:
        session.execute(
            insert(Workspace),
            [
                {"id": w + 1, "slack_team_id": f"T{w:08d}", "installed_at": CREATED}
                for w in range(workspaces)
            ],
        )
        for start in range(0, systems, chunk):
            ids = range(start, min(systems, start + chunk))
            session.execute(
                insert(Team),
                [
                    {
                        "id": n + 1,
                        "workspace_id": n // PER_WORKSPACE % workspaces + 1,
                        "name": f"Team {n}",
                        "name_key": f"team {n}",
                        "channel_id": f"C{n:08d}",
                        "stage": "production",
                        "rubric_id": "ml-test-score",
                        "language": "en",
                        "cadence": "weekly",
                        "weekday": weekday_of(n),
                        "local_time": "10:00",
                        "tz": "UTC",
                        "leads": [],
                        "archived": False,
                        "created_at": CREATED,
                    }
                    for n in ids
                ],
            )
            session.execute(
                insert(System),
                [
                    {
                        "id": n + 1,
                        "workspace_id": n // PER_WORKSPACE % workspaces + 1,
                        "team_id": n + 1,
                        "name": f"Team {n}",
                        "name_key": f"team {n}",
                        "stage": "production",
                        "created_at": CREATED,
                    }
                    for n in ids
                ],
            )
            session.execute(
                insert(StageChange),
                [
                    {
                        "workspace_id": n // PER_WORKSPACE % workspaces + 1,
                        "team_id": n + 1,
                        "system_id": n + 1,
                        "stage": "production",
                        "changed_at": CREATED,
                    }
                    for n in ids
                ],
            )
        session.execute(
            insert(DueWork),
            [
                {"workspace_id": w + 1, "next_due_at": first_due(w, systems), "version": 0}
                for w in range(workspaces)
            ],
        )
        session.info.pop("mlscore_due_marks", None)  # rows written above, as a tick would
        for table in ("workspaces", "teams", "systems"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    with db.write() as session:
        session.execute(text("ANALYZE"))
    db.dispose()
    return workspaces


def first_due(workspace: int, systems: int) -> datetime:
    """What the planner stores for a workspace before Monday 10:00: its earliest slot."""
    members = [
        n for n in range(workspace * PER_WORKSPACE, (workspace + 1) * PER_WORKSPACE) if n < systems
    ]
    days = [weekday_of(n) for n in members] or [3]
    return MONDAY + timedelta(days=min(days), hours=10)


WORKERS = int(os.environ.get("BENCH_TICK_WORKERS", DEFAULT_WORKERS))


def make_deps(url: str, base_url: str) -> TickDeps:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        slack_bot_token=BOT_TOKEN,
        slack_api_url=base_url,
        digest_weekday=4,
        digest_time="16:00",
        reminder_after_hours=48,
    )
    client = make_web_client(BOT_TOKEN, base_url=base_url)
    return TickDeps(
        store=SchedulingStore(Database.from_url(url, pool_size=WORKERS + 2)),
        settings=settings,
        metrics=Metrics(include_process=False),
        rubrics=RubricRegistry(),
        client_for=lambda _team: client,
        pacer=Pacer(workspace_per_minute=None),
        workers=WORKERS,
    )


def tick_process(
    url: str, base_url: str, at: datetime, go: Any, done: multiprocessing.connection.Connection
) -> None:
    """One replica: ready its deps, wait for the start signal, tick once, report."""
    deps = make_deps(url, base_url)
    deps.store.pending_count()  # the pool's first connection, before the clock starts
    go.wait()
    started, cpu = time.perf_counter(), time.process_time()
    report = run_tick(deps, at)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    done.send(
        {
            "wall": wall,
            "cpu": cpu,
            "planned": report.planned,
            "sent": report.sent_total,
            "failed": len(report.failed),
            "lost": report.lost,
            "errors": len(report.errors),
            "rss_mb": rss_mb,
            "ended": time.time(),
        }
    )


def run_replicas(
    url: str, base_url: str, at: datetime, count: int
) -> tuple[float, list[dict[str, Any]]]:
    """`count` tick processes started together; (wall time to the last one done, reports)."""
    go = multiprocessing.Event()
    pipes = [multiprocessing.Pipe() for _ in range(count)]
    processes = [
        multiprocessing.Process(target=tick_process, args=(url, base_url, at, go, child))
        for _, child in pipes
    ]
    for process in processes:
        process.start()
    time.sleep(2.0)  # every replica has imported and connected
    started = time.time()
    go.set()
    reports = [parent.recv() for parent, _ in pipes]
    for process in processes:
        process.join(30)
    return max(report["ended"] for report in reports) - started, reports


def idle_ms(url: str, base_url: str, runs: int = 20) -> float:
    deps = make_deps(url, base_url)
    for _ in range(3):  # warm: connections, statement caches
        run_tick(deps, IDLE_AT)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = run_tick(deps, IDLE_AT)
        times.append(time.perf_counter() - started)
        assert report.planned == 0, report
    deps.store._db.dispose()  # the bench's own engine
    return statistics.median(times) * 1000


def counted(
    url: str, conn: multiprocessing.connection.Connection, since: datetime
) -> dict[str, int]:
    """Posts per channel the fake saw, against the check-in deliveries marked sent."""
    conn.send("count")
    posts: dict[str, int] = conn.recv()
    db = Database.from_url(url)
    with db.read() as session:
        sent = session.execute(
            select(Delivery.target).where(
                Delivery.kind == "checkin",
                Delivery.claimed_at >= since,
                Delivery.status == "sent",
            )
        ).all()
    db.dispose()
    return {
        "posts": sum(posts.values()),
        "duplicates": sum(n - 1 for n in posts.values() if n > 1),
        "deliveries": len(sent),
    }


def reset_tuesday(url: str) -> None:
    """Put the database back as before Tuesday's tick (the fake keeps counting its posts)."""
    db = Database.from_url(url)
    with db.write() as session:
        session.execute(delete(Delivery).where(Delivery.claimed_at >= TEN_PERCENT_AT))
        session.execute(delete(CheckIn).where(CheckIn.created_at >= TEN_PERCENT_AT))
        session.execute(update(DueWork).values(next_due_at=TEN_PERCENT_AT, claim_token=None))
        session.info.pop("mlscore_due_marks", None)
    db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the systems")
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--phases", default="idle,due1,replicas")
    args = parser.parse_args()
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        print(f"set {POSTGRES_ENV} to a PostgreSQL server", file=sys.stderr)
        return 2
    systems = max(100, round(args.systems * args.scale))
    phases = set(args.phases.split(","))

    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=serve_fake, args=(child,), daemon=True)
    fake.start()
    base_url = parent.recv()
    ok = True
    with fresh_database(server, "bench_tick") as url, fresh_database(server, "bench_base") as base:
        upgrade(url)
        upgrade(base)
        started = time.perf_counter()
        workspaces = seed(url, systems)
        print(
            f"seeded {systems} systems in {workspaces} workspaces: "
            f"{time.perf_counter() - started:.1f} s"
        )
        seed(base, 1000)

        if "idle" in phases:
            baseline = idle_ms(base, base_url)
            full = idle_ms(url, base_url)
            print(
                f"idle tick, median of 20: {full:.1f} ms at {systems} systems; "
                f"baseline {baseline:.1f} ms at 1,000 systems; ratio {full / baseline:.2f}x "
                f"(targets: < 100 ms, <= 2x)"
            )
            ok &= full < 100 and full / baseline <= 2

        if "due1" in phases:
            wall, (report,) = run_replicas(url, base_url, ONE_PERCENT_AT, 1)
            seen = counted(url, parent, ONE_PERCENT_AT)
            due = sum(1 for n in range(systems) if weekday_of(n) == 0)
            print(
                f"1 % due ({due} check-ins) in one tick process: {wall:.2f} s (target < 10 s); "
                f"planned {report['planned']} workspaces, sent {report['sent']}, failed "
                f"{report['failed']}; fake Slack posts {seen['posts']}, deliveries sent "
                f"{seen['deliveries']}, duplicates {seen['duplicates']}; "
                f"tick process CPU {report['cpu']:.2f} s, max RSS {report['rss_mb']:.0f} MB "
                "(target < 200 MB)"
            )
            ok &= wall < 10 and seen["posts"] == seen["deliveries"] == due

        if "replicas" in phases:
            # Monday's check-ins are still in their grace window on Tuesday if not sent yet.
            days = (1,) if "due1" in phases else (0, 1)
            due = sum(1 for n in range(systems) if weekday_of(n) in days)
            before = counted(url, parent, TEN_PERCENT_AT)["posts"]
            one, (single,) = run_replicas(url, base_url, TEN_PERCENT_AT, 1)
            after_one = counted(url, parent, TEN_PERCENT_AT)
            reset_tuesday(url)
            many, reports = run_replicas(url, base_url, TEN_PERCENT_AT, args.replicas)
            after_many = counted(url, parent, TEN_PERCENT_AT)
            posts_one = after_one["posts"] - before
            posts_many = after_many["posts"] - after_one["posts"]
            lost = due - after_many["deliveries"]
            duplicates = posts_many - after_many["deliveries"]
            print(
                f"10 % due ({due} check-ins): 1 replica {one:.2f} s ({posts_one} posts, CPU "
                f"{single['cpu']:.1f} s, RSS {single['rss_mb']:.0f} MB); "
                f"{args.replicas} replicas {many:.2f} s "
                f"({posts_many} posts; planned {[r['planned'] for r in reports]}, sent "
                f"{[r['sent'] for r in reports]}, claims lost to another replica "
                f"{sum(r['lost'] for r in reports)}); speed-up {one / many:.2f}x (target >= 2.5x); "
                f"duplicates {duplicates}, lost {lost}"
            )
            ok &= duplicates == 0 and lost == 0 and posts_one == due
    parent.send("stop")
    fake.join(10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
