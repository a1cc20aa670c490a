"""Use cases about workspaces and teams: create, find, and change a team's settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.db import repositories as repo
from bot.db.errors import AlreadyExists
from bot.limits import TEAM_NAME_MAX_CHARS
from bot.services import _audit
from bot.services._convert import OFF, team_info
from bot.services._lookup import load_rubric, load_team
from bot.services._queries import lock_workspace
from bot.services.context import UseCases
from bot.services.types import (
    Actor,
    Conflict,
    Directory,
    Invalid,
    NotFound,
    TeamInfo,
    TeamRef,
)
from rubric.model import LANGUAGES, Stage
from rubric.periods import Schedule, normalize_tz


class TeamUseCases(UseCases):
    def workspace_for(self, slack_team_id: str, enterprise_id: str | None = None) -> int:
        """Our id for a verified Slack team id, created on first sight.

        Most requests come from a workspace already known, so a read answers them without
        taking SQLite's write lock; only the first request of a workspace writes.
        """
        with self._ctx.database.read() as session:
            known = repo.get_workspace(session, slack_team_id=slack_team_id)
            if known is not None and (enterprise_id is None or known.enterprise_id):
                assert known.id is not None
                return known.id
        with self._ctx.database.write() as session:
            workspace = repo.ensure_workspace(
                session,
                slack_team_id=slack_team_id,
                enterprise_id=enterprise_id,
                now=self._ctx.clock(),
            )
            assert workspace.id is not None
            return workspace.id

    def create_team(
        self,
        actor: Actor,
        directory: Directory,
        *,
        name: str,
        channel_id: str,
        rubric_id: str | None = None,
    ) -> TeamInfo:
        """Bind a new team to a channel (admins only). One team per channel, names unique in the
        workspace ignoring case. Starts at the research stage on the given rubric (default: the
        ML Test Score), weekly check-ins in the configured zone and language."""
        self._ctx.require_admin(actor, directory)
        rubric = load_rubric(self._ctx.rubrics, rubric_id or self._ctx.rubrics.default().id)
        name = " ".join(name.split())
        if not name:
            raise Invalid("error.team_name_empty")
        if len(name) > TEAM_NAME_MAX_CHARS:
            raise Invalid("error.team_name_too_long", limit=TEAM_NAME_MAX_CHARS)
        now = self._ctx.clock()
        default = Schedule.default()
        with self._ctx.database.write() as session:
            if not lock_workspace(session, workspace_id=actor.workspace_id):
                raise NotFound("error.unknown_workspace")
            bound = repo.list_teams(session, workspace_id=actor.workspace_id, channel_id=channel_id)
            if bound:
                raise Conflict("error.channel_taken", channel=channel_id, team=bound[0].name)
            try:
                team = repo.create_team(
                    session,
                    workspace_id=actor.workspace_id,
                    name=name,
                    stage=Stage.RESEARCH,
                    rubric_id=rubric.id,
                    channel_id=channel_id,
                    language=self._ctx.default_language,
                    created_by=actor.user_id,
                    now=now,
                )
            except AlreadyExists:
                raise Conflict("error.team_exists", name=name, team=name) from None
            assert team.id is not None
            team = repo.set_schedule(
                session,
                workspace_id=actor.workspace_id,
                team_id=team.id,
                cadence=default.cadence.value,
                weekday=default.weekday,
                local_time=f"{default.at:%H:%M}",
                tz=self._ctx.default_timezone,
            )
            _audit.record(
                session,
                workspace_id=actor.workspace_id,
                actor=actor.user_id,
                action="team.created",
                at=now,
                team_id=team.id,
                name=team.name,
                channel=channel_id,
            )
            return team_info(team)

    def get_team(self, workspace_id: int, team_id: int) -> TeamInfo:
        """A team by id (from a button or a scheduled job), within the workspace only."""
        with self._ctx.database.read() as session:
            return team_info(load_team(session, workspace_id=workspace_id, team_id=team_id))

    def resolve_team(self, actor: Actor, ref: TeamRef | None) -> TeamInfo:
        """The team a command names: by name, by channel mention, or (None) the team bound to
        the channel the command was typed in."""
        with self._ctx.database.read() as session:
            if ref is not None and ref.name:
                team = repo.get_team_by_name(
                    session, workspace_id=actor.workspace_id, name=ref.name
                )
                if team is None:
                    raise NotFound("error.unknown_team", name=ref.name, team=ref.name)
                return team_info(team)
            channel_id = ref.channel_id if ref is not None else None
            channel_id = channel_id or actor.channel_id
            if not channel_id:
                raise NotFound("error.no_team_in_channel", channel="")
            team = repo.get_team_by_channel(
                session, workspace_id=actor.workspace_id, channel_id=channel_id
            )
            if team is None:
                raise NotFound("error.no_team_in_channel", channel=channel_id)
            return team_info(team)

    def set_stage(self, actor: Actor, directory: Directory, team_id: int, stage: Stage) -> TeamInfo:
        """Move a team to another stage (admins only); the change joins the stage history."""
        self._ctx.require_admin(actor, directory)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            before = load_team(
                session, workspace_id=actor.workspace_id, team_id=team_id, for_update=True
            ).stage
            team = repo.update_team(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                changed_by=actor.user_id,
                now=now,
                stage=Stage(stage),
            )
            if before != team.stage:
                _audit.record(
                    session,
                    workspace_id=actor.workspace_id,
                    actor=actor.user_id,
                    action="team.stage_changed",
                    at=now,
                    team_id=team_id,
                    before=before,
                    after=team.stage,
                )
            return team_info(team)

    def set_language(
        self, actor: Actor, directory: Directory, team_id: int, language: str
    ) -> TeamInfo:
        """The language of the team's channel messages (its members or admins)."""
        if language not in LANGUAGES:
            raise Invalid("error.unknown_language", language=language)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            current = load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            self._ctx.require_member(actor, directory, current)
            before = current.language
            team = repo.set_language(
                session, workspace_id=actor.workspace_id, team_id=team_id, language=language
            )
            _audit.record(
                session,
                workspace_id=actor.workspace_id,
                actor=actor.user_id,
                action="team.language_changed",
                at=now,
                team_id=team_id,
                before=before,
                after=language,
            )
            return team_info(team)

    def set_schedule(
        self, actor: Actor, directory: Directory, team_id: int, schedule: Schedule | None
    ) -> TeamInfo:
        """When the team is asked to check in; None turns check-ins off (its members or
        admins). The zone is stored in its canonical spelling."""
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            current = load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            self._ctx.require_member(actor, directory, current)
            if schedule is None:
                cadence, weekday = OFF, current.weekday
                local_time, tz = current.local_time, current.tz
            else:
                try:
                    tz = normalize_tz(schedule.tz)
                except ValueError:
                    raise Invalid("error.unknown_timezone", tz=schedule.tz) from None
                cadence, weekday = schedule.cadence.value, schedule.weekday
                local_time = f"{schedule.at:%H:%M}"
            team = repo.set_schedule(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                tz=tz,
            )
            _audit.record(
                session,
                workspace_id=actor.workspace_id,
                actor=actor.user_id,
                action="team.schedule_changed",
                at=now,
                team_id=team_id,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                tz=tz,
            )
            return team_info(team)

    def set_paused_until(
        self, actor: Actor, directory: Directory, team_id: int, until: date | None
    ) -> TeamInfo:
        """Pause check-ins until a date, inclusive (a holiday), or resume them with None."""
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            current = load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            self._ctx.require_member(actor, directory, current)
            team = repo.set_paused_until(
                session, workspace_id=actor.workspace_id, team_id=team_id, paused_until=until
            )
            _audit.record(
                session,
                workspace_id=actor.workspace_id,
                actor=actor.user_id,
                action="team.paused" if until else "team.resumed",
                at=now,
                team_id=team_id,
                until=until.isoformat() if until else None,
            )
            return team_info(team)

    def set_leads(
        self, actor: Actor, directory: Directory, team_id: int, leads: Sequence[str]
    ) -> TeamInfo:
        """The people reminders are addressed to (its members or admins)."""
        now = self._ctx.clock()
        unique = list(dict.fromkeys(lead for lead in leads if lead))
        with self._ctx.database.write() as session:
            current = load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            self._ctx.require_member(actor, directory, current)
            team = repo.update_team(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                changed_by=actor.user_id,
                now=now,
                leads=unique,
            )
            _audit.record(
                session,
                workspace_id=actor.workspace_id,
                actor=actor.user_id,
                action="team.leads_changed",
                at=now,
                team_id=team_id,
                leads=unique,
            )
            return team_info(team)
