"""Teams, their schedule and their stage history; every query is scoped to one workspace."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, update
from sqlmodel import Session, col, select

from bot.db.errors import AlreadyExists, NotFound
from bot.db.repositories.due import mark_due
from bot.db.tables import CADENCES, StageChange, System, Team
from bot.db.upsert import upsert_insert
from bot.usertext import name_key
from rubric.model import LANGUAGES, Stage

_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED
"""Default of update_team's fields: leave the column as it is (None means set it to NULL)."""


def team_target(team_id: int) -> str:
    """How a team is named in `deliveries.target` and `audit_log.target`."""
    return f"team:{team_id}"


def filed_under_team(target: str | None, team_id: int) -> ColumnElement[bool]:
    """`target` (a `deliveries.target` column) is the team's or filed under it: a lead's DM
    ("team:12/U0LEAD"), a system on a schedule of its own ("team:12/system:34"), a reminder
    DM or a plan owner's reminder. What erasing the team deletes, and so what its export holds."""
    own = team_target(team_id)
    return or_(col(target) == own, col(target).startswith(f"{own}/"))


def create_team(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    stage: Stage,
    rubric_id: str,
    channel_id: str | None = None,
    channel_private: bool | None = None,
    language: str = "en",
    leads: Sequence[str] = (),
    created_by: str | None = None,
    now: datetime,
) -> Team:
    """A new team with one system of the same name at `stage`; raises AlreadyExists when the
    name (ignoring case) is taken in the workspace."""
    _check_language(language)
    statement = (
        upsert_insert(session, Team)
        .values(
            workspace_id=workspace_id,
            name=name.strip(),
            name_key=name_key(name),
            channel_id=channel_id,
            channel_private=channel_private,
            stage=Stage(stage).value,
            rubric_id=rubric_id,
            language=language,
            leads=list(leads),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "name_key"])
        .returning(col(Team.id))
    )
    team_id = session.exec(statement).scalar()
    if team_id is None:
        raise AlreadyExists(f"a team named {name!r} already exists")
    system = System(
        workspace_id=workspace_id,
        team_id=team_id,
        name=name.strip(),
        name_key=name_key(name),
        stage=Stage(stage).value,
        created_at=now,
    )
    session.add(system)
    session.flush()
    assert system.id is not None
    session.add(
        StageChange(
            workspace_id=workspace_id,
            team_id=team_id,
            system_id=system.id,
            previous_stage=None,
            stage=Stage(stage).value,
            changed_by=created_by,
            changed_at=now,
        )
    )
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return _require(session, workspace_id=workspace_id, team_id=team_id)


def get_team(
    session: Session, *, workspace_id: int, team_id: int, for_update: bool = False
) -> Team | None:
    """The team, or None when it does not exist in this workspace.

    for_update locks the row on PostgreSQL for a read-modify-write (SQLite's BEGIN IMMEDIATE
    already serialises writers).
    """
    statement = select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement.execution_options(populate_existing=True)).first()


def get_team_by_name(session: Session, *, workspace_id: int, name: str) -> Team | None:
    """Case-insensitive lookup by name."""
    return session.exec(
        select(Team).where(Team.workspace_id == workspace_id, Team.name_key == name_key(name))
    ).first()


def get_team_by_channel(session: Session, *, workspace_id: int, channel_id: str) -> Team | None:
    """The one active team bound to the channel; None when there is none or more than one."""
    teams = list_teams(session, workspace_id=workspace_id, channel_id=channel_id)
    return teams[0] if len(teams) == 1 else None


def list_teams(
    session: Session,
    *,
    workspace_id: int,
    include_archived: bool = False,
    channel_id: str | None = None,
) -> list[Team]:
    """The workspace's teams by name; optionally only those bound to one channel."""
    statement = select(Team).where(Team.workspace_id == workspace_id)
    if not include_archived:
        statement = statement.where(col(Team.archived).is_(False))
    if channel_id is not None:
        statement = statement.where(Team.channel_id == channel_id)
    return list(session.exec(statement.order_by(col(Team.name_key))).all())


