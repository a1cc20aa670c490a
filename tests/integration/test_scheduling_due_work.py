"""The due-work table: a tick plans only the workspaces with something due, every change to what
is due marks its workspace due in the same transaction, replicas claim different workspaces
(FOR UPDATE SKIP LOCKED), and a dead replica's claim runs out and is taken over. On SQLite and
PostgreSQL, against a real FakeSlack."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.scheduling.plan import WAKE_CAP
from bot.scheduling.tick import run_tick
from bot.services.scheduling import SchedulingStore, WorkspaceState
from rubric.model import Stage
from tests.fakes.slack_api import FakeSlack
from tests.support.database_copies import engine_for
from tests.support.scheduling import (
    CREATED,
    RUBRIC,
    checkins_sent,
    fake,
    make_deps,
    make_settings,
)

__all__ = ["fake"]

# Monday 2026-03-02 is the first day of ISO week 2026-W10; the digest goes out on Fridays 16:00.
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


class CountingStore(SchedulingStore):
    """The real store, counting which workspaces the planner loaded."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.loaded: Counter[int] = Counter()
        self._lock = threading.Lock()

    def workspace_state(self, *, workspace_id: int, **rest: object) -> WorkspaceState:  # type: ignore[override]
        with self._lock:
            self.loaded[workspace_id] += 1
        return super().workspace_state(workspace_id=workspace_id, **rest)  # type: ignore[arg-type]

    def workspace_states(  # type: ignore[override]
        self, workspaces: Sequence[tuple[int, str]], **rest: Any
    ) -> dict[int, WorkspaceState]:
        with self._lock:
            self.loaded.update(workspace_id for workspace_id, _ in workspaces)
        return super().workspace_states(workspaces, **rest)


def seed(
    db: Database,
    slack_team_id: str,
    channel: str,
    *,
    weekday: int = 0,
    at: str = "10:00",
    paused_until: date | None = None,
) -> tuple[int, int]:
    """(workspace id, team id) of a team with a weekly check-in in its own workspace."""
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id=slack_team_id, now=CREATED)
        assert workspace.id is not None
        team = repo.create_team(
            session,
            workspace_id=workspace.id,
            name=f"Team {channel}",
            stage=Stage.PRODUCTION,
            rubric_id=RUBRIC,
            channel_id=channel,
            now=CREATED,
        )
        assert team.id is not None
        repo.set_schedule(
            session,
            workspace_id=workspace.id,
            team_id=team.id,
            cadence="weekly",
            weekday=weekday,
            local_time=at,
            tz="UTC",
        )
        if paused_until is not None:
            repo.set_paused_until(
                session, workspace_id=workspace.id, team_id=team.id, paused_until=paused_until
            )
        return workspace.id, team.id


@pytest.fixture
def postgres_db(db: Database) -> Database:
    if db.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has a single writer")
    return db


def next_due(db: Database, workspace_id: int) -> datetime:
    with db.read() as session:
        rows = {row.workspace_id: row for row in repo.due_rows(session)}
    return rows[workspace_id].next_due_at


def test_an_idle_tick_plans_no_workspace_and_a_due_one_plans_only_that_workspace(
    db: Database, fake: FakeSlack
) -> None:
    monday, _ = seed(db, "T0MON", "C0MON", weekday=0)
    wednesday, _ = seed(db, "T0WED", "C0WED", weekday=2)
    store = CountingStore(db)
    deps = make_deps(db, fake)
    deps.store = store

    first = run_tick(deps, MONDAY + timedelta(hours=9))  # new rows are due: both planned once
    assert first.planned == 2
    assert next_due(db, monday) == MONDAY + timedelta(hours=10)
    # Wednesday's slot is further off than the day the planner waits at most.
    tick_at = MONDAY + timedelta(hours=9)
    assert tick_at + WAKE_CAP <= next_due(db, wednesday) < tick_at + WAKE_CAP + timedelta(minutes=1)

    store.loaded.clear()
    idle = run_tick(deps, MONDAY + timedelta(hours=9, minutes=30))
    assert idle.planned == 0
    assert store.loaded == Counter()

    due = run_tick(deps, MONDAY + timedelta(hours=10))
    assert due.planned == 1
    assert due.sent["checkin"] == 1
    assert set(store.loaded) == {monday}
    assert [key[0] for key in checkins_sent(fake)] == ["C0MON"]
    # Sent: next is its reminder, 48 h on, or the day the planner waits at most if sooner.
    assert next_due(db, monday) >= MONDAY + timedelta(hours=10) + WAKE_CAP


