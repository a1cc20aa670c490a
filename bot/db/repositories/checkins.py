"""Check-ins: one per system and period, open until answered or skipped; a call without a
system means the team's primary system."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.db.repositories.due import mark_due
from bot.db.repositories.teams import require_team, resolve_system_id, system_or_primary
from bot.db.tables import CHECKIN_STATUSES, CheckIn, System
from bot.db.upsert import upsert_insert


def upsert_checkin(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    period_key: str,
    now: datetime,
    status: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    system_id: int | None = None,
) -> CheckIn:
    """Create the system's check-in for the period ("open") or update the fields given."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    system = resolve_system_id(
        session, workspace_id=workspace_id, team_id=team_id, system_id=system_id
    )
    if status is not None and status not in CHECKIN_STATUSES:
        raise ValueError(f"check-in status must be one of {CHECKIN_STATUSES}, not {status!r}")
    insert = upsert_insert(session, CheckIn).values(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system,
        period_key=period_key,
        status=status or "open",
        channel_id=channel_id,
        message_ts=message_ts,
        created_at=now,
        updated_at=now,
    )
    updates: dict[str, Any] = {"updated_at": insert.excluded.updated_at}
    for name, value in (("status", status), ("channel_id", channel_id), ("message_ts", message_ts)):
        if value is not None:
            updates[name] = getattr(insert.excluded, name)
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "system_id", "period_key"], set_=updates
        )
    )
    if status is not None:
        # Answered or skipped: its reminder is off. (The tick recording a post passes no
        # status and works out the next due time itself.)
        mark_due(session, workspace_id=workspace_id)
    checkin = get_checkin(
        session,
        workspace_id=workspace_id,
        team_id=team_id,
        period_key=period_key,
        system_id=system,
    )
    assert checkin is not None
    return checkin


def upsert_posted_checkins(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """upsert_checkin without a status for many posted check-ins at once, each row naming its
    workspace_id, team_id, system_id (an existing system of that team), period_key,
    channel_id, message_ts (None keeps the one stored) and now: one INSERT per kind of row."""
    for with_ts in (True, False):
        values = [
            {
                "workspace_id": row["workspace_id"],
                "team_id": row["team_id"],
                "system_id": row["system_id"],
                "period_key": row["period_key"],
                "status": "open",
                "channel_id": row["channel_id"],
                "message_ts": row["message_ts"],
                "created_at": row["now"],
                "updated_at": row["now"],
            }
            for row in rows
            if (row["message_ts"] is not None) is with_ts
        ]
        if not values:
            continue
        insert = upsert_insert(session, CheckIn).values(values)
        updates: dict[str, Any] = {
            "updated_at": insert.excluded.updated_at,
            "channel_id": insert.excluded.channel_id,
        }
        if with_ts:
            updates["message_ts"] = insert.excluded.message_ts
        session.exec(
            insert.on_conflict_do_update(
                index_elements=["workspace_id", "system_id", "period_key"], set_=updates
            )
        )


def mark_checkin(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    period_key: str,
    status: str,
    now: datetime,
    system_id: int | None = None,
) -> CheckIn:
    """Set the status of the system's check-in for the period, creating it when missing."""
    return upsert_checkin(
        session,
        workspace_id=workspace_id,
        team_id=team_id,
        period_key=period_key,
        status=status,
        now=now,
        system_id=system_id,
    )


def get_checkin(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    period_key: str,
    system_id: int | None = None,
) -> CheckIn | None:
    return session.exec(
        select(CheckIn)
        .where(
            CheckIn.workspace_id == workspace_id,
            CheckIn.team_id == team_id,
            CheckIn.system_id == system_or_primary(workspace_id, team_id, system_id),
            CheckIn.period_key == period_key,
        )
        .execution_options(populate_existing=True)
    ).first()


def newest_checkin_period(session: Session, *, workspace_id: int, system_id: int) -> str | None:
    """The period of the system's most recently asked check-in, if any."""
    return session.exec(
        select(CheckIn.period_key)
        .where(CheckIn.workspace_id == workspace_id, CheckIn.system_id == system_id)
        .order_by(col(CheckIn.created_at).desc(), col(CheckIn.id).desc())
        .limit(1)
    ).first()


def checkin_statuses(
    session: Session, *, workspace_id: int, period_keys: Collection[str]
) -> dict[tuple[int, str], str]:
    """(team id, period key) -> status, for the workspace's check-ins of `period_keys`. A team
    with several systems is "open" while any of its active systems' check-ins is (an archived
    system's check-in keeps nothing open)."""
    return checkin_statuses_of(session, period_keys={workspace_id: period_keys})[workspace_id]


def checkin_statuses_of(
    session: Session, *, period_keys: Mapping[int, Collection[str]]
) -> dict[int, dict[tuple[int, str], str]]:
    """checkin_statuses of many workspaces (workspace id -> its period keys), in one query."""
    found: dict[int, dict[tuple[int, str], str]] = {ws: {} for ws in period_keys}
    every = sorted({key for keys in period_keys.values() for key in keys})
    if not every:
        return found
    rows = session.exec(
        select(CheckIn.workspace_id, CheckIn.team_id, CheckIn.period_key, CheckIn.status)
        .join(System, col(System.id) == CheckIn.system_id)
        .where(
            col(CheckIn.workspace_id).in_(list(found)),
            col(CheckIn.period_key).in_(every),
            col(System.archived_at).is_(None),
        )
    ).all()
    for workspace_id, team_id, key, status in rows:
        statuses = found[workspace_id]
        if key in period_keys[workspace_id] and statuses.get((team_id, key)) != "open":
            statuses[(team_id, key)] = status
    return found


def system_checkin_statuses(
    session: Session, *, workspace_id: int, period_keys: Collection[str]
) -> dict[tuple[int, str], str]:
    """(system id, period key) -> status, for the workspace's check-ins of `period_keys`."""
    found = system_checkin_statuses_of(session, period_keys={workspace_id: period_keys})
    return found[workspace_id]


def system_checkin_statuses_of(
    session: Session, *, period_keys: Mapping[int, Collection[str]]
) -> dict[int, dict[tuple[int, str], str]]:
    """system_checkin_statuses of many workspaces, in one query."""
    found: dict[int, dict[tuple[int, str], str]] = {ws: {} for ws in period_keys}
    every = sorted({key for keys in period_keys.values() for key in keys})
    if not every:
        return found
    rows = session.exec(
        select(CheckIn.workspace_id, CheckIn.system_id, CheckIn.period_key, CheckIn.status).where(
            col(CheckIn.workspace_id).in_(list(found)), col(CheckIn.period_key).in_(every)
        )
    ).all()
    for workspace_id, system_id, key, status in rows:
        if key in period_keys[workspace_id]:
            found[workspace_id][(system_id, key)] = status
    return found


def list_checkins(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    status: str | None = None,
    system_id: int | None = None,
) -> list[CheckIn]:
    """The system's check-ins, oldest period first."""
    statement = select(CheckIn).where(
        CheckIn.workspace_id == workspace_id,
        CheckIn.team_id == team_id,
        CheckIn.system_id == system_or_primary(workspace_id, team_id, system_id),
    )
    if status is not None:
        statement = statement.where(CheckIn.status == status)
    return list(session.exec(statement.order_by(col(CheckIn.period_key))).all())
