"""Scorecard and trend queries at scale, on SQLite and on PostgreSQL.

Builds 1,000 teams x 104 weekly assessments x 28 answers (about 2.9 million answers) through the
migrations, loads it with bulk inserts (executemany on SQLite, COPY on PostgreSQL), then times
the app's own repository calls, each in its own read transaction as a request would run them:

- baseline:  one team by primary key (the cheapest query the app makes)
- scorecard: recent_assessments(count=2) - the latest assessment and the previous one, with answers
- trend:     assessment_history - all 104 assessments of a team, with answers
- digest:    latest_assessments_for_teams(count=2) over the whole workspace (1,000 teams)

It prints p50 / p95 / p99 in milliseconds and each p50 as a multiple of the baseline's p50.
Target: scorecard p99 under 20 ms on PostgreSQL.

    .venv/bin/python bench/bench_db.py                       # SQLite, plus PostgreSQL if
                                                            # MLSCORE_TEST_POSTGRES_URL is set
    .venv/bin/python bench/bench_db.py --postgres URL --teams 200 --samples 300

The PostgreSQL database is created for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import upgrade

ITEMS = [f"{prefix}{n}" for prefix in ("FD", "MD", "I", "Mo") for n in range(1, 8)]
LEVELS = ("not_done", "manual", "automated")
STAGES = ("research", "roadmap", "production")
START = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)


def assessments(teams: int, weeks: int) -> Iterator[tuple[Any, ...]]:
    """(id, workspace_id, team_id, system_id, rubric_id, rubric_version, criteria_version,
    stage, period_key, submitted_by, submitted_at, note, submission_key); each team's one
    system has the team's id."""
    assessment_id = 0
    for team in range(1, teams + 1):
        stage = STAGES[team % 3]
        for week in range(weeks):
            assessment_id += 1
            when = START + timedelta(weeks=week, minutes=(team * 7 + week) % 600)
            period = f"{when:%G-W%V}"
            yield (
                assessment_id, 1, team, team, "ml-test-score", "2017", 1, stage, period,
                f"U{team % 50:04d}", when, "", f"bench-{team}-{week}",
            )  # fmt: skip


def answers(teams: int, weeks: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for assessment_id in range(1, teams * weeks + 1):
        for item in ITEMS:
            note = "see the runbook" if rng.random() < 0.1 else ""
            yield (assessment_id, item, LEVELS[rng.randrange(3)], note)


def load_sqlite(db: Database, teams: int, weeks: int, rng: random.Random) -> None:
    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        fmt = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite storage format, UTC (see UTCDateTime)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO workspaces (id, slack_team_id, installed_at) VALUES (1, 'TBENCH', ?)",
            (START.replace(tzinfo=None).strftime(fmt),),
        )
        connection.executemany(
            "INSERT INTO teams (id, workspace_id, name, name_key, channel_id, stage, rubric_id,"
            " language, cadence, weekday, local_time, tz, leads, archived, created_at)"
            " VALUES (?, 1, ?, ?, ?, ?, 'ml-test-score', 'en', 'weekly', 0, '10:00', 'UTC',"
            " '[]', 0, ?)",
            [
                (t, f"team-{t}", f"team-{t}", f"C{t % 100}", STAGES[t % 3],
                 START.replace(tzinfo=None).strftime(fmt))
                for t in range(1, teams + 1)
            ],
        )  # fmt: skip
        connection.execute(
            "INSERT INTO systems (id, workspace_id, team_id, name, name_key, stage, created_at)"
            " SELECT id, workspace_id, id, name, name_key, stage, created_at FROM teams"
        )
        connection.executemany(
            "INSERT INTO assessments (id, workspace_id, team_id, system_id, rubric_id,"
            " rubric_version, criteria_version, stage, period_key, submitted_by, submitted_at,"
            " note, submission_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (*row[:10], row[10].replace(tzinfo=None).strftime(fmt), *row[11:])
                for row in assessments(teams, weeks)
            ),
        )
        connection.executemany(
            "INSERT INTO answers (assessment_id, item_id, choice, note) VALUES (?, ?, ?, ?)",
            answers(teams, weeks, rng),
        )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        raw.close()