def test_a_schedule_change_marks_the_workspace_due_with_its_transaction_and_the_next_tick_sends(
    db: Database, fake: FakeSlack
) -> None:
    workspace, team = seed(db, "T0ONE", "C0ONE", at="10:00")
    deps = make_deps(db, fake)
    run_tick(deps, MONDAY + timedelta(hours=9))
    assert next_due(db, workspace) == MONDAY + timedelta(hours=10)

    # A change that rolls back leaves the row as it was.
    def change_then_fail() -> None:
        with db.write() as session:
            repo.set_schedule(
                session,
                workspace_id=workspace,
                team_id=team,
                cadence="weekly",
                weekday=0,
                local_time="09:15",
                tz="UTC",
            )
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert next_due(db, workspace) == MONDAY + timedelta(hours=10)
    assert run_tick(deps, MONDAY + timedelta(hours=9, minutes=20)).planned == 0

    with db.write() as session:
        repo.set_schedule(
            session,
            workspace_id=workspace,
            team_id=team,
            cadence="weekly",
            weekday=0,
            local_time="09:15",
            tz="UTC",
        )
    assert next_due(db, workspace) == repo.DIRTY
    report = run_tick(deps, MONDAY + timedelta(hours=9, minutes=20))
    assert report.planned == 1
    assert report.sent["checkin"] == 1
    assert checkins_sent(fake) == {("C0ONE", f"post:{team}", "2026-W10"): 1}


def test_resuming_a_paused_team_marks_it_due_and_the_next_tick_sends_its_checkin(
    db: Database, fake: FakeSlack
) -> None:
    workspace, team = seed(db, "T0AWAY", "C0AWAY", paused_until=MONDAY.date())
    deps = make_deps(db, fake)
    assert run_tick(deps, MONDAY + timedelta(hours=10)).sent_total == 0
    # Away through Monday: the next look is the next slot or summary, not before.
    assert next_due(db, workspace) > MONDAY + timedelta(days=1)

    with db.write() as session:
        repo.set_paused_until(session, workspace_id=workspace, team_id=team, paused_until=None)
    report = run_tick(deps, MONDAY + timedelta(hours=10, minutes=30))
    assert report.planned == 1
    assert checkins_sent(fake) == {("C0AWAY", f"post:{team}", "2026-W10"): 1}


def test_answering_marks_due_and_the_next_tick_drops_the_reminder_from_the_next_due_time(
    db: Database, fake: FakeSlack
) -> None:
    workspace, team = seed(db, "T0ANS", "C0ANS")
    deps = make_deps(db, fake, settings=make_settings("sqlite://", fake, reminder_after_hours=2))
    run_tick(deps, MONDAY + timedelta(hours=10))
    reminder = MONDAY + timedelta(hours=12)
    assert next_due(db, workspace) == reminder

    with db.write() as session:
        repo.mark_checkin(
            session,
            workspace_id=workspace,
            team_id=team,
            period_key="2026-W10",
            status="answered",
            now=MONDAY + timedelta(hours=11),
        )
    assert next_due(db, workspace) == repo.DIRTY
    assert run_tick(deps, MONDAY + timedelta(hours=11)).planned == 1
    assert next_due(db, workspace) > reminder
    assert run_tick(deps, reminder).planned == 0
    assert [key[1] for key in checkins_sent(fake)] == [f"post:{team}"]


