"""Use cases about a team's ML systems: finding the one a command means, adding, renaming and
archiving them, and the per-system lines of a team's overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.errors import AlreadyExists
from bot.db.tables import System, Team
from bot.limits import TEAM_NAME_MAX_CHARS
from bot.services import _audit
from bot.services._convert import OFF, team_info
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_team
from bot.services._waivers import waived_items
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.types import (
    Actor,
    ChooseSystem,
    Conflict,
    Directory,
    Invalid,
    NotFound,
    SystemLine,
    TeamInfo,
    TeamRef,
)
from bot.usertext import clean_name
from rubric.gaps import find_gaps
from rubric.model import Criteria, Stage
from rubric.periods import Schedule, normalize_tz
from rubric.scoring import score


def system_view(session: Session, team: Team, system: System) -> TeamInfo:
    """The team as seen through one of its systems, counting the team's active systems."""
    assert team.id is not None
    active = repo.list_systems(session, workspace_id=team.workspace_id, team_ids=[team.id])
    return team_info(team, system, systems=len(active))


def load_system(
    session: Session, *, workspace_id: int, system_id: int, for_update: bool = False
) -> tuple[Team, System]:
    """The system and its team, only if they belong to this workspace (a foreign id is as
    good as no id)."""
    system = repo.get_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=for_update
    )
    if system is None:
        raise NotFound("error.system_not_found")
    return load_team(session, workspace_id=workspace_id, team_id=system.team_id), system


def load_team_system(
    session: Session, *, workspace_id: int, team_id: int, system_id: int | None
) -> TeamInfo:
    """The team seen through `system_id` (which must be one of its systems), or through its
    primary system when None."""
    team = load_team(session, workspace_id=workspace_id, team_id=team_id)
    if system_id is None:
        system = repo.primary_system(session, workspace_id=workspace_id, team_id=team_id)
    else:
        _, system = load_system(session, workspace_id=workspace_id, system_id=system_id)
        if system.team_id != team_id:
            raise NotFound("error.system_not_found")
    return system_view(session, team, system)


