"""Trust: ids never reused on SQLite, note authors on answers, the bot's posts that show notes.

Revision ID: 0002_trust
Revises: 0001_initial
Create Date: 2026-12-04 14:34:22.228692

- SQLite gives a deleted row's id to the next row unless the table is AUTOINCREMENT, so an erased
  team's buttons would act on the next team created. Every table with a surrogate id is rebuilt
  with AUTOINCREMENT (batch mode copies the rows, ids included). The teams' counter starts past
  every team id the audit log or the deliveries still name, so ids erased before this migration
  are not handed out again either. PostgreSQL's sequences never go back; each is only moved past
  the ids its table (and, for teams, the audit log) already holds, for a database restored
  without its sequences' values.
- answers.note_by: who wrote an item's note (a note carried over by the pre-filled modal keeps
  its author). Existing rows keep NULL, read as "the submitter".
- bot_posts: the bot's messages that show someone's text, so erasing it can edit them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_trust"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children, so each rebuilt child refers to a table that is already in place.
TABLES_WITH_IDS = (
    "workspaces",
    "teams",
    "stage_changes",
    "checkins",
    "assessments",
    "drafts",
    "criteria_versions",
    "survey_rounds",
    "survey_votes",
    "deliveries",
    "audit_log",
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild(table: str, *, autoincrement: bool) -> None:
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def _highest_team_named() -> int:
    """The highest team id that rows elsewhere still name ("team:<id>"), erased teams too."""
    named = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT target FROM audit_log WHERE target LIKE 'team:%' "
                "UNION SELECT target FROM deliveries WHERE target LIKE 'team:%'"
            )
        )
        .scalars()
    )
    return max((int(t[5:]) for t in named if t[5:].isdecimal()), default=0)


def _seed_sqlite_team_ids() -> None:
    """Start the teams' counter past every team id still named."""
    bind = op.get_bind()
    highest = _highest_team_named()
    current = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'teams'")).scalar()
    if current is None:
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('teams', :seq)"),
            {"seq": highest},
        )
    elif highest > current:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'teams'"),
            {"seq": highest},
        )


def _seed_postgres_sequences() -> None:
    """Sequences never go back, but rows restored with their ids (a copy made without the
    sequences' values) would meet them again: each starts past its table's highest id, and the
    teams' past every team id still named."""
    bind = op.get_bind()
    for table in TABLES_WITH_IDS:
        sequence = bind.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar()
        if sequence is None:
            continue
        # Both names come from this file and from pg_get_serial_sequence, not from a person.
        count_sql = f"SELECT COALESCE(MAX(id), 0) FROM {table}"  # noqa: S608
        highest = bind.execute(sa.text(count_sql)).scalar()
        if table == "teams":
            highest = max(highest, _highest_team_named())
        state_sql = f"SELECT last_value, is_called FROM {sequence}"  # noqa: S608
        last, called = bind.execute(sa.text(state_sql)).one()
        if highest > (last if called else last - 1):
            bind.execute(
                sa.text("SELECT setval(:sequence, :value)"),
                {"sequence": sequence, "value": highest},
            )


def upgrade() -> None:
    if _sqlite():
        for table in TABLES_WITH_IDS:
            _rebuild(table, autoincrement=True)
        _seed_sqlite_team_ids()
    else:
        _seed_postgres_sequences()

    op.create_table(
        "bot_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_bot_posts_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_posts")),
        sa.UniqueConstraint(
            "workspace_id",
            "channel_id",
            "message_ts",
            "author",
            name=op.f("uq_bot_posts_workspace_id_channel_id_message_ts_author"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_bot_posts_workspace_id_author", "bot_posts", ["workspace_id", "author"], unique=False
    )
    with op.batch_alter_table("answers") as batch_op:
        batch_op.add_column(sa.Column("note_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch_op:
        batch_op.drop_column("note_by")
    op.drop_index("ix_bot_posts_workspace_id_author", table_name="bot_posts")
    op.drop_table("bot_posts")
    if _sqlite():
        for table in reversed(TABLES_WITH_IDS):
            _rebuild(table, autoincrement=False)
        op.execute("DELETE FROM sqlite_sequence")