def test_a_crashed_ticks_claim_runs_out_and_another_tick_takes_the_workspace_over(
    db: Database, fake: FakeSlack
) -> None:
    workspace, team = seed(db, "T0DEAD", "C0DEAD")
    deps = make_deps(db, fake)
    at = MONDAY + timedelta(hours=10)
    # A replica claims the workspace and dies before planning it.
    dead = SchedulingStore(db).claim_due(at, timedelta(minutes=5), token="dead", limit=10)
    assert [work.workspace_id for work in dead] == [workspace]

    held = run_tick(deps, at + timedelta(minutes=1))
    assert held.planned == 0
    assert fake.calls_to("chat.postMessage") == []

    taken = run_tick(deps, at + timedelta(minutes=6))
    assert taken.planned == 1
    assert checkins_sent(fake) == {("C0DEAD", f"post:{team}", "2026-W10"): 1}
    # The dead replica's late answer does not overwrite the one stored by the tick that took over.
    assert SchedulingStore(db).finish_due([(dead[0], at)], token="dead") == [False]
    assert next_due(db, workspace) > at + timedelta(minutes=6)


def test_two_open_claims_on_postgres_skip_each_others_rows(postgres_db: Database) -> None:
    ids = [seed(postgres_db, f"T0SK{n}", f"C0SK{n}")[0] for n in range(6)]
    at = MONDAY + timedelta(hours=10)
    with postgres_db.write() as first, postgres_db.write() as second:
        mine = repo.claim_due(first, now=at, until=at + timedelta(minutes=5), token="a", limit=3)
        theirs = repo.claim_due(
            second, now=at, until=at + timedelta(minutes=5), token="b", limit=10
        )
    taken = [work.workspace_id for work in mine] + [work.workspace_id for work in theirs]
    assert len(mine) == 3
    assert sorted(taken) == sorted(ids)


def test_two_ticks_at_once_on_postgres_share_the_workspaces_and_send_each_checkin_once(
    postgres_db: Database,
) -> None:
    # Every seeded workspace posts through the one fake workspace here, and each replica paces
    # only itself: without the fake's workspace limit, so a 429 cannot hide a lost send.
    with FakeSlack(workspace_rate_per_minute=None) as fake:
        two_ticks_at_once(postgres_db, fake)


def two_ticks_at_once(postgres_db: Database, fake: FakeSlack) -> None:
    teams = [seed(postgres_db, f"T0RP{n:02}", f"C0RP{n:02}") for n in range(24)]
    other = Database.from_url(str(postgres_db.engine.url.render_as_string(hide_password=False)))
    try:
        replicas = [make_deps(postgres_db, fake), make_deps(other, fake)]
        stores = [CountingStore(postgres_db), CountingStore(other)]
        for deps, store in zip(replicas, stores, strict=True):
            deps.store = store
        at = MONDAY + timedelta(hours=10)
        reports = []
        threads = [
            threading.Thread(target=lambda d=deps: reports.append(run_tick(d, at)))
            for deps in replicas
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        other.dispose()
    assert [report.failed for report in reports] == [[], []]
    first, second = (set(store.loaded) for store in stores)
    assert first.isdisjoint(second)
    assert first | second == {workspace for workspace, _ in teams}
    assert sum(report.planned for report in reports) == len(teams)
    sent = checkins_sent(fake)
    assert sent == {
        (f"C0RP{n:02}", f"post:{team}", "2026-W10"): 1 for n, (_, team) in enumerate(teams)
    }
    with postgres_db.read() as session:
        recorded = sum(
            len(repo.list_deliveries(session, workspace_id=workspace)) for workspace, _ in teams
        )
    assert recorded == len(teams)


def test_the_upgrade_makes_every_existing_workspace_due_and_the_first_tick_plans_it(
    database_url: str, fake: FakeSlack
) -> None:
    upgrade(database_url, "0008_plans")
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (id, slack_team_id, installed_at)"
                " VALUES (1, 'T1', :at), (2, 'T2', :at)"
            ),
            {"at": CREATED},
        )
    engine.dispose()

    upgrade(database_url)
    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            rows = [(row.workspace_id, row.next_due_at) for row in repo.due_rows(session)]
        assert rows == [(1, repo.DIRTY), (2, repo.DIRTY)]
        assert run_tick(make_deps(db, fake), MONDAY).planned == 2
    finally:
        db.dispose()
