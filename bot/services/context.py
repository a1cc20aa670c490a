"""What every use case shares: the database, the rubrics, the clock and the configured policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from bot.rubrics import RubricRegistry
from bot.services.storage import GuardedDatabase
from bot.services.types import Actor, Directory, NotAllowed


class _BoundTeam(Protocol):
    """A team row or a TeamInfo: what a permission check reads of it."""

    @property
    def name(self) -> str: ...

    @property
    def channel_id(self) -> str | None: ...


@dataclass(frozen=True)
class ServiceContext:
    database: GuardedDatabase
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

    def may_act_in(self, directory: Directory, user_id: str, channel_id: str | None) -> bool:
        """Members of the channel, and admins; no channel: admins only."""
        if self.is_admin(directory, user_id):
            return True
        if not channel_id:
            return False
        return directory.is_member(channel_id, user_id)

    def require_member(self, actor: Actor, directory: Directory, team: _BoundTeam) -> None:
        """Members of the team's channel, and admins; a team without a channel: admins only."""
        if not self.may_act_in(directory, actor.user_id, team.channel_id):
            raise NotAllowed("error.not_member", channel=team.channel_id or "", team=team.name)


class UseCases:
    """Base of the feature classes that make up bot.services.Services."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context
