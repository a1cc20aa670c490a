"""The unit of work: transactions, SQLite pragmas, UTC datetimes, concurrent read-modify-write."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, StatementError

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.tables import Workspace
from rubric.model import Stage


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.read() as session:
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_busy_sqlite_server_reuses_its_connections(sqlite_db: Database) -> None:
    """Each new SQLite connection runs four PRAGMAs; a pool smaller than the threads that read
    at once opened and closed connections on every burst."""
    opened: list[object] = []
    event.listen(sqlite_db.engine, "connect", lambda connection, _record: opened.append(1))
    readers = 12

    def burst() -> None:
        barrier = threading.Barrier(readers)

        def read() -> None:
            with sqlite_db.read() as session:
                session.connection().exec_driver_sql("SELECT 1")
                barrier.wait(timeout=10)  # all twelve hold a connection at once

        threads = [threading.Thread(target=read) for _ in range(readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    burst()
    first = len(opened)
    burst()
    assert first <= readers
    assert len(opened) == first, "the second burst opened new connections"


def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    madrid_morning = datetime(2025, 3, 30, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T1", now=madrid_morning)
        workspace_id = workspace.id
    with db.read() as session:
        stored = session.get(Workspace, workspace_id)
        assert stored is not None
        assert stored.installed_at.utcoffset() == timedelta(0)
        assert stored.installed_at.tzinfo is not None
        assert stored.installed_at == madrid_morning
        assert stored.installed_at.hour == 7


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), db.write() as session:
        repo.ensure_workspace(session, slack_team_id="T1", now=datetime(2025, 1, 1))


def test_write_commits_and_an_exception_rolls_back(db: Database, now: datetime) -> None:
    with db.write() as session:
        repo.ensure_workspace(session, slack_team_id="T1", now=now)

    def fail_halfway() -> None:
        with db.write() as session:
            repo.ensure_workspace(session, slack_team_id="T2", now=now)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_halfway()
    with db.read() as session:
        assert [w.slack_team_id for w in repo.list_workspaces(session)] == ["T1"]


def test_read_transactions_refuse_writes(db: Database, now: datetime) -> None:

    def write_in_a_read() -> None:
        with db.read() as session:
            session.add(Workspace(slack_team_id="T9", installed_at=now))
            session.flush()

    with pytest.raises(DBAPIError):
        write_in_a_read()
    with db.read() as session:
        assert repo.list_workspaces(session) == []


def test_concurrent_read_modify_write_loses_no_update(db: Database, now: datetime) -> None:
    threads_count, increments = 8, 50
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T1", now=now)
        assert workspace.id is not None
        team = repo.create_team(
            session,
            workspace_id=workspace.id,
            name="Vision",
            stage=Stage.RESEARCH,
            rubric_id="ml-test-score",
            now=now,
        )
        workspace_id, team_id = workspace.id, team.id
    assert team_id is not None
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def worker(number: int) -> None:
        try:
            start.wait()
            for step in range(increments):
                with db.write() as session:
                    # read, then write back what was read plus one: the classic lost update
                    current = repo.get_team(
                        session, workspace_id=workspace_id, team_id=team_id, for_update=True
                    )
                    assert current is not None
                    repo.update_team(
                        session,
                        workspace_id=workspace_id,
                        team_id=team_id,
                        changed_by=None,
                        now=now,
                        leads=[*current.leads, f"U{number}-{step}"],
                    )
        except BaseException as error:  # asserted below
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    with db.read() as session:
        team = repo.get_team(session, workspace_id=workspace_id, team_id=team_id)
        assert team is not None
        assert len(team.leads) == threads_count * increments
        assert len(set(team.leads)) == threads_count * increments


def test_sqlite_write_takes_the_lock_at_begin(sqlite_db: Database, now: datetime) -> None:
    # Two writers: the second waits for the first instead of failing later at its first write.
    with sqlite_db.write() as session:
        repo.ensure_workspace(session, slack_team_id="T1", now=now)
    order: list[str] = []
    first_has_lock = threading.Event()
    release = threading.Event()

    def first() -> None:
        with sqlite_db.write() as session:
            session.connection().execute(text("SELECT 1"))
            order.append("first begins")
            first_has_lock.set()
            release.wait(5)
            order.append("first commits")

    def second() -> None:
        first_has_lock.wait(5)
        with sqlite_db.write() as session:
            session.connection().execute(text("SELECT 1"))
            order.append("second begins")

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    two.start()
    first_has_lock.wait(5)
    threading.Event().wait(0.3)
    release.set()
    one.join()
    two.join()
    assert order == ["first begins", "first commits", "second begins"]


def test_a_failed_statements_error_and_its_log_line_do_not_carry_the_values(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    note = "SECRET-NOTE our schema check is manual"
    postgres = db.engine.dialect.name == "postgresql"
    log = logging.getLogger("bot.test")

    def run() -> None:
        with db.write() as session:
            try:
                if postgres:  # a DataError: the value is too long for the column
                    session.execute(text("CREATE TEMPORARY TABLE short (v varchar(5))"))
                    session.execute(text("INSERT INTO short VALUES (:note)"), {"note": note})
                else:  # SQLite checks no lengths: an IntegrityError, the parent is missing
                    session.execute(
                        text(
                            "INSERT INTO answers (assessment_id, item_id, choice, note)"
                            " VALUES (987654, 'FD1', 'manual', :note)"
                        ),
                        {"note": note},
                    )
            except DBAPIError:
                log.exception("a statement failed")
                raise

    with pytest.raises(DBAPIError) as failed:
        run()

    assert "SECRET-NOTE" not in str(failed.value)
    assert "a statement failed" in caplog.text
    assert "SECRET-NOTE" not in caplog.text
