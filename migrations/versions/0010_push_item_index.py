"""An index for a failing CI push's streak check.

Revision ID: 0010_push_item_index
Revises: 0009_due_work
Create Date: 2026-12-05 01:00:00

- evidence_pushes (system_id, item_id, id): a failing push asks for its item's last passing
  push, inside the write transaction every push waits on; without the index that read goes
  through every push the system ever had.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_push_item_index"
down_revision: str | Sequence[str] | None = "0009_due_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_evidence_pushes_system_id_item_id_id",
        "evidence_pushes",
        ["system_id", "item_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_pushes_system_id_item_id_id", table_name="evidence_pushes")
