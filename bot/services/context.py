"""What every use case shares: the database, the rubrics, the clock and the configured policy."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.tables import Team
from bot.rubrics import RubricRegistry
from bot.services.types import Actor, Directory, NotAllowed


@dataclass(frozen=True)
class ServiceContext:
    database: Database
    rubrics: RubricRegistry
    clock: Clock
    admins: frozenset[str]
    default_language: str
    default_timezone: str

    def is_admin(self, directory: Directory, user_id: str) -> bool:
        """A Slack workspace admin or owner, or a user in the configured admin list."""
        return user_id in self.admins or directory.is_admin(user_id)

    def require_admin(self, actor: Actor, directory: Directory) -> None:
        if not self.is_admin(directory, actor.user_id):
            raise NotAllowed("error.no_permission")

    def require_member(self, actor: Actor, directory: Directory, team: Team) -> None:
        """Members of the team's channel, and admins; a team without a channel: admins only."""
        if self.is_admin(directory, actor.user_id):
            return
        channel_id = team.channel_id
        if channel_id is None or not directory.is_member(channel_id, actor.user_id):
            raise NotAllowed("error.not_member", channel=channel_id or "", team=team.name)


class UseCases:
    """Base of the feature classes that make up bot.services.Services."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context