def teams_of(session: Session, *, workspace_ids: Collection[int]) -> dict[int, list[Team]]:
    """workspace id -> its active teams by name (list_teams of many workspaces, one query)."""
    found: dict[int, list[Team]] = {workspace_id: [] for workspace_id in workspace_ids}
    rows = session.exec(
        select(Team)
        .where(col(Team.workspace_id).in_(list(found)), col(Team.archived).is_(False))
        .order_by(col(Team.name_key))
    ).all()
    for row in rows:
        found[row.workspace_id].append(row)
    return found


def update_team(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    changed_by: str | None,
    now: datetime,
    name: str | _Unchanged = UNCHANGED,
    channel_id: str | _Unchanged | None = UNCHANGED,
    stage: Stage | _Unchanged = UNCHANGED,
    rubric_id: str | _Unchanged = UNCHANGED,
    leads: Sequence[str] | _Unchanged = UNCHANGED,
) -> Team:
    """Change the given fields; a stage change moves the team's primary system (and is
    appended to its stage history)."""
    team = _require(session, workspace_id=workspace_id, team_id=team_id, for_update=True)
    if name is not UNCHANGED:
        clash = get_team_by_name(session, workspace_id=workspace_id, name=name)
        if clash is not None and clash.id != team_id:
            raise AlreadyExists(f"a team named {name!r} already exists")
        team.name = name.strip()
        team.name_key = name_key(name)
    if channel_id is not UNCHANGED:
        team.channel_id = channel_id
    if rubric_id is not UNCHANGED:
        team.rubric_id = rubric_id
    if leads is not UNCHANGED:
        team.leads = list(leads)
    if stage is not UNCHANGED:
        system = primary_system(session, workspace_id=workspace_id, team_id=team_id)
        move_stage(session, system=system, stage=Stage(stage), changed_by=changed_by, now=now)
        team.stage = system.stage
    session.add(team)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return team


def set_schedule(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    cadence: str,
    weekday: int,
    local_time: str,
    tz: str,
) -> Team:
    """Set the check-in schedule; raises ValueError naming the wrong value."""
    if cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, not {cadence!r}")
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    if not _HH_MM.match(local_time):
        raise ValueError(f"local time must be HH:MM on a 24-hour clock, not {local_time!r}")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {tz!r}") from error
    team = _require(session, workspace_id=workspace_id, team_id=team_id, for_update=True)
    team.cadence, team.weekday, team.local_time, team.tz = cadence, weekday, local_time, tz
    session.add(team)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return team


def set_channel_private(
    session: Session, *, workspace_id: int, channel_id: str, private: bool
) -> None:
    """What Slack last said about a channel's privacy, for every team bound to it."""
    session.execute(
        update(Team)
        .where(col(Team.workspace_id) == workspace_id, col(Team.channel_id) == channel_id)
        .values(channel_private=private)
    )


def set_language(session: Session, *, workspace_id: int, team_id: int, language: str) -> Team:
    _check_language(language)
    team = _require(session, workspace_id=workspace_id, team_id=team_id, for_update=True)
    team.language = language
    session.add(team)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return team


def set_paused_until(
    session: Session, *, workspace_id: int, team_id: int, paused_until: date | None
) -> Team:
    """Pause check-ins until a date (inclusive), or resume them with None."""
    team = _require(session, workspace_id=workspace_id, team_id=team_id, for_update=True)
    team.paused_until = paused_until
    session.add(team)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return team


def archive_team(
    session: Session, *, workspace_id: int, team_id: int, archived: bool = True
) -> Team:
    team = _require(session, workspace_id=workspace_id, team_id=team_id, for_update=True)
    team.archived = archived
    session.add(team)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return team


def stage_version(
    session: Session, *, workspace_id: int, team_id: int, system_id: int | None = None
) -> int:
    """What tells one reading of a system's stage from another (default: the team's primary
    system): the id of its latest stage change (ids only grow), 0 when it has none."""
    latest = session.exec(
        select(func.max(StageChange.id)).where(
            StageChange.workspace_id == workspace_id,
            StageChange.team_id == team_id,
            StageChange.system_id == system_or_primary(workspace_id, team_id, system_id),
        )
    ).one()
    return int(latest or 0)


