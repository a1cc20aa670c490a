"""The evidence pushes' queries that run on every push and every scorecard: index seeks, not
passes over a system's push history, which grows with every CI run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.repositories.evidence import _LAST_PASS

PUSH_INDEX = "USING INDEX ix_evidence_pushes_system_id_item_id_id"


def _plan(database: Database, statement: str, params: Any) -> str:
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    return " | ".join(str(row[-1]) for row in rows)


def _statements(database: Database, read: Callable[[Session], object]) -> list[tuple[str, Any]]:
    """The SQL (and parameters) `read` sends."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as session:
            read(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return sent


def test_a_failing_pushs_streak_check_seeks_its_items_index(sqlite_db: Database) -> None:
    # The check runs for every failing push, inside the write lock every push queues on.
    compiled = _LAST_PASS.compile(dialect=sqlite.dialect())
    params = {"workspace_id": 1, "system_id": 1, "item_id": "FD1", "before_id": 100}
    details = _plan(sqlite_db, str(compiled), tuple(compiled.construct_params(params).values()))
    assert PUSH_INDEX in details, details
    assert "item_id=?" in details, details


def test_the_failures_a_scorecard_looks_back_for_are_one_seek_per_item(
    sqlite_db: Database,
) -> None:
    items = ["FD1", "FD2", "MD1"]
    sent = _statements(
        sqlite_db,
        lambda session: repo.failing_before(
            session, workspace_id=1, system_id=1, item_ids=items, before=datetime.now(UTC)
        ),
    )
    assert len(sent) == 1  # one round trip for all the items
    details = _plan(sqlite_db, *sent[0])
    assert details.count(PUSH_INDEX) == len(items), details
    assert "SCAN evidence_pushes" not in details, details


def test_the_team_lists_pushes_are_read_from_each_systems_own_time(sqlite_db: Database) -> None:
    # One system assessed a year ago must not pull in a year of every other system's pushes.
    since = {1: datetime(2025, 1, 1, tzinfo=UTC), 2: datetime(2026, 1, 1, tzinfo=UTC)}
    sent = _statements(
        sqlite_db,
        lambda session: repo.pushes_since_each(session, workspace_id=1, since=since),
    )
    assert len(sent) == 1
    details = _plan(sqlite_db, *sent[0])
    seeks = "USING INDEX ix_evidence_pushes_system_id_received_at (system_id=? AND received_at>?)"
    assert details.count(seeks) == len(since), details
