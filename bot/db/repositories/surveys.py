"""Criteria survey rounds and their votes; at most one round is open per workspace."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from bot.db.errors import Closed, NotFound
from bot.db.tables import SurveyRound, SurveyVote
from bot.db.upsert import upsert_insert
from rubric.model import Requirement, Stage


class VoteInput(NamedTuple):
    item_id: str
    stage: Stage
    requirement: Requirement
    comment: str = ""


def open_survey_round(
    session: Session,
    *,
    workspace_id: int,
    opened_by: str,
    now: datetime,
    anonymous: bool = True,
    channel_id: str | None = None,
) -> tuple[SurveyRound, bool]:
    """Open a round; when one is open already, return it instead. The flag says if it is new."""
    inserted = session.exec(
        upsert_insert(session, SurveyRound)
        .values(
            workspace_id=workspace_id,
            status="open",
            anonymous=anonymous,
            channel_id=channel_id,
            opened_by=opened_by,
            opened_at=now,
        )
        # the only unique key that can clash is "one open round per workspace"
        .on_conflict_do_nothing()
        .returning(col(SurveyRound.id))
    ).scalar()
    current = get_open_survey_round(session, workspace_id=workspace_id)
    assert current is not None
    return current, inserted is not None


def get_open_survey_round(session: Session, *, workspace_id: int) -> SurveyRound | None:
    return session.exec(
        select(SurveyRound)
        .where(SurveyRound.workspace_id == workspace_id, SurveyRound.status == "open")
        .execution_options(populate_existing=True)
    ).first()


def get_survey_round(session: Session, *, workspace_id: int, round_id: int) -> SurveyRound | None:
    return session.exec(
        select(SurveyRound)
        .where(SurveyRound.workspace_id == workspace_id, SurveyRound.id == round_id)
        .execution_options(populate_existing=True)
    ).first()


def list_survey_rounds(session: Session, *, workspace_id: int) -> list[SurveyRound]:
    """Every round, newest first."""
    return list(
        session.exec(
            select(SurveyRound)
            .where(SurveyRound.workspace_id == workspace_id)
            .order_by(col(SurveyRound.id).desc())
        ).all()
    )


def set_survey_message(
    session: Session, *, workspace_id: int, round_id: int, channel_id: str, message_ts: str
) -> SurveyRound:
    survey = _require(session, workspace_id=workspace_id, round_id=round_id)
    survey.channel_id, survey.message_ts = channel_id, message_ts
    session.add(survey)
    session.flush()
    return survey


def save_votes(
    session: Session,
    *,
    workspace_id: int,
    round_id: int,
    user_id: str,
    votes: Iterable[VoteInput],
    now: datetime,
) -> int:
    """Record (or change) a participant's votes in an open round; returns how many were given."""
    survey = _require(session, workspace_id=workspace_id, round_id=round_id)
    if survey.status != "open":
        raise Closed(f"survey round {round_id} is closed")
    rows = [
        {
            "workspace_id": workspace_id,
            "round_id": round_id,
            "user_id": user_id,
            "item_id": vote.item_id,
            "stage": Stage(vote.stage).value,
            "requirement": Requirement(vote.requirement).value,
            "comment": vote.comment,
            "updated_at": now,
        }
        for vote in votes
    ]
    if not rows:
        return 0
    insert = upsert_insert(session, SurveyVote)
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["round_id", "user_id", "item_id", "stage"],
            set_={
                "requirement": insert.excluded.requirement,
                "comment": insert.excluded.comment,
                "updated_at": insert.excluded.updated_at,
            },
        ),
        params=rows,
    )
    return len(rows)


def survey_votes(
    session: Session, *, workspace_id: int, round_id: int, user_id: str | None = None
) -> list[SurveyVote]:
    """The round's votes (optionally one participant's), by item, stage and user."""
    statement = select(SurveyVote).where(
        SurveyVote.workspace_id == workspace_id, SurveyVote.round_id == round_id
    )
    if user_id is not None:
        statement = statement.where(SurveyVote.user_id == user_id)
    return list(
        session.exec(
            statement.order_by(
                col(SurveyVote.item_id), col(SurveyVote.stage), col(SurveyVote.user_id)
            ).execution_options(populate_existing=True)
        ).all()
    )


def close_survey_round(
    session: Session, *, workspace_id: int, round_id: int, now: datetime
) -> SurveyRound:
    """Close the round (closing a closed round changes nothing)."""
    survey = _require(session, workspace_id=workspace_id, round_id=round_id)
    if survey.status == "open":
        survey.status, survey.closed_at = "closed", now
        session.add(survey)
        session.flush()
    return survey


def _require(session: Session, *, workspace_id: int, round_id: int) -> SurveyRound:
    # locked on PostgreSQL, so a vote and the closing of its round cannot interleave
    survey = session.exec(
        select(SurveyRound)
        .where(SurveyRound.workspace_id == workspace_id, SurveyRound.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if survey is None:
        raise NotFound(f"survey round {round_id}")
    return survey
