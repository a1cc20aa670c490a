"""The bot's messages that show text someone wrote, so that erasing it can edit them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, delete, select

from bot.db.repositories.teams import require_team, resolve_system_id
from bot.db.tables import BotFile, BotPost
from bot.db.upsert import upsert_insert


def record_post(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    channel_id: str,
    message_ts: str,
    authors: Iterable[str],
    kind: str,
    language: str,
    now: datetime,
    system_id: int | None = None,
) -> None:
    """Remember that the message shows text of each of `authors` (recorded once each)."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    system = resolve_system_id(
        session, workspace_id=workspace_id, team_id=team_id, system_id=system_id
    )
    for author in sorted(set(authors)):
        session.exec(
            upsert_insert(session, BotPost)
            .values(
                workspace_id=workspace_id,
                team_id=team_id,
                system_id=system,
                channel_id=channel_id,
                message_ts=message_ts,
                author=author,
                kind=kind,
                language=language,
                posted_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["workspace_id", "channel_id", "message_ts", "author"]
            )
        )


def posts_by(session: Session, *, workspace_id: int, author: str) -> list[BotPost]:
    """The messages showing the author's text, oldest first."""
    return list(
        session.exec(
            select(BotPost)
            .where(BotPost.workspace_id == workspace_id, BotPost.author == author)
            .order_by(col(BotPost.id))
        ).all()
    )


def posts_of_team(session: Session, *, workspace_id: int, team_id: int) -> list[BotPost]:
    return list(
        session.exec(
            select(BotPost)
            .where(BotPost.workspace_id == workspace_id, BotPost.team_id == team_id)
            .order_by(col(BotPost.id))
        ).all()
    )


def forget_posts(
    session: Session, *, workspace_id: int, messages: Sequence[tuple[str, str]]
) -> int:
    """Drop the records of these (channel, ts) messages, whoever's text they showed."""
    removed = 0
    for channel_id, message_ts in messages:
        result = session.exec(
            delete(BotPost).where(
                col(BotPost.workspace_id) == workspace_id,
                col(BotPost.channel_id) == channel_id,
                col(BotPost.message_ts) == message_ts,
            )
        )
        removed += result.rowcount
    return removed


def record_file(
    session: Session,
    *,
    workspace_id: int,
    team_id: int | None,
    file_id: str,
    channel_id: str,
    kind: str,
    now: datetime,
) -> None:
    """Remember a file the bot uploaded that holds people's notes."""
    session.exec(
        upsert_insert(session, BotFile)
        .values(
            workspace_id=workspace_id,
            team_id=team_id,
            file_id=file_id,
            channel_id=channel_id,
            kind=kind,
            uploaded_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "file_id"])
    )


def files_with_notes(
    session: Session, *, workspace_id: int, team_id: int | None = None
) -> list[BotFile]:
    """The recorded files that may hold notes of `team_id` (its own exports and the whole
    workspace's), or of any team (None), oldest first."""
    statement = select(BotFile).where(BotFile.workspace_id == workspace_id)
    if team_id is not None:
        statement = statement.where(
            or_(col(BotFile.team_id) == team_id, col(BotFile.team_id).is_(None))
        )
    return list(session.exec(statement.order_by(col(BotFile.id))).all())


def forget_files(session: Session, *, workspace_id: int, file_ids: Sequence[str]) -> int:
    if not file_ids:
        return 0
    result = session.exec(
        delete(BotFile).where(
            col(BotFile.workspace_id) == workspace_id, col(BotFile.file_id).in_(list(file_ids))
        )
    )
    return int(result.rowcount)
