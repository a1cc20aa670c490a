"""Evidence and freshness: links behind claims, CI tokens and pushes, the evidence policy.

Revision ID: 0007_evidence
Revises: 0006_responses
Create Date: 2026-12-04 21:07:27.309468

- answers: an evidence link and label per claim (empty for every answer stored before).
- systems: whether a passing CI push may raise a claim (off for every existing system).
- system_tokens: CI bearer tokens per system, only their SHA-256 stored.
- evidence_pushes: what CI pushed, unique per (workspace, system, client key).
- evidence_policies: per workspace and stage, the levels that need a link.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_evidence"
down_revision: str | Sequence[str] | None = "0006_responses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_evidence_policies_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_policies")),
        sa.UniqueConstraint(
            "workspace_id", "stage", name=op.f("uq_evidence_policies_workspace_id_stage")
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "system_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id", "system_id"],
            ["systems.workspace_id", "systems.team_id", "systems.id"],
            name=op.f("fk_system_tokens_workspace_id_team_id_system_id_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_system_tokens_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_system_tokens_token_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("system_tokens", schema=None) as batch_op:
        batch_op.create_index(
            "ix_system_tokens_system_id_revoked_at", ["system_id", "revoked_at"], unique=False
        )

    op.create_table(
        "evidence_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("result IN ('pass', 'fail')", name=op.f("ck_evidence_pushes_result")),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["system_tokens.id"],
            name=op.f("fk_evidence_pushes_token_id_system_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id", "system_id"],
            ["systems.workspace_id", "systems.team_id", "systems.id"],
            name=op.f("fk_evidence_pushes_workspace_id_team_id_system_id_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_evidence_pushes_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_pushes")),
        sa.UniqueConstraint(
            "workspace_id",
            "system_id",
            "idempotency_key",
            name=op.f("uq_evidence_pushes_workspace_id_system_id_idempotency_key"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("evidence_pushes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_pushes_system_id_received_at", ["system_id", "received_at"], unique=False
        )

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_url", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("evidence_label", sa.String(length=100), nullable=False, server_default="")
        )

    # Each respondent's links too, so the agreed result keeps the link of who chose its level.
    with op.batch_alter_table("response_answers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_url", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("evidence_label", sa.String(length=100), nullable=False, server_default="")
        )

    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pushed_upgrades", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.drop_column("pushed_upgrades")

    with op.batch_alter_table("response_answers", schema=None) as batch_op:
        batch_op.drop_column("evidence_label")
        batch_op.drop_column("evidence_url")

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("evidence_label")
        batch_op.drop_column("evidence_url")

    with op.batch_alter_table("evidence_pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_pushes_system_id_received_at")

    op.drop_table("evidence_pushes")
    with op.batch_alter_table("system_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_system_tokens_system_id_revoked_at")

    op.drop_table("system_tokens")
    op.drop_table("evidence_policies")