def stage_history(
    session: Session, *, workspace_id: int, team_id: int, system_id: int | None = None
) -> list[StageChange]:
    """A system's stage changes (default: the team's primary system), oldest first (the first
    one is the stage it was created with)."""
    return list(
        session.exec(
            select(StageChange)
            .where(
                StageChange.workspace_id == workspace_id,
                StageChange.team_id == team_id,
                StageChange.system_id == system_or_primary(workspace_id, team_id, system_id),
            )
            .order_by(col(StageChange.changed_at), col(StageChange.id))
        ).all()
    )


def primary_system_query(workspace_id: int, team_id: int) -> ScalarSelect[int | None]:
    """The id of the team's primary system, as a subquery: its oldest active system (its
    oldest system when all are archived). What a team-level call means by "the system"."""
    return (
        select(System.id)
        .where(System.workspace_id == workspace_id, System.team_id == team_id)
        .order_by(col(System.archived_at).is_not(None), col(System.id))
        .limit(1)
        .scalar_subquery()
    )


def system_or_primary(
    workspace_id: int, team_id: int, system_id: int | None
) -> int | ScalarSelect[int | None]:
    """What to compare a row's system_id with: the given system, or the team's primary one."""
    if system_id is not None:
        return system_id
    return primary_system_query(workspace_id, team_id)


def primary_system(session: Session, *, workspace_id: int, team_id: int) -> System:
    """The team's primary system (see primary_system_query); raises NotFound without one."""
    found = session.exec(
        select(System)
        .where(System.workspace_id == workspace_id, System.team_id == team_id)
        .order_by(col(System.archived_at).is_not(None), col(System.id))
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound(f"a system of team {team_id}")
    return found


def resolve_system_id(
    session: Session, *, workspace_id: int, team_id: int, system_id: int | None
) -> int:
    """The given system's id when it is one of the team's, else NotFound; None: the primary."""
    if system_id is None:
        found = primary_system(session, workspace_id=workspace_id, team_id=team_id).id
    else:
        found = session.exec(
            select(System.id).where(
                System.workspace_id == workspace_id,
                System.team_id == team_id,
                System.id == system_id,
            )
        ).first()
    if found is None:
        raise NotFound(f"system {system_id} of team {team_id}")
    return found


def move_stage(
    session: Session, *, system: System, stage: Stage, changed_by: str | None, now: datetime
) -> bool:
    """Put the system at `stage`, appending the change to its history; False when it was
    there already. Keeps the team's stage in step when the system is its primary one."""
    if Stage(stage).value == system.stage:
        return False
    assert system.id is not None
    session.add(
        StageChange(
            workspace_id=system.workspace_id,
            team_id=system.team_id,
            system_id=system.id,
            previous_stage=system.stage,
            stage=Stage(stage).value,
            changed_by=changed_by,
            changed_at=now,
        )
    )
    system.stage = Stage(stage).value
    session.add(system)
    session.flush()
    mark_due(session, workspace_id=system.workspace_id)
    sync_team_stage(session, workspace_id=system.workspace_id, team_id=system.team_id)
    return True


def sync_team_stage(session: Session, *, workspace_id: int, team_id: int) -> None:
    """Copy the primary system's stage onto the team row (after a stage move or an archive)."""
    system = primary_system(session, workspace_id=workspace_id, team_id=team_id)
    team = _require(session, workspace_id=workspace_id, team_id=team_id)
    if team.stage != system.stage:
        team.stage = system.stage
        session.add(team)
        session.flush()


def _require(
    session: Session, *, workspace_id: int, team_id: int, for_update: bool = False
) -> Team:
    team = get_team(session, workspace_id=workspace_id, team_id=team_id, for_update=for_update)
    if team is None:
        raise NotFound(f"team {team_id}")
    return team


def require_team(session: Session, *, workspace_id: int, team_id: int) -> Team:
    """Like get_team, but raises NotFound instead of returning None."""
    return _require(session, workspace_id=workspace_id, team_id=team_id)


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
