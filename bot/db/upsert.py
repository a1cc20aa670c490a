"""INSERT ... ON CONFLICT for whichever database the session is bound to.

SQLite and PostgreSQL spell the upsert the same way, but SQLAlchemy builds it from each dialect's
own `insert`; this picks the right one so repositories stay dialect-free.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

Insert = postgresql.Insert | sqlite.Insert


def upsert_insert(session: Session, table: Any) -> Insert:
    """An INSERT for `table` that supports .on_conflict_do_nothing() / .on_conflict_do_update()."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {name} dialect")


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name
