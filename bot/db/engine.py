"""Engines and the unit of work.

SQLite: WAL, synchronous=NORMAL, busy_timeout and foreign keys on every connection. pysqlite's own
transaction handling is switched off and BEGIN is emitted here, so that a write transaction starts
with BEGIN IMMEDIATE: it takes the write lock before its first read, which is what keeps
concurrent read-modify-write cycles from losing updates. Read transactions use a plain BEGIN
(a consistent snapshot) with query_only on.

PostgreSQL: a small pool with pre-ping and recycling; reads run in READ ONLY transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlmodel import Session

# Connection execution option telling the `begin` hook what kind of transaction to open.
_MODE = "mlscore_mode"
_READ = "read"
_WRITE = "write"


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let the `begin` hook below emit BEGIN instead of pysqlite's implicit, late one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_MODE) == _READ:
            connection.exec_driver_sql("PRAGMA query_only=ON")
            connection.exec_driver_sql("BEGIN")
        else:
            # Anything not declared a read (writes, migrations, scripts) takes the lock up front.
            connection.exec_driver_sql("PRAGMA query_only=OFF")
            connection.exec_driver_sql("BEGIN IMMEDIATE")


SQLITE_POOL_SIZE = 16


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_recycle: int = 1800,
    echo: bool = False,
) -> Engine:
    """An engine for `url` (sqlite:///path or postgresql+psycopg://...), configured for the bot."""
    if url.startswith("sqlite"):
        # A file database keeps a connection per busy thread: with the default 5, connections
        # opened and closed again under load spent the server's time on their PRAGMAs
        # (docs/performance.md, finding 11). In-memory URLs keep SQLAlchemy's single-connection
        # pools.
        in_memory = url in {"sqlite://", "sqlite:///:memory:"}
        pooling = {} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 16}
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
            **pooling,
        )
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        # A failed statement's error would otherwise carry its values (notes, tokens) into
        # the log.
        hide_parameters=True,
        pool_pre_ping=True,
        pool_recycle=pool_recycle,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )


class Database:
    """The unit of work: one Session per use case, opened with read() or write().

    Objects loaded in a session stay usable after it closes (expire_on_commit is off), but pass
    ids between threads, not ORM objects.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Threads of this process queue here, on a lock that
        # wakes the next one at once, instead of in SQLite's busy handler, which sleeps in
        # steps of up to 100 ms; busy_timeout still covers other processes.
        self._write_turn = threading.RLock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        return cls(make_engine(url, **engine_options))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: writes inside it fail, and it is rolled back at the end."""
        with self.engine.connect() as connection:
            options: dict[str, Any] = {_MODE: _READ}
            if self.dialect == "postgresql":
                options["postgresql_readonly"] = True
            connection.execution_options(**options)
            # Leaving the blocks closes the session (objects stay loaded, detached) and returns
            # the connection, whose transaction is rolled back: a read never commits anything.
            with Session(bind=connection, expire_on_commit=False) as session:
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite); commits on success, else rolls back."""
        with self._write_turn or nullcontext(), self.engine.connect() as connection:
            connection.execution_options(**{_MODE: _WRITE})
            with Session(bind=connection, expire_on_commit=False) as session:
                try:
                    yield session
                except BaseException:
                    session.rollback()
                    raise
                session.commit()

    def dispose(self) -> None:
        self.engine.dispose()
