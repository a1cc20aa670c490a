"""Use cases for people's rights over their data: export and erase."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from sqlmodel import Session

from bot.db import export as db_export
from bot.db import repositories as repo
from bot.db.erase import erase_team, erase_user_notes, erase_workspace
from bot.db.errors import NotFound as RowNotFound
from bot.db.tables import BotPost
from bot.services import _audit
from bot.services._lookup import load_team
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.types import Actor, Directory, Erased, Invalid, NotFound, PostedMessage

log = logging.getLogger(__name__)

ExportFormat = Literal["json", "csv", "csv_zip"]
EXPORT_FILE_SUFFIXES: dict[str, str] = {"json": ".json", "csv": ".csv", "csv_zip": ".zip"}
"""json: one document with every table; csv: one flat CSV with a row per answer and its
assessment and team (the spreadsheet view); csv_zip: a zip of one CSV per table (everything)."""


class DataRightsUseCases(UseCases):
    def export(
        self, actor: Actor, directory: Directory, team_id: int | None, fmt: ExportFormat
    ) -> bytes:
        """All data of one team, or (None) of the whole workspace. Admins only: it holds every
        person's notes and the audit log."""
        self._ctx.require(Action.EXPORT, actor, directory)
        _check_format(fmt)
        with self._ctx.database.write() as session:
            data = _export(session, actor.workspace_id, team_id, fmt)
            _audit.record(
                session,
                actor,
                "data.exported",
                at=self._ctx.clock(),
                team_id=team_id,
                target=None if team_id is not None else "workspace",
                format=fmt,
            )
            return data

    def export_workspace_data(
        self, workspace_id: int, team_id: int | None, fmt: ExportFormat
    ) -> bytes:
        """The export without a permission check, for the operator's CLI."""
        _check_format(fmt)
        with self._ctx.database.read() as session:
            return _export(session, workspace_id, team_id, fmt)

    def workspace_id_for_cli(self, workspace: str | None) -> int:
        """The workspace an operator names by Slack team id (default: the only one)."""
        with self._ctx.database.read() as session:
            if workspace is None:
                known = repo.list_workspaces(session)
                if len(known) != 1:
                    raise Invalid("error.workspace_required", count=len(known))
                found = known[0]
            else:
                match = repo.get_workspace(session, slack_team_id=workspace)
                if match is None:
                    raise NotFound("error.unknown_workspace")
                found = match
            assert found.id is not None
            return found.id

    def export_for_cli(self, *, workspace: str | None, team: str | None, fmt: str) -> bytes:
        """`mlscore export`: the workspace by Slack team id (default: the only one), the team
        by name (default: every team)."""
        workspace_id = self.workspace_id_for_cli(workspace)
        team_id: int | None = None
        if team is not None:
            with self._ctx.database.read() as session:
                row = repo.get_team_by_name(session, workspace_id=workspace_id, name=team)
            if row is None:
                raise NotFound("error.unknown_team", name=team, team=team)
            team_id = row.id
        return self.export_workspace_data(workspace_id, team_id, _check_format(fmt))

    def erase_team(self, actor: Actor, directory: Directory, team_id: int) -> Erased:
        """Remove a team and everything about it (admins only); rows removed per table, and
        the bot's messages that showed its people's notes."""
        self._ctx.require(Action.ERASE, actor, directory)
        with self._ctx.database.write() as session:
            name = load_team(session, workspace_id=actor.workspace_id, team_id=team_id).name
            posts = repo.posts_of_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            counts = erase_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            # Written after the erase, which removes the team's own audit entries.
            at = self._ctx.clock()
            _audit.record(
                session, actor, "team.erased", at=at, team_id=team_id, name=name, rows=counts
            )
            return Erased(counts, _messages(posts))

    def erase_user_notes(self, actor: Actor, directory: Directory, user_id: str) -> Erased:
        """Blank every copy of every note a person wrote and drop their drafts (admins only;
        see bot.db.erase.erase_user_notes). Who did what, and the levels chosen, stay. The
        bot's messages that showed their notes are returned for the Slack side to edit; their
        records stay until `forget_posts`."""
        self._ctx.require(Action.ERASE, actor, directory)
        with self._ctx.database.write() as session:
            counts = erase_user_notes(session, workspace_id=actor.workspace_id, user_id=user_id)
            posts = repo.posts_by(session, workspace_id=actor.workspace_id, author=user_id)
            _audit.record(
                session,
                actor,
                "user_notes.erased",
                at=self._ctx.clock(),
                target=f"user:{user_id}",
                rows=counts,
            )
            return Erased(counts, _messages(posts))

    def record_post(
        self,
        actor: Actor,
        team_id: int,
        *,
        channel_id: str,
        message_ts: str,
        authors: Iterable[str],
        kind: str,
        language: str,
    ) -> None:
        """Remember a message the bot just posted that shows these people's words, so that
        erasing them can edit it. Nothing is stored when it shows nobody's."""
        authors = [author for author in authors if author]
        if not authors:
            return
        with self._ctx.database.write() as session:
            repo.record_post(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                channel_id=channel_id,
                message_ts=message_ts,
                authors=authors,
                kind=kind,
                language=language,
                now=self._ctx.clock(),
            )

    def forget_posts(self, actor: Actor, messages: Iterable[PostedMessage]) -> int:
        """Drop the records of messages that were edited (or are gone from Slack)."""
        pairs = [(m.channel_id, m.message_ts) for m in messages]
        if not pairs:
            return 0
        with self._ctx.database.write() as session:
            return repo.forget_posts(session, workspace_id=actor.workspace_id, messages=pairs)

    def erase_workspace(self, slack_team_id: str) -> dict[str, int]:
        """Remove everything of a workspace (app_uninstalled, tokens_revoked). Safe to repeat:
        {} when the workspace is already gone. Nothing is audited: the log goes with it."""
        with self._ctx.database.write() as session:
            workspace = repo.get_workspace(session, slack_team_id=slack_team_id)
            if workspace is None or workspace.id is None:
                return {}
            counts = erase_workspace(session, workspace_id=workspace.id)
        log.info("erased workspace %s: %s", slack_team_id, counts)
        return counts


def _messages(posts: Iterable[BotPost]) -> tuple[PostedMessage, ...]:
    """One entry per message, however many authors it was recorded for."""
    seen: dict[tuple[str, str], PostedMessage] = {}
    for post in posts:
        seen.setdefault(
            (post.channel_id, post.message_ts),
            PostedMessage(post.channel_id, post.message_ts, post.kind, post.language),
        )
    return tuple(seen.values())


def _check_format(fmt: str) -> ExportFormat:
    formats: dict[str, ExportFormat] = {"json": "json", "csv": "csv", "csv_zip": "csv_zip"}
    try:
        return formats[fmt]
    except KeyError:
        raise Invalid("error.unknown_export_format", format=fmt) from None


def _export(session: Session, workspace_id: int, team_id: int | None, fmt: ExportFormat) -> bytes:
    try:
        data = db_export.export_data(session, workspace_id=workspace_id, team_id=team_id)
    except RowNotFound:
        raise NotFound("error.team_not_found") from None
    if fmt == "json":
        return db_export.to_json(data).encode("utf-8")
    if fmt == "csv":
        return db_export.answers_csv(data).encode("utf-8")
    return db_export.to_csv_zip(data)
