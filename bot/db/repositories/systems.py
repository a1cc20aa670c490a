"""ML systems: a team owns one or more; each has its own stage, schedule and history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.db.errors import AlreadyExists, NotFound
from bot.db.repositories.due import mark_due
from bot.db.repositories.teams import move_stage, require_team, sync_team_stage
from bot.db.tables import CADENCES, StageChange, System
from bot.db.upsert import upsert_insert
from bot.usertext import name_key
from rubric.model import Stage


def create_system(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    name: str,
    stage: Stage,
    created_by: str | None = None,
    now: datetime,
) -> System:
    """A new system of the team; raises AlreadyExists when the team has one of that name
    (ignoring case), archived ones included (an archived system keeps its history)."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    statement = (
        upsert_insert(session, System)
        .values(
            workspace_id=workspace_id,
            team_id=team_id,
            name=name.strip(),
            name_key=name_key(name),
            stage=Stage(stage).value,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "team_id", "name_key"])
        .returning(col(System.id))
    )
    system_id = session.exec(statement).scalar()
    if system_id is None:
        raise AlreadyExists(f"a system named {name!r} already exists in team {team_id}")
    session.add(
        StageChange(
            workspace_id=workspace_id,
            team_id=team_id,
            system_id=system_id,
            previous_stage=None,
            stage=Stage(stage).value,
            changed_by=created_by,
            changed_at=now,
        )
    )
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return require_system(session, workspace_id=workspace_id, system_id=system_id)


def get_system(
    session: Session, *, workspace_id: int, system_id: int, for_update: bool = False
) -> System | None:
    """The system, or None when it does not exist in this workspace."""
    statement = select(System).where(System.workspace_id == workspace_id, System.id == system_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement.execution_options(populate_existing=True)).first()


def require_system(
    session: Session, *, workspace_id: int, system_id: int, for_update: bool = False
) -> System:
    system = get_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=for_update
    )
    if system is None:
        raise NotFound(f"system {system_id}")
    return system


def list_systems(
    session: Session,
    *,
    workspace_id: int,
    team_ids: Sequence[int] | None = None,
    include_archived: bool = False,
) -> list[System]:
    """The workspace's systems (or those of `team_ids`), by team then name."""
    statement = select(System).where(System.workspace_id == workspace_id)
    if team_ids is not None:
        statement = statement.where(col(System.team_id).in_(list(team_ids)))
    if not include_archived:
        statement = statement.where(col(System.archived_at).is_(None))
    return list(session.exec(statement.order_by(col(System.team_id), col(System.name_key))).all())


def systems_of(session: Session, *, workspace_ids: Collection[int]) -> dict[int, list[System]]:
    """workspace id -> its active systems by team then name (list_systems of many workspaces,
    one query)."""
    found: dict[int, list[System]] = {workspace_id: [] for workspace_id in workspace_ids}
    rows = session.exec(
        select(System)
        .where(col(System.workspace_id).in_(list(found)), col(System.archived_at).is_(None))
        .order_by(col(System.team_id), col(System.name_key))
    ).all()
    for row in rows:
        found[row.workspace_id].append(row)
    return found


def team_systems(session: Session, *, teams: Collection[tuple[int, int]]) -> list[System]:
    """The active systems of these (workspace id, team id), in one query, by team then name."""
    if not teams:
        return []
    workspaces = sorted({workspace_id for workspace_id, _ in teams})
    statement = select(System).where(
        col(System.workspace_id).in_(workspaces),
        col(System.team_id).in_(sorted({team_id for _, team_id in teams})),
        col(System.archived_at).is_(None),
    )
    rows = session.exec(statement.order_by(col(System.team_id), col(System.name_key))).all()
    return [row for row in rows if (row.workspace_id, row.team_id) in teams]


def find_systems(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    team_id: int | None = None,
    include_archived: bool = True,
) -> list[System]:
    """The systems with this name (ignoring case) in the workspace, or in one team."""
    statement = select(System).where(
        System.workspace_id == workspace_id, System.name_key == name_key(name)
    )
    if team_id is not None:
        statement = statement.where(System.team_id == team_id)
    if not include_archived:
        statement = statement.where(col(System.archived_at).is_(None))
    return list(session.exec(statement.order_by(col(System.id))).all())


def rename_system(session: Session, *, workspace_id: int, system_id: int, name: str) -> System:
    system = require_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=True
    )
    clash = find_systems(session, workspace_id=workspace_id, name=name, team_id=system.team_id)
    if any(other.id != system_id for other in clash):
        raise AlreadyExists(f"a system named {name!r} already exists in team {system.team_id}")
    system.name = name.strip()
    system.name_key = name_key(name)
    session.add(system)
    session.flush()
    # The name is on its check-in's buttons; planning again is cheap and keeps one rule.
    mark_due(session, workspace_id=workspace_id)
    return system


def archive_system(
    session: Session, *, workspace_id: int, system_id: int, now: datetime | None
) -> System:
    """Archive the system (keeping its history) at `now`, or bring it back with None."""
    system = require_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=True
    )
    system.archived_at = now
    session.add(system)
    session.flush()
    sync_team_stage(session, workspace_id=workspace_id, team_id=system.team_id)
    mark_due(session, workspace_id=workspace_id)
    return system


def set_system_stage(
    session: Session,
    *,
    workspace_id: int,
    system_id: int,
    stage: Stage,
    changed_by: str | None,
    now: datetime,
) -> System:
    """Move the system to `stage`; the change joins its stage history."""
    system = require_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=True
    )
    move_stage(session, system=system, stage=stage, changed_by=changed_by, now=now)
    return system


def set_system_schedule(
    session: Session,
    *,
    workspace_id: int,
    system_id: int,
    cadence: str | None,
    weekday: int | None = None,
    local_time: str | None = None,
    tz: str | None = None,
) -> System:
    """The system's own schedule; None in a field means "as the team's"."""
    if cadence is not None and cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, not {cadence!r}")
    if weekday is not None and not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    system = require_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=True
    )
    system.cadence, system.weekday, system.local_time, system.tz = cadence, weekday, local_time, tz
    session.add(system)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return system


def set_system_paused_until(
    session: Session, *, workspace_id: int, system_id: int, paused_until: date | None
) -> System:
    """Pause the system's check-ins until a date (inclusive), or resume them with None."""
    system = require_system(
        session, workspace_id=workspace_id, system_id=system_id, for_update=True
    )
    system.paused_until = paused_until
    session.add(system)
    session.flush()
    mark_due(session, workspace_id=workspace_id)
    return system
