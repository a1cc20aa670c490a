"""Several respondents: each person's answers to a check-in, and each team's consensus settings.

Revision ID: 0006_responses
Revises: 0005_systems
Create Date: 2026-12-04 21:07:18.219997
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_responses"
down_revision: str | Sequence[str] | None = "0005_systems"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_settings",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("consensus", sa.String(length=16), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("dm_reminders", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "consensus IN ('lead', 'lowest', 'median')", name=op.f("ck_response_settings_consensus")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_response_settings_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "team_id", name=op.f("pk_response_settings")),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("respondent", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_key", sa.String(length=255), nullable=False),
        sa.CheckConstraint("kind IN ('answer', 'resolution')", name=op.f("ck_responses_kind")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id", "system_id"],
            ["systems.workspace_id", "systems.team_id", "systems.id"],
            name=op.f("fk_responses_workspace_id_team_id_system_id_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_responses_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint(
            "workspace_id", "submission_key", name=op.f("uq_responses_workspace_id_submission_key")
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "system_id",
            "period_key",
            "respondent",
            "kind",
            name=op.f("uq_responses_workspace_id_system_id_period_key_respondent_kind"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "response_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_answers_response_id_responses"),
        ),
        sa.PrimaryKeyConstraint("response_id", "item_id", name=op.f("pk_response_answers")),
    )


def downgrade() -> None:
    op.drop_table("response_answers")
    op.drop_table("responses")
    op.drop_table("response_settings")
