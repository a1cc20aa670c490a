"""Each person's answers to a system's check-in for a period, and each team's consensus settings.

A person has at most one answer (and, as a lead, one resolution) per system and period: a later
submit replaces the earlier one, so the agreed result always counts each person once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from bot.db.repositories.due import mark_due
from bot.db.tables import Response, ResponseAnswer, TeamResponseSettings


class ResponseAnswerRow(NamedTuple):
    item_id: str
    choice: str
    note: str = ""
    note_by: str | None = None
    evidence_url: str = ""
    evidence_label: str = ""


@dataclass(frozen=True)
class StoredResponse:
    respondent: str
    kind: str
    submitted_at: datetime
    answers: tuple[ResponseAnswerRow, ...]
    submission_key: str = ""

    def choices(self) -> dict[str, str]:
        return {answer.item_id: answer.choice for answer in self.answers}


def get_settings(
    session: Session, *, workspace_id: int, team_id: int
) -> TeamResponseSettings | None:
    return session.get(TeamResponseSettings, (workspace_id, team_id))


def update_settings(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    consensus: str | None = None,
    anonymous: bool | None = None,
    dm_reminders: bool | None = None,
) -> TeamResponseSettings:
    """Change the given settings (None: keep), creating the team's row on first use."""
    row = get_settings(session, workspace_id=workspace_id, team_id=team_id)
    if row is None:
        row = TeamResponseSettings(workspace_id=workspace_id, team_id=team_id)
    if consensus is not None:
        row.consensus = consensus
    if anonymous is not None:
        row.anonymous = anonymous
    if dm_reminders is not None:
        row.dm_reminders = dm_reminders
        # Who is reminded, and how, changes what the scheduler has to send.
        mark_due(session, workspace_id=workspace_id)
    session.add(row)
    session.flush()
    return row


def reminder_teams(session: Session, *, workspace_id: int) -> frozenset[int]:
    """The teams that asked for DM reminders to the people who have not answered."""
    return reminder_teams_of(session, workspace_ids=[workspace_id])[workspace_id]


def reminder_teams_of(
    session: Session, *, workspace_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """reminder_teams of many workspaces, in one query."""
    rows = session.exec(
        select(TeamResponseSettings.workspace_id, TeamResponseSettings.team_id).where(
            col(TeamResponseSettings.workspace_id).in_(list(workspace_ids)),
            col(TeamResponseSettings.dm_reminders).is_(True),
        )
    ).all()
    return {
        workspace_id: frozenset(team for ws, team in rows if ws == workspace_id)
        for workspace_id in workspace_ids
    }


def response_key_used(session: Session, *, workspace_id: int, submission_key: str) -> bool:
    found = session.exec(
        select(Response.id).where(
            Response.workspace_id == workspace_id, Response.submission_key == submission_key
        )
    ).first()
    return found is not None


def save_response(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    system_id: int,
    period_key: str,
    respondent: str,
    kind: str,
    answers: Iterable[ResponseAnswerRow],
    submitted_at: datetime,
    submission_key: str,
) -> int:
    """Store the person's response for the period, replacing their earlier one of that kind."""
    earlier = session.exec(
        select(Response.id).where(
            Response.workspace_id == workspace_id,
            Response.system_id == system_id,
            Response.period_key == period_key,
            Response.respondent == respondent,
            Response.kind == kind,
        )
    ).first()
    if earlier is not None:
        session.exec(delete(ResponseAnswer).where(col(ResponseAnswer.response_id) == earlier))
        session.exec(delete(Response).where(col(Response.id) == earlier))
    row = Response(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system_id,
        period_key=period_key,
        respondent=respondent,
        kind=kind,
        submitted_at=submitted_at,
        submission_key=submission_key,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    params = [
        {
            "response_id": row.id,
            "item_id": a.item_id,
            "choice": a.choice,
            "note": a.note,
            "note_by": a.note_by,
            "evidence_url": a.evidence_url,
            "evidence_label": a.evidence_label,
        }
        for a in answers
    ]
    if params:
        session.exec(insert(ResponseAnswer), params=params)
    return row.id


def period_responses(
    session: Session, *, workspace_id: int, system_id: int, period_key: str
) -> list[StoredResponse]:
    """Every response of the system's period, oldest first, with its answers (two queries)."""
    rows = session.exec(
        select(Response)
        .where(
            Response.workspace_id == workspace_id,
            Response.system_id == system_id,
            Response.period_key == period_key,
        )
        .order_by(col(Response.submitted_at), col(Response.id))
    ).all()
    ids = [row.id for row in rows]
    answers: dict[int, list[ResponseAnswerRow]] = {}
    if ids:
        for answer in session.exec(
            select(ResponseAnswer)
            .where(col(ResponseAnswer.response_id).in_(ids))
            .order_by(col(ResponseAnswer.item_id))
        ).all():
            answers.setdefault(answer.response_id, []).append(
                ResponseAnswerRow(
                    answer.item_id,
                    answer.choice,
                    answer.note,
                    answer.note_by,
                    answer.evidence_url,
                    answer.evidence_label,
                )
            )
    return [
        StoredResponse(
            row.respondent,
            row.kind,
            row.submitted_at,
            tuple(answers.get(row.id, [])),
            row.submission_key,
        )
        for row in rows
        if row.id is not None
    ]


def latest_period(
    session: Session, *, workspace_id: int, system_id: int, kind: str | None = None
) -> str | None:
    """The period of the system's newest response (of that kind), if any."""
    where = [Response.workspace_id == workspace_id, Response.system_id == system_id]
    if kind is not None:
        where.append(Response.kind == kind)
    return session.exec(
        select(Response.period_key)
        .where(*where)
        .order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
        .limit(1)
    ).first()
