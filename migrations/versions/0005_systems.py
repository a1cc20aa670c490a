"""ML systems: a team owns one or more, and each is assessed on its own.

Revision ID: 0005_systems
Revises: 0004_bot_files
Create Date: 2026-12-04 17:54:03.113382

- systems: one row per system (name unique within its team ignoring case; schedule fields NULL
  mean "as the team's"). Every existing team gets one system with the team's name and stage,
  and with the team's id as its own, so every id already shown in Slack still means the same.
- stage_changes, checkins, assessments, drafts and bot_posts name their system through
  (workspace_id, team_id, system_id), so a row cannot mix two teams or workspaces. Existing rows
  belong to their team's one system. A check-in and a draft are now one per system.
- Deliveries and audit entries keep naming the team ("team:<id>"); nothing to move there.
- Going back down is refused once a team owns two systems: their histories would merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_systems"
down_revision: str | Sequence[str] | None = "0004_bot_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILDREN = ("stage_changes", "checkins", "assessments", "drafts", "bot_posts")

# (table, old columns, new columns) of the unique keys that move from the team to the system.
MOVED_UNIQUES = (
    (
        "checkins",
        ("workspace_id", "team_id", "period_key"),
        ("workspace_id", "system_id", "period_key"),
    ),
    ("drafts", ("workspace_id", "team_id", "user_id"), ("workspace_id", "system_id", "user_id")),
)
NEW_INDEXES = {
    "stage_changes": ("ix_stage_changes_system_id_changed_at", ["system_id", "changed_at"]),
    "assessments": (
        "ix_assessments_system_id_submitted_at_id",
        ["system_id", "submitted_at", "id"],
    ),
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _name(prefix: str, table: str, columns: Sequence[str], suffix: str = "") -> str:
    return f"{prefix}_{table}_{'_'.join(columns)}{suffix}"


def _counters() -> dict[str, int]:
    """SQLite's AUTOINCREMENT counters: a batch rebuild drops them with the old table, and the
    copy would only carry the highest id still present, not the highest ever handed out."""
    rows = op.get_bind().execute(sa.text("SELECT name, seq FROM sqlite_sequence")).all()
    return {str(name): int(seq) for name, seq in rows}


def _restore_counters(saved: dict[str, int]) -> None:
    bind = op.get_bind()
    for table, seq in saved.items():
        current = bind.execute(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table}
        ).scalar()
        if current is None:
            bind.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                {"name": table, "seq": seq},
            )
        elif seq > current:
            bind.execute(
                sa.text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
                {"name": table, "seq": seq},
            )


def upgrade() -> None:
    saved = _counters() if _sqlite() else {}
    op.create_table(
        "systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("local_time", sa.String(length=5), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('weekly', 'biweekly', 'monthly', 'quarterly', 'off')",
            name=op.f("ck_systems_cadence"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_systems_weekday")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "team_id"],
            ["teams.workspace_id", "teams.id"],
            name=op.f("fk_systems_workspace_id_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_systems")),
        sa.UniqueConstraint(
            "workspace_id", "team_id", "id", name=op.f("uq_systems_workspace_id_team_id_id")
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "team_id",
            "name_key",
            name=op.f("uq_systems_workspace_id_team_id_name_key"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_systems_workspace_id_name_key", "systems", ["workspace_id", "name_key"], unique=False
    )
    # Each team becomes a team with one system of its name and stage, under the team's id.
    op.execute(
        "INSERT INTO systems (id, workspace_id, team_id, name, name_key, stage, created_at)"
        " SELECT id, workspace_id, id, name, name_key, stage, created_at FROM teams"
    )
    if not _sqlite():
        # Explicit ids leave the sequence behind: start it past them.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('systems', 'id'), MAX(id)) FROM systems"
            " HAVING MAX(id) IS NOT NULL"
        )

    for table in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("system_id", sa.Integer(), nullable=True))
        # Every row so far belongs to its team's one system, whose id is the team's.
        op.execute(f"UPDATE {table} SET system_id = team_id")  # noqa: S608 - names from this file
    for table in CHILDREN:
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.alter_column("system_id", existing_type=sa.Integer(), nullable=False)
            for moved, old, new in MOVED_UNIQUES:
                if moved == table:
                    batch_op.drop_constraint(_name("uq", table, old), type_="unique")
                    batch_op.create_unique_constraint(_name("uq", table, new), list(new))
            if table in NEW_INDEXES:
                index, columns = NEW_INDEXES[table]
                batch_op.create_index(index, columns, unique=False)
            batch_op.create_foreign_key(
                _name("fk", table, ("workspace_id", "team_id", "system_id"), "_systems"),
                "systems",
                ["workspace_id", "team_id", "system_id"],
                ["workspace_id", "team_id", "id"],
            )
    if _sqlite():
        _restore_counters(saved)


def downgrade() -> None:
    bind = op.get_bind()
    crowded = bind.execute(
        sa.text(
            "SELECT t.name, COUNT(*) FROM systems s"
            " JOIN teams t ON t.workspace_id = s.workspace_id AND t.id = s.team_id"
            " GROUP BY s.workspace_id, s.team_id, t.name HAVING COUNT(*) > 1 ORDER BY t.name"
        )
    ).all()
    if crowded:
        named = ", ".join(f"{name} ({count} systems)" for name, count in crowded)
        raise RuntimeError(
            "cannot go below revision 0005_systems: before it a team has one history, and "
            f"these teams own several systems: {named}. Erase or merge the extra systems first."
        )
    saved = _counters() if _sqlite() else {}
    for table in reversed(CHILDREN):
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_constraint(
                _name("fk", table, ("workspace_id", "team_id", "system_id"), "_systems"),
                type_="foreignkey",
            )
            if table in NEW_INDEXES:
                batch_op.drop_index(NEW_INDEXES[table][0])
            for moved, old, new in MOVED_UNIQUES:
                if moved == table:
                    batch_op.drop_constraint(_name("uq", table, new), type_="unique")
                    batch_op.create_unique_constraint(_name("uq", table, old), list(old))
            batch_op.drop_column("system_id")
    op.drop_index("ix_systems_workspace_id_name_key", table_name="systems")
    op.drop_table("systems")
    if _sqlite():
        saved.pop("systems", None)
        _restore_counters(saved)
