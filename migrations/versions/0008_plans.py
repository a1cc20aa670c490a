"""Stage-move plans and waivers.

Revision ID: 0008_plans
Revises: 0007_evidence
Create Date: 2026-12-04 21:07:30.540034

- plans: a system's committed move to a stage by a date; plan_items: one owner per item.
- waivers: one item suspended for one system until a date, pending until a lead or admin
  approves it. All three are new: nothing existing moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_plans"
down_revision: str | Sequence[str] | None = "0007_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("target_stage", sa.String(length=16), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id", "system_id"],
            ["systems.workspace_id", "systems.team_id", "systems.id"],
            name=op.f("fk_plans_workspace_id_team_id_system_id_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_plans_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plans_workspace_id_team_id", ["workspace_id", "team_id"], unique=False
        )
        batch_op.create_index(
            "ix_plans_workspace_id_target_date", ["workspace_id", "target_date"], unique=False
        )

    op.create_table(
        "waivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_waivers_status")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id", "system_id"],
            ["systems.workspace_id", "systems.team_id", "systems.id"],
            name=op.f("fk_waivers_workspace_id_team_id_system_id_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_waivers_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waivers")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waivers_workspace_id_system_id", ["workspace_id", "system_id"], unique=False
        )

    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_items_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.UniqueConstraint("plan_id", "item_id", name=op.f("uq_plan_items_plan_id_item_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_items_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_items_plan_id"))

    op.drop_table("plan_items")
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.drop_index("ix_waivers_workspace_id_system_id")

    op.drop_table("waivers")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_workspace_id_target_date")
        batch_op.drop_index("ix_plans_workspace_id_team_id")

    op.drop_table("plans")
