"""What every use case shares: the database, the rubrics, the clock and the configured policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.rubric_registry import RubricRegistry
from bot.services.access import Access, Action, Bound
from bot.services.storage import GuardedDatabase
from bot.services.types import Actor, Directory


@dataclass(frozen=True)
class ServiceContext:
    database: GuardedDatabase
    rubrics: RubricRegistry
    clock: Clock
    admins: frozenset[str]
    default_language: str
    default_timezone: str
    access: Access = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "access", Access(self.admins))

    def allowed(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> bool:
        return self.access.allowed(action, actor, directory, subject)

    def require(
        self, action: Action, actor: Actor, directory: Directory, subject: Bound | None = None
    ) -> None:
        """Raises NotAllowed naming what was refused (see bot.services.access)."""
        self.access.require(action, actor, directory, subject)


class UseCases:
    """Base of the feature classes that make up bot.services.Services."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context
