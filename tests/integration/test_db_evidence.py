"""The evidence pushes' queries that run inside the write lock every CI push waits on."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from bot.db.engine import Database
from bot.db.repositories.evidence import _LAST_PASS


def test_a_failing_pushs_streak_check_seeks_its_items_index(sqlite_db: Database) -> None:
    # The check runs for every failing push; read through the system's whole history, it
    # would grow with every push CI ever sent.
    compiled = _LAST_PASS.compile(dialect=sqlite.dialect())
    params = {"workspace_id": 1, "system_id": 1, "item_id": "FD1", "before_id": 100}
    with sqlite_db.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.construct_params(params).values())
        ).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX ix_evidence_pushes_system_id_item_id_id" in details, details
    assert "item_id=?" in details, details
