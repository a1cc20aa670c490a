"""Use cases about workspaces and teams: create, find, and change a team's settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.errors import AlreadyExists
from bot.db.tables import Team
from bot.limits import TEAM_NAME_MAX_CHARS
from bot.services import _audit
from bot.services._convert import OFF, team_info
from bot.services._lookup import load_rubric, load_team
from bot.services._privacy import refreshed
from bot.services._queries import lock_workspace
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.plans import WAIVER_REASON_MAX_CHARS, StageGated, gate_report
from bot.services.systems import load_system, load_team_system, system_view
from bot.services.types import (
    Actor,
    ChannelFacts,
    Conflict,
    Directory,
    Invalid,
    NotAllowed,
    NotFound,
    TeamInfo,
    TeamRef,
)
from bot.usertext import clean_name, has_nul, name_fits
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
        workspace ignoring case and invisible characters. The channel must be one of this
        workspace that is not a direct message and that the bot can post in. Starts at the
        research stage on the given rubric (default: the ML Test Score), weekly check-ins in
        the configured zone and language."""
        self._ctx.require(Action.CREATE_TEAM, actor, directory)
        rubric = load_rubric(self._ctx.rubrics, rubric_id or self._ctx.rubrics.default().id)
        typed = name
        name = clean_name(name)
        if not name:
            raise Invalid("error.team_name_blank" if typed.strip() else "error.team_name_empty")
        if not name_fits(name, TEAM_NAME_MAX_CHARS):
            raise Invalid("error.team_name_too_long", limit=TEAM_NAME_MAX_CHARS)
        facts = _check_channel(directory, channel_id)
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
                    channel_private=facts.private,
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
                actor,
                "team.created",
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

    def resolve_team(
        self, actor: Actor, ref: TeamRef | None, directory: Directory | None = None
    ) -> TeamInfo:
        """The team a command names: by name, by channel mention, or (None) the team bound to
        the channel the command was typed in.

        With `directory`, a team the person may not read is answered exactly as a team that
        does not exist: whether a private channel has a team is not theirs to learn either."""
        with self._ctx.database.read() as session:
            if ref is not None and ref.name:
                missing = NotFound("error.unknown_team", name=ref.name, team=ref.name)
                team = repo.get_team_by_name(
                    session, workspace_id=actor.workspace_id, name=ref.name
                )
            else:
                channel_id = (ref.channel_id if ref is not None else None) or actor.channel_id
                missing = NotFound("error.no_team_in_channel", channel=channel_id or "")
                team = None
                if channel_id:
                    team = repo.get_team_by_channel(
                        session, workspace_id=actor.workspace_id, channel_id=channel_id
                    )
            if team is None:
                raise missing
            found = team_info(team)
        if directory is not None:
            found = refreshed(self._ctx, directory, found)
            if not self._ctx.allowed(Action.READ, actor, directory, found):
                raise missing
        return found

    def set_stage(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        stage: Stage,
        system_id: int | None = None,
        *,
        gate: bool = False,
        override_reason: str | None = None,
    ) -> TeamInfo:
        """Move a system (default: the team's primary one) to another stage (admins only); the
        change joins its stage history.

        With `gate`, a move to a stage whose mandatory items the system does not meet is
        refused with StageGated (the gaps) unless an admin gives `override_reason`, which the
        audit keeps with the gaps overridden."""
        extra: dict[str, Any] = {}
        if gate:
            extra = self._stage_gate(
                actor, directory, team_id, system_id, stage, override_reason=override_reason
            )
        if system_id is not None:
            return self._set_system_stage(
                actor, directory, team_id, system_id, stage=stage, extra=extra
            )

        def change(session: Session, team: Team) -> _Changed:
            before = team.stage
            team = self._update(session, actor, team_id, stage=Stage(stage))
            if before == team.stage:
                return team, None
            return team, ("team.stage_changed", {"before": before, "after": team.stage, **extra})

        return self._change(actor, directory, team_id, Action.STAGE, change)

    def _stage_gate(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        stage: Stage,
        *,
        override_reason: str | None,
    ) -> dict[str, Any]:
        """The gate's check; what the audit entry adds when an admin overrides it."""
        if override_reason is not None:
            # Kept in the audit: bounded like a waiver's reason, and storable on PostgreSQL.
            if has_nul(override_reason):
                raise Invalid("error.nul")
            if len(clean_name(override_reason)) > WAIVER_REASON_MAX_CHARS:
                raise Invalid("error.waiver_reason_too_long", limit=WAIVER_REASON_MAX_CHARS)
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            current = load_team_system(
                session, workspace_id=ws, team_id=team_id, system_id=system_id
            )
        # Who may not move the stage is told so before seeing the gaps.
        self._ctx.require(Action.STAGE, actor, directory, current)
        with self._ctx.database.read() as session:
            rubric, report = gate_report(
                session, self._ctx.rubrics, current, Stage(stage), self._ctx.clock().date()
            )
        if not report.gaps or current.stage == stage:
            return {}
        reason = clean_name(override_reason or "")
        if not reason:
            raise StageGated(current, rubric, report)
        if not self._ctx.access.is_admin(directory, actor.user_id):
            raise NotAllowed("refused.stage_override", team=current.label)
        return {"reason": reason, "overridden": [gap.item_id for gap in report.gaps]}

    def _set_system_stage(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int,
        *,
        stage: Stage,
        extra: dict[str, Any] | None = None,
    ) -> TeamInfo:
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            current = load_team_system(
                session, workspace_id=ws, team_id=team_id, system_id=system_id
            )
        self._ctx.require(Action.STAGE, actor, directory, current)
        with self._ctx.database.write() as session:
            team, system = load_system(session, workspace_id=ws, system_id=system_id)
            before = system.stage
            system = repo.set_system_stage(
                session,
                workspace_id=ws,
                system_id=system_id,
                stage=Stage(stage),
                changed_by=actor.user_id,
                now=self._ctx.clock(),
            )
            if before != system.stage:
                _audit.record(
                    session,
                    actor,
                    "team.stage_changed",
                    at=self._ctx.clock(),
                    team_id=team_id,
                    system=system_id,
                    before=before,
                    after=system.stage,
                    **(extra or {}),
                )
            return system_view(session, team, system)

    def set_language(
        self, actor: Actor, directory: Directory, team_id: int, language: str
    ) -> TeamInfo:
        """The language of the team's channel messages (its members or admins)."""
        if language not in LANGUAGES:
            raise Invalid("error.unknown_language", language=language)

        def change(session: Session, team: Team) -> _Changed:
            before = team.language
            team = repo.set_language(
                session, workspace_id=actor.workspace_id, team_id=team_id, language=language
            )
            return team, ("team.language_changed", {"before": before, "after": language})

        return self._change(actor, directory, team_id, Action.LANGUAGE, change)

    def set_schedule(
        self, actor: Actor, directory: Directory, team_id: int, schedule: Schedule | None
    ) -> TeamInfo:
        """When the team is asked to check in; None turns check-ins off (its members or
        admins). The zone is stored in its canonical spelling."""
        tz: str | None = None
        if schedule is not None:
            try:
                tz = normalize_tz(schedule.tz)
            except ValueError:
                raise Invalid("error.unknown_timezone", tz=schedule.tz) from None

        def change(session: Session, team: Team) -> _Changed:
            if schedule is None or tz is None:
                cadence, weekday, local_time, zone = OFF, team.weekday, team.local_time, team.tz
            else:
                cadence, weekday = schedule.cadence.value, schedule.weekday
                local_time, zone = f"{schedule.at:%H:%M}", tz
            team = repo.set_schedule(
                session,
                workspace_id=actor.workspace_id,
                team_id=team_id,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                tz=zone,
            )
            detail = {"cadence": cadence, "weekday": weekday, "local_time": local_time, "tz": zone}
            return team, ("team.schedule_changed", detail)

        return self._change(actor, directory, team_id, Action.SCHEDULE, change)

    def set_paused_until(
        self, actor: Actor, directory: Directory, team_id: int, until: date | None
    ) -> TeamInfo:
        """Pause check-ins until a date, inclusive (a holiday), or resume them with None."""

        def change(session: Session, team: Team) -> _Changed:
            team = repo.set_paused_until(
                session, workspace_id=actor.workspace_id, team_id=team_id, paused_until=until
            )
            detail = {"until": until.isoformat() if until else None}
            return team, ("team.paused" if until else "team.resumed", detail)

        return self._change(actor, directory, team_id, Action.SCHEDULE, change)

    def set_leads(
        self, actor: Actor, directory: Directory, team_id: int, leads: Sequence[str]
    ) -> TeamInfo:
        """The people reminders are addressed to (its members or admins)."""
        unique = list(dict.fromkeys(lead for lead in leads if lead))

        def change(session: Session, team: Team) -> _Changed:
            team = self._update(session, actor, team_id, leads=unique)
            return team, ("team.leads_changed", {"leads": unique})

        return self._change(actor, directory, team_id, Action.LEADS, change)

    def _update(self, session: Session, actor: Actor, team_id: int, **fields: Any) -> Team:
        """The team's row with `fields` changed by `actor` now (versioned fields join their
        history)."""
        return repo.update_team(
            session,
            workspace_id=actor.workspace_id,
            team_id=team_id,
            changed_by=actor.user_id,
            now=self._ctx.clock(),
            **fields,
        )

    def _change(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        action: Action,
        change: Callable[[Session, Team], _Changed],
    ) -> TeamInfo:
        """One setting of a team, the same way for each: ask the rule, load the row (locked),
        apply the change, audit what it reports, return the team as it now is.

        The rule is asked before the write transaction: it may have to ask Slack, and SQLite
        writers would wait behind that call."""
        self._ctx.require(action, actor, directory, self.get_team(actor.workspace_id, team_id))
        with self._ctx.database.write() as session:
            current = load_team(
                session, workspace_id=actor.workspace_id, team_id=team_id, for_update=True
            )
            team, audit = change(session, current)
            if audit is not None:
                _audit.record(
                    session,
                    actor,
                    audit[0],
                    at=self._ctx.clock(),
                    team_id=team_id,
                    **audit[1],
                )
            return team_info(team)


# A changed row, and the audit entry to write for it (None: nothing changed).
_Changed = tuple[Team, tuple[str, dict[str, Any]] | None]


def _check_channel(directory: Directory, channel_id: str) -> ChannelFacts:
    """A team's channel must be a channel of this workspace, not a direct message, where the
    bot can post (check-ins, reminders and summaries go there)."""
    if not channel_id or channel_id.startswith("D"):
        # Direct message ids start with D; conversations.info would need im:read to say so.
        raise Invalid("error.channel_is_dm")
    facts = directory.channel(channel_id)
    if not facts.found:
        raise Invalid("error.channel_not_found", channel=channel_id)
    if facts.direct:
        raise Invalid("error.channel_is_dm")
    if facts.archived:
        raise Invalid("error.channel_archived", channel=channel_id)
    if not facts.bot_member:
        raise Invalid("error.bot_not_in_channel", channel=channel_id)
    return facts
