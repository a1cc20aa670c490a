"""Whether a team's channel is private, kept on the team.

Revision ID: 0003_channel_privacy
Revises: 0002_trust
Create Date: 2026-12-04 18:10:00.000000

Listing teams needs to know which of them anyone may read (those in public channels); asking
Slack for each team at every listing costs one call per team. The privacy is now stored when a
team is bound and refreshed whenever the bot asks Slack about the channel anyway.

Existing teams get NULL (unknown). They are not backfilled here: a migration cannot ask Slack.
The first listing or read that meets one asks conversations.info once and stores the answer
(until then each check asks Slack rather than guessing).

The same release cleans names of more invisible characters (every Unicode default-ignorable
code point), so names and their comparison keys are recomputed here: otherwise a team stored as
"Vision" with a variation selector could no longer be found by its own name, and a look-alike
could be created beside it. Where two teams of a workspace would then share a key, the later one
keeps its old name and key (still unique) and a warning names it, for an admin to rename.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.usertext import clean_name, name_key

revision: str = "0003_channel_privacy"
down_revision: str | Sequence[str] | None = "0002_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Should SQLite need to rebuild the table, it stays AUTOINCREMENT (see 0002_trust).


log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("teams", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("channel_private", sa.Boolean(), nullable=True))
    _recompute_names()


def _recompute_names() -> None:
    bind = op.get_bind()
    teams = sa.table(
        "teams",
        sa.column("id", sa.Integer),
        sa.column("workspace_id", sa.String),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = bind.execute(
        sa.select(teams.c.id, teams.c.workspace_id, teams.c.name, teams.c.name_key).order_by(
            teams.c.id
        )
    ).all()
    taken = {(row.workspace_id, row.name_key) for row in rows}
    for row in rows:
        name, key = clean_name(row.name), name_key(row.name)
        if (name, key) == (row.name, row.name_key) or not name:
            continue
        if key != row.name_key and (row.workspace_id, key) in taken:
            log.warning("team %d keeps its name: once cleaned it reads like another team's", row.id)
            continue
        taken.discard((row.workspace_id, row.name_key))
        taken.add((row.workspace_id, key))
        bind.execute(teams.update().where(teams.c.id == row.id).values(name=name, name_key=key))


def downgrade() -> None:
    with op.batch_alter_table("teams", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("channel_private")
