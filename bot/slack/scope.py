"""Per-request context for listeners: who asked, from which workspace, in which language.

A Bolt middleware builds one for every verified request and puts it in `context["scope"]`, so
listeners get their dependencies from Bolt's context instead of module globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.services.types import Actor, TeamInfo
from bot.slack.i18n import resolve_language

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.slack.deps import SlackDeps
    from bot.slack.directory import SlackDirectory


@dataclass
class RequestScope:
    deps: SlackDeps
    slack_team_id: str
    enterprise_id: str | None
    user_id: str | None
    channel_id: str | None
    directory: SlackDirectory
    _workspace_id: int | None = field(default=None, init=False)
    _locale: str | None = field(default=None, init=False)
    _locale_loaded: bool = field(default=False, init=False)

    @property
    def workspace_id(self) -> int:
        """Our id of the workspace, looked up (or created) when first needed, not for every
        request: what needs no storage (`/mlscore help`) is answered while the database is
        down, and what needs it fails inside the listener, which says so."""
        if self._workspace_id is None:
            key = (self.slack_team_id, self.enterprise_id)
            services = self.deps.services
            found: int = self.deps.workspace_ids.get_or_load(
                key, lambda: services.workspace_for(key[0], key[1])
            )
            self._workspace_id = found
        return self._workspace_id

    def __deepcopy__(self, memo: dict[int, object]) -> RequestScope:
        # Bolt deep-copies the context for a work function run in a thread; the scope holds
        # the process's services and connections, which are shared, not copied.
        return self

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    def user_locale(self) -> str | None:
        if not self._locale_loaded and self.user_id:
            self._locale = self.directory.locale(self.user_id)
            self._locale_loaded = True
        return self._locale

    def language(self, team: TeamInfo | None = None) -> str:
        """The language for what only this person sees: their locale wins, then the team's."""
        return resolve_language(
            self.user_locale(),
            team.language if team else None,
            default=self.settings.default_language,
        )

    def actor(self, team: TeamInfo | None = None) -> Actor:
        return Actor(
            workspace_id=self.workspace_id,
            user_id=self.user_id or "",
            language=self.language(team),
            channel_id=self.channel_id,
        )
