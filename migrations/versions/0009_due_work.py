"""Due work: when each workspace next has something for the scheduler to do.

Revision ID: 0009_due_work
Revises: 0008_plans
Create Date: 2026-12-04 21:20:00

- due_work: one row per workspace with the next time anything is due there (check-in,
  reminder, lead DM, summary), indexed, so an idle tick is one indexed query instead of
  planning every workspace. Existing workspaces get a row due at once (1970-01-01): the first
  tick after the upgrade plans each one and stores its real next due time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_due_work"
down_revision: str | Sequence[str] | None = "0008_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "due_work",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_due_work_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_due_work")),
    )
    op.create_index("ix_due_work_next_due_at", "due_work", ["next_due_at"], unique=False)
    # SQLite stores the UTC timestamp as naive text, PostgreSQL as timestamptz: one literal
    # that both read as the epoch in UTC.
    dirty = (
        "'1970-01-01 00:00:00'"
        if op.get_bind().dialect.name == "sqlite"
        else ("TIMESTAMPTZ '1970-01-01 00:00:00+00'")
    )
    op.execute(
        f"INSERT INTO due_work (workspace_id, next_due_at, version) "  # noqa: S608  # constants only
        f"SELECT id, {dirty}, 0 FROM workspaces"
    )


def downgrade() -> None:
    op.drop_index("ix_due_work_next_due_at", table_name="due_work")
    op.drop_table("due_work")