class SystemUseCases(UseCases):
    def resolve_system(
        self,
        actor: Actor,
        ref: TeamRef | None,
        *,
        team_ok: bool = False,
        directory: Directory | None = None,
    ) -> TeamInfo:
        """The system a command names: `team/system`; a name (a team's, else a system's when
        only one active system in the workspace has it); a channel mention or nothing (the
        channel's team). A team with one active system means that system; a team with
        several means the team itself when `team_ok`, else the person is asked to choose
        (ChooseSystem, with one choice per system).

        With `directory`, a team the person may not read is treated as one that does not
        exist: its name, its systems' names and whether a channel has one are not theirs to
        learn (the same rule as resolve_team)."""
        ws = actor.workspace_id

        def readable(team: Team | None) -> Team | None:
            if team is None or directory is None:
                return team
            info = team_info(team)
            if info.channel_id:
                # As Slack says now (cached by the directory), not as stored: a channel made
                # private since must not hand its systems' names to an outsider.
                public = directory.channel(info.channel_id).public
                info = replace(info, channel_private=not public)
            return team if self._ctx.allowed(Action.READ, actor, directory, info) else None

        with self._ctx.database.read() as session:
            if ref is not None and ref.system:
                if ref.name:
                    team = readable(repo.get_team_by_name(session, workspace_id=ws, name=ref.name))
                    if team is None:
                        raise NotFound("error.unknown_team", name=ref.name, team=ref.name)
                else:
                    team = self._channel_team(session, actor, ref, readable)
                assert team.id is not None
                found = repo.find_systems(
                    session, workspace_id=ws, name=ref.system, team_id=team.id
                )
                if not found:
                    raise NotFound("error.unknown_system", team=team.name, system=ref.system)
                return system_view(session, team, found[0])
            if ref is not None and ref.name:
                named = readable(repo.get_team_by_name(session, workspace_id=ws, name=ref.name))
                if named is None:
                    return self._by_system_name(session, ws, ref.name, readable)
                team = named
            else:
                team = self._channel_team(session, actor, ref, readable)
            return self._one_of(session, team, team_ok=team_ok)

    @staticmethod
    def _channel_team(
        session: Session,
        actor: Actor,
        ref: TeamRef | None,
        readable: Callable[[Team | None], Team | None],
    ) -> Team:
        """The team of the channel mentioned, or of the channel the command was typed in."""
        channel_id = (ref.channel_id if ref is not None else None) or actor.channel_id
        if not channel_id:
            raise NotFound("error.no_team_in_channel", channel="")
        team = readable(
            repo.get_team_by_channel(
                session, workspace_id=actor.workspace_id, channel_id=channel_id
            )
        )
        if team is None:
            raise NotFound("error.no_team_in_channel", channel=channel_id)
        return team

    def _by_system_name(
        self,
        session: Session,
        workspace_id: int,
        name: str,
        readable: Callable[[Team | None], Team | None],
    ) -> TeamInfo:
        found = repo.find_systems(
            session, workspace_id=workspace_id, name=name, include_archived=False
        )
        views = []
        for system in found:
            team = readable(
                repo.get_team(session, workspace_id=workspace_id, team_id=system.team_id)
            )
            if team is not None and not team.archived:
                views.append(system_view(session, team, system))
        if not views:
            raise NotFound("error.unknown_team", name=name, team=name)
        if len(views) > 1:
            raise ChooseSystem(tuple(views), name=name)
        return views[0]

    def _one_of(self, session: Session, team: Team, *, team_ok: bool) -> TeamInfo:
        assert team.id is not None
        active = repo.list_systems(session, workspace_id=team.workspace_id, team_ids=[team.id])
        if len(active) > 1:
            if team_ok:
                return team_info(team, systems=len(active))
            choices = tuple(team_info(team, system, systems=len(active)) for system in active)
            raise ChooseSystem(choices, name=team.name)
        if active:
            return team_info(team, active[0], systems=1)
        primary = repo.primary_system(session, workspace_id=team.workspace_id, team_id=team.id)
        return team_info(team, primary, systems=0)

    def get_system(self, workspace_id: int, system_id: int) -> TeamInfo:
        """A system by id (from a button), within the workspace only."""
        with self._ctx.database.read() as session:
            team, system = load_system(session, workspace_id=workspace_id, system_id=system_id)
            return system_view(session, team, system)

    def add_system(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        *,
        name: str,
        stage: Stage = Stage.RESEARCH,
    ) -> TeamInfo:
        """A new system of the team (admins only); names are unique within the team."""
        name = self._checked_name(name)
        team = self._team(actor.workspace_id, team_id)
        self._ctx.require(Action.SYSTEMS, actor, directory, team)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            row = load_team(session, workspace_id=actor.workspace_id, team_id=team_id)
            try:
                system = repo.create_system(
                    session,
                    workspace_id=actor.workspace_id,
                    team_id=team_id,
                    name=name,
                    stage=stage,
                    created_by=actor.user_id,
                    now=now,
                )
            except AlreadyExists:
                raise Conflict("error.system_exists", team=row.name, system=name) from None
            _audit.record(
                session,
                actor,
                "system.added",
                at=now,
                team_id=team_id,
                system=system.id,
                name=system.name,
                stage=system.stage,
            )
            return system_view(session, row, system)

    def rename_system(
        self, actor: Actor, directory: Directory, system_id: int, name: str
    ) -> TeamInfo:
        """Rename a system (admins only)."""
        name = self._checked_name(name)
        before = self.get_system(actor.workspace_id, system_id)
        self._ctx.require(Action.SYSTEMS, actor, directory, before)
        with self._ctx.database.write() as session:
            team, _ = load_system(session, workspace_id=actor.workspace_id, system_id=system_id)
            try:
                system = repo.rename_system(
                    session, workspace_id=actor.workspace_id, system_id=system_id, name=name
                )
            except AlreadyExists:
                raise Conflict("error.system_exists", team=team.name, system=name) from None
            _audit.record(
                session,
                actor,
                "system.renamed",
                at=self._ctx.clock(),
                team_id=team.id,
                system=system_id,
                before=before.system_name,
                after=system.name,
            )
            return system_view(session, team, system)

    def archive_system(self, actor: Actor, directory: Directory, system_id: int) -> TeamInfo:
        """Archive a system (admins only): its history stays, its check-ins stop. A team
        keeps at least one active system."""
        before = self.get_system(actor.workspace_id, system_id)
        self._ctx.require(Action.SYSTEMS, actor, directory, before)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            # Two archives of a team's last two systems must not both see the other one still
            # active: lock the team first (the order other team changes lock in), then count.
            _, unlocked = load_system(session, workspace_id=actor.workspace_id, system_id=system_id)
            load_team(
                session, workspace_id=actor.workspace_id, team_id=unlocked.team_id, for_update=True
            )
            team, system = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, for_update=True
            )
            if system.archived_at is not None:
                return system_view(session, team, system)
            active = repo.list_systems(
                session, workspace_id=actor.workspace_id, team_ids=[system.team_id]
            )
            if len(active) <= 1:
                raise Invalid("error.last_system", team=team.name, system=system.name)
            system = repo.archive_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, now=now
            )
            _audit.record(
                session,
                actor,
                "system.archived",
                at=now,
                team_id=team.id,
                system=system_id,
                name=system.name,
            )
            return system_view(session, team, system)

    def set_system_schedule(
        self, actor: Actor, directory: Directory, system_id: int, schedule: Schedule | None
    ) -> TeamInfo:
        """The system's own schedule (who may set the team's may set it); None turns its
        check-ins off while the team's other systems keep theirs."""
        tz: str | None = None
        if schedule is not None:
            try:
                tz = normalize_tz(schedule.tz)
            except ValueError:
                raise Invalid("error.unknown_timezone", tz=schedule.tz) from None
        before = self.get_system(actor.workspace_id, system_id)
        self._ctx.require(Action.SCHEDULE, actor, directory, before)
        weekday: int | None = None
        local_time: str | None = None
        if schedule is None or tz is None:
            cadence = OFF
        else:
            cadence, weekday, local_time = (
                schedule.cadence.value,
                schedule.weekday,
                f"{schedule.at:%H:%M}",
            )
        with self._ctx.database.write() as session:
            team, _ = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, for_update=True
            )
            system = repo.set_system_schedule(
                session,
                workspace_id=actor.workspace_id,
                system_id=system_id,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                tz=tz,
            )
            _audit.record(
                session,
                actor,
                "system.schedule_changed",
                at=self._ctx.clock(),
                team_id=team.id,
                system=system_id,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                tz=tz,
            )
            return system_view(session, team, system)

    def set_system_paused_until(
        self, actor: Actor, directory: Directory, system_id: int, until: date | None
    ) -> TeamInfo:
        """Pause one system's check-ins until a date, inclusive, or resume them with None;
        the team's other systems go on."""
        before = self.get_system(actor.workspace_id, system_id)
        self._ctx.require(Action.SCHEDULE, actor, directory, before)
        with self._ctx.database.write() as session:
            team, _ = load_system(
                session, workspace_id=actor.workspace_id, system_id=system_id, for_update=True
            )
            system = repo.set_system_paused_until(
                session, workspace_id=actor.workspace_id, system_id=system_id, paused_until=until
            )
            _audit.record(
                session,
                actor,
                "system.paused" if until else "system.resumed",
                at=self._ctx.clock(),
                team_id=team.id,
                system=system_id,
                until=until.isoformat() if until else None,
            )
            return system_view(session, team, system)

    def system_lines(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        *,
        include_archived: bool = False,
    ) -> list[SystemLine]:
        """The team's systems, each with its latest final score, open gaps at its stage and
        how the score moved since the assessment before; the weakest first (never assessed
        before any score, then by score). For those the rule lets read the team."""
        team = self._team(actor.workspace_id, team_id)
        self._ctx.require(Action.READ, actor, directory, team)
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            row = load_team(session, workspace_id=ws, team_id=team_id)
            systems = repo.list_systems(
                session, workspace_id=ws, team_ids=[team_id], include_archived=include_archived
            )
            active = sum(1 for system in systems if system.archived_at is None)
            latest = repo.latest_assessments_for_systems(
                session, workspace_id=ws, system_ids=[s.id for s in systems if s.id], count=2
            )
            criteria: dict[str, Criteria] = {}
            lines = []
            for system in systems:
                assert system.id is not None
                view = team_info(row, system, systems=active)
                records = latest.get(system.id, [])
                if not records:
                    lines.append(SystemLine(view, system.archived_at is not None, None, None, None))
                    continue
                rubric = self._ctx.rubrics.get(records[0].assessment.rubric_id)
                if rubric.id not in criteria:
                    criteria[rubric.id] = criteria_in_force(session, workspace_id=ws, rubric=rubric)
                snapshot = records[0].snapshot()
                final = score(rubric, snapshot.answers).final
                waived = waived_items(
                    session, workspace_id=ws, system_id=system.id, today=self._ctx.clock().date()
                )
                gaps = find_gaps(
                    rubric,
                    criteria[rubric.id],
                    snapshot.model_copy(update={"stage": view.stage}),
                    waived,
                )
                direction = None
                if len(records) > 1:
                    before = score(rubric, records[1].snapshot().answers).final
                    direction = (final > before) - (final < before)
                lines.append(
                    SystemLine(
                        view, system.archived_at is not None, final, len(gaps.gaps), direction
                    )
                )
        return sorted(
            lines,
            key=lambda line: (
                line.archived,
                line.final_score is not None,
                line.final_score or 0.0,
                (line.system.system_name or "").casefold(),
            ),
        )

    def _checked_name(self, name: str) -> str:
        typed = name
        name = clean_name(name)
        if not name:
            raise Invalid("error.system_name_blank" if typed.strip() else "error.system_name_empty")
        if len(name) > TEAM_NAME_MAX_CHARS:
            raise Invalid("error.system_name_too_long", limit=TEAM_NAME_MAX_CHARS)
        if "/" in name:
            raise Invalid("error.system_name_slash", name=name)
        return name

    def _team(self, workspace_id: int, team_id: int) -> TeamInfo:
        with self._ctx.database.read() as session:
            return team_info(load_team(session, workspace_id=workspace_id, team_id=team_id))
