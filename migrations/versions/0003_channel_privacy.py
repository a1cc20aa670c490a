"""Whether a team's channel is private, kept on the team.

Revision ID: 0003_channel_privacy
Revises: 0002_trust
Create Date: 2026-12-04 18:10:00.000000

Listing teams needs to know which of them anyone may read (those in public channels); asking
Slack for each team at every listing costs one call per team. The privacy is now stored when a
team is bound and refreshed whenever the bot asks Slack about the channel anyway.

Existing teams get NULL (unknown). They are not backfilled here: a migration cannot ask Slack.
The first listing or read that meets one asks conversations.info once and stores the answer;
until it is known, the team is treated as private (only its members and admins see it), which
never shows a private team to someone outside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_channel_privacy"
down_revision: str | Sequence[str] | None = "0002_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Should SQLite need to rebuild the table, it stays AUTOINCREMENT (see 0002_trust).


def upgrade() -> None:
    with op.batch_alter_table("teams", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("channel_private", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("channel_private")
