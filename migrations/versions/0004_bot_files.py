"""Files the bot uploaded that hold people's notes (exports), so erasure can delete them.

Revision ID: 0004_bot_files
Revises: 0003_channel_privacy
Create Date: 2026-12-04 18:08:29.351429

Exports uploaded before this revision were not recorded and cannot be found again; the README's
erasure section says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_bot_files"
down_revision: str | Sequence[str] | None = "0003_channel_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_bot_files_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_files")),
        sa.UniqueConstraint(
            "workspace_id", "file_id", name=op.f("uq_bot_files_workspace_id_file_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_bot_files_workspace_id_team_id", "bot_files", ["workspace_id", "team_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_bot_files_workspace_id_team_id", table_name="bot_files")
    op.drop_table("bot_files")
