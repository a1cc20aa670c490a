"""Benchmark: what plan reminders add to a scheduling pass's planning.

    .venv/bin/python bench/bench_plans.py                    # 500 teams, 500 plans of 6 tests
    .venv/bin/python bench/bench_plans.py --teams 100 --plans 1000

Seeds one workspace in a temporary SQLite file, then times, in the same run, the planner's read
of the workspace and its plan (bot.scheduling.plan) without plans loaded (the baseline: the
pass as it was before plans) and with them, at a time when no reminder is due and at one when
every plan's 14-day reminder is due. Printed: median milliseconds and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import seed_systems
from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.scheduling.plan import Policy, current_keys, plan
from bot.services.scheduling import SchedulingStore
from rubric.model import Stage

CREATED = datetime(2026, 1, 5, 8, tzinfo=UTC)
TARGET = date(2026, 3, 2)
QUIET = datetime(2026, 1, 20, 12, tzinfo=UTC)  # no reminder due
DUE = datetime(2026, 2, 16, 12, tzinfo=UTC)  # every plan's 14-day reminder due
POLICY = Policy(
    reminder_after=timedelta(hours=48),
    digest_weekday=4,
    digest_time=datetime(2026, 1, 1, 16, tzinfo=UTC).time(),
)
ITEMS = ("FD2", "FD3", "FD4", "FD5", "FD7", "Mo3")


def seed(db: Database, teams: int, plans: int) -> int:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T0BENCH", now=CREATED)
        assert workspace.id is not None
        systems = seed_systems(
            session,
            workspace.id,
            teams,
            name="team {n}",
            channel="C{n:07d}",
            stage=Stage.ROADMAP,
            now=CREATED,
        )
        for n in range(plans):
            team_id, system_id = systems[n % len(systems)]
            repo.create_plan(
                session,
                workspace_id=workspace.id,
                team_id=team_id,
                system_id=system_id,
                target_stage="production",
                target_date=TARGET,
                owners={item: f"U{(n + i) % 40:05d}" for i, item in enumerate(ITEMS)},
                created_by="U0BENCH",
                now=CREATED,
            )
        return workspace.id


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm the caches and the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--plans", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        db = Database.from_url(url)
        workspace_id = seed(db, args.teams, args.plans)
        store = SchedulingStore(db)

        def one_pass(now: datetime, *, with_plans: bool) -> int:
            state = store.workspace_state(
                workspace_id=workspace_id,
                slack_team_id="T0BENCH",
                period_keys=lambda bare: current_keys(bare, now, POLICY),
                today=now.date() if with_plans else None,
            )
            return len(plan(state, now, POLICY))

        jobs = one_pass(DUE, with_plans=True) - one_pass(DUE, with_plans=False)
        baseline = median_ms(lambda: one_pass(QUIET, with_plans=False), args.repeat)
        quiet = median_ms(lambda: one_pass(QUIET, with_plans=True), args.repeat)
        due = median_ms(lambda: one_pass(DUE, with_plans=True), args.repeat)
        db.dispose()
    print(f"{args.teams} teams, {args.plans} plans of {len(ITEMS)} tests (SQLite)")
    print(f"planning without plans (baseline): {baseline:8.1f} ms  1.00x")
    print(f"with plans, none due:              {quiet:8.1f} ms  {quiet / baseline:.2f}x")
    print(f"with plans, all due ({jobs} DMs):   {due:8.1f} ms  {due / baseline:.2f}x")


if __name__ == "__main__":
    main()