def load_postgres(db: Database, teams: int, weeks: int, rng: random.Random) -> None:
    raw = db.engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO workspaces (id, slack_team_id, installed_at) VALUES (1, 'TBENCH', %s)",
                (START,),
            )
            with cursor.copy(
                "COPY teams (id, workspace_id, name, name_key, channel_id, stage, rubric_id,"
                " language, cadence, weekday, local_time, tz, leads, archived, created_at)"
                " FROM STDIN"
            ) as copy:
                for t in range(1, teams + 1):
                    copy.write_row(
                        (t, 1, f"team-{t}", f"team-{t}", f"C{t % 100}", STAGES[t % 3],
                         "ml-test-score", "en", "weekly", 0, "10:00", "UTC", "[]", False, START)
                    )  # fmt: skip
            cursor.execute(
                "INSERT INTO systems (id, workspace_id, team_id, name, name_key, stage,"
                " created_at) SELECT id, workspace_id, id, name, name_key, stage, created_at"
                " FROM teams"
            )
            with cursor.copy(
                "COPY assessments (id, workspace_id, team_id, system_id, rubric_id,"
                " rubric_version, criteria_version, stage, period_key, submitted_by,"
                " submitted_at, note, submission_key) FROM STDIN"
            ) as copy:
                for row in assessments(teams, weeks):
                    copy.write_row(row)
            with cursor.copy(
                "COPY answers (assessment_id, item_id, choice, note) FROM STDIN"
            ) as copy:
                for row in answers(teams, weeks, rng):
                    copy.write_row(row)
            for table in ("workspaces", "teams", "systems", "assessments"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        connection.autocommit = False
    finally:
        raw.close()


def timed(samples: int, call: Callable[[], object]) -> list[float]:
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(db: Database, teams: int, samples: int, rng: random.Random) -> dict[str, list[float]]:
    def pick() -> int:
        return rng.randrange(1, teams + 1)

    def baseline() -> None:
        with db.read() as session:
            assert repo.get_team(session, workspace_id=1, team_id=pick()) is not None

    def scorecard() -> None:
        with db.read() as session:
            records = repo.recent_assessments(session, workspace_id=1, team_id=pick(), count=2)
            assert len(records) == 2
            assert len(records[0].answers) == len(ITEMS)

    def trend() -> None:
        with db.read() as session:
            history = repo.assessment_history(session, workspace_id=1, team_id=pick())
            assert history

    def digest() -> None:
        with db.read() as session:
            latest = repo.latest_assessments_for_teams(session, workspace_id=1, count=2)
            assert len(latest) == teams

    for warm_up in (baseline, scorecard, trend):
        timed(20, warm_up)
    timed(2, digest)
    return {
        "baseline (team by pk)": timed(samples, baseline),
        "scorecard (latest + previous)": timed(samples, scorecard),
        "trend (104 assessments)": timed(max(20, samples // 5), trend),
        f"digest ({teams} teams x 2)": timed(5, digest),
    }


def report(name: str, results: dict[str, list[float]]) -> None:
    base = statistics.median(next(iter(results.values())))
    print(f"\n{name}")
    print(f"  {'query':34} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'p50/base':>9}")
    for label, values in results.items():
        p50 = statistics.median(values)
        print(
            f"  {label:34} {len(values):>5} {p50:>9.2f} {percentile(values, 0.95):>9.2f}"
            f" {percentile(values, 0.99):>9.2f} {p50 / base:>9.1f}"
        )


def run(name: str, url: str, args: argparse.Namespace, loader: Callable[..., None]) -> None:
    rng = random.Random(args.seed)
    upgrade(url)
    db = Database.from_url(url)
    try:
        start = time.perf_counter()
        loader(db, args.teams, args.weeks, rng)
        loaded = time.perf_counter() - start
        answers_count = args.teams * args.weeks * len(ITEMS)
        print(
            f"\n[{name}] loaded {args.teams} teams, {args.teams * args.weeks:,} assessments,"
            f" {answers_count:,} answers in {loaded:.1f} s ({answers_count / loaded:,.0f} rows/s)"
        )
        report(f"[{name}] {args.samples} random teams", measure(db, args.teams, args.samples, rng))
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("MLSCORE_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite", f"sqlite:///{folder}/bench.db", args, load_sqlite)

    if args.postgres:
        name = f"mlscore_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            run("postgresql", url, args, load_postgres)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        print("\n[postgresql] skipped: set MLSCORE_TEST_POSTGRES_URL or pass --postgres URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
