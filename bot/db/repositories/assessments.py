"""Assessments and their answers: saving (idempotently), the scorecard and the trend.

An assessment is of one system; a call without `system_id` means the team's primary system.

Answers are always fetched with one query per call, whatever the number of assessments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, and_, func, insert, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.db.errors import NotFound
from bot.db.repositories.due import mark_due
from bot.db.repositories.teams import require_team, resolve_system_id, system_or_primary
from bot.db.tables import Assessment, AssessmentAnswer, System
from bot.db.upsert import dialect_name, upsert_insert
from rubric.model import Answer, Snapshot, Stage

_S = TypeVar("_S", bound=SelectOfScalar[Any])

AnswerInput = Answer | tuple[str, str, str]
"""An answer to save: a rubric Answer, or (item_id, choice, note)."""


class AnswerRow(NamedTuple):
    """One stored answer. Loaded as plain rows, not ORM objects: a trend holds thousands."""

    assessment_id: int
    item_id: str
    choice: str
    note: str
    note_by: str | None = None
    """Who wrote the note; None: the assessment's submitter (or no note)."""
    evidence_url: str = ""
    evidence_label: str = ""


@dataclass(frozen=True)
class AssessmentRecord:
    """One assessment with its answers (by item id order)."""

    assessment: Assessment
    answers: tuple[AnswerRow, ...]

    @property
    def id(self) -> int:
        assert self.assessment.id is not None
        return self.assessment.id

    def snapshot(self) -> Snapshot:
        """The assessment as the rubric domain sees it."""
        return Snapshot(
            stage=Stage(self.assessment.stage),
            answers={
                a.item_id: Answer(
                    item_id=a.item_id,
                    choice=a.choice,
                    note=a.note,
                    evidence_url=a.evidence_url,
                    evidence_label=a.evidence_label,
                )
                for a in self.answers
            },
            note=self.assessment.note,
        )


class SavedAssessment(NamedTuple):
    id: int
    created: bool
    """False when the submission key had been used already (a repeated submit)."""


def save_assessment(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    rubric_id: str,
    rubric_version: str,
    criteria_version: int | None,
    stage: Stage,
    answers: Iterable[AnswerInput],
    note: str = "",
    submitted_by: str,
    submitted_at: datetime,
    period_key: str | None = None,
    submission_key: str,
    note_authors: Mapping[str, str] | None = None,
    system_id: int | None = None,
) -> SavedAssessment:
    """Store an assessment once per submission key; a repeat returns the first one's id.

    `note_authors` names who wrote each item's note; a note not named there is the
    submitter's."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    system = resolve_system_id(
        session, workspace_id=workspace_id, team_id=team_id, system_id=system_id
    )
    statement = (
        upsert_insert(session, Assessment)
        .values(
            workspace_id=workspace_id,
            team_id=team_id,
            system_id=system,
            rubric_id=rubric_id,
            rubric_version=rubric_version,
            criteria_version=criteria_version,
            stage=Stage(stage).value,
            period_key=period_key,
            submitted_by=submitted_by,
            submitted_at=submitted_at,
            note=note,
            submission_key=submission_key,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "submission_key"])
        .returning(col(Assessment.id))
    )
    new_id = session.exec(statement).scalar()
    if new_id is None:
        existing = session.exec(
            select(Assessment.id).where(
                Assessment.workspace_id == workspace_id,
                Assessment.submission_key == submission_key,
            )
        ).one()
        assert existing is not None
        return SavedAssessment(existing, created=False)
    authors = note_authors or {}
    rows = [_answer_row(new_id, answer, authors, submitted_by) for answer in answers]
    if rows:
        session.exec(insert(AssessmentAnswer), params=rows)
    # An assessment in the period closes its check-in: no reminder for it.
    mark_due(session, workspace_id=workspace_id)
    return SavedAssessment(new_id, created=True)


def get_assessment(
    session: Session, *, workspace_id: int, assessment_id: int
) -> AssessmentRecord | None:
    assessment = session.exec(
        select(Assessment).where(
            Assessment.workspace_id == workspace_id, Assessment.id == assessment_id
        )
    ).first()
    return _with_answers(session, [assessment])[0] if assessment else None


def _of_system(workspace_id: int, team_id: int, system_id: int | None) -> list[ColumnElement[bool]]:
    return [
        col(Assessment.workspace_id) == workspace_id,
        col(Assessment.team_id) == team_id,
        col(Assessment.system_id) == system_or_primary(workspace_id, team_id, system_id),
    ]


def recent_assessments(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    count: int = 2,
    system_id: int | None = None,
) -> list[AssessmentRecord]:
    """The system's newest `count` assessments, newest first: the scorecard (latest +
    previous)."""
    assessments = session.exec(
        _newest_first(
            select(Assessment).where(*_of_system(workspace_id, team_id, system_id))
        ).limit(count)
    ).all()
    return _with_answers(session, assessments)


def latest_assessment(
    session: Session, *, workspace_id: int, team_id: int, system_id: int | None = None
) -> AssessmentRecord | None:
    records = recent_assessments(
        session, workspace_id=workspace_id, team_id=team_id, count=1, system_id=system_id
    )
    return records[0] if records else None


def previous_assessment(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    before: Assessment | int,
) -> AssessmentRecord | None:
    """The assessment of the same system just before `before` (by submission time, then id)."""
    if isinstance(before, int):
        found = session.exec(
            select(Assessment).where(
                Assessment.workspace_id == workspace_id, Assessment.id == before
            )
        ).first()
        if found is None:
            raise NotFound(f"assessment {before}")
        before = found
    earlier = or_(
        col(Assessment.submitted_at) < before.submitted_at,
        and_(
            col(Assessment.submitted_at) == before.submitted_at,
            col(Assessment.id) < before.id,
        ),
    )
    assessment = session.exec(
        _newest_first(
            select(Assessment).where(
                Assessment.workspace_id == workspace_id,
                Assessment.team_id == team_id,
                Assessment.system_id == before.system_id,
                earlier,
            )
        ).limit(1)
    ).first()
    return _with_answers(session, [assessment])[0] if assessment else None


def assessment_history(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    limit: int | None = None,
    since: datetime | None = None,
    system_id: int | None = None,
) -> list[AssessmentRecord]:
    """The system's assessments oldest first (the trend); with `limit`, only the newest ones."""
    statement = select(Assessment).where(*_of_system(workspace_id, team_id, system_id))
    if since is not None:
        statement = statement.where(col(Assessment.submitted_at) >= since)
    assessments = list(session.exec(_newest_first(statement).limit(limit)).all())
    assessments.reverse()
    return _with_answers(session, assessments)


def last_assessed_by_team(session: Session, *, workspace_id: int) -> dict[int, datetime]:
    """team id -> when its newest assessment was submitted (as stored), over all its systems."""
    return last_assessed_of(session, workspace_ids=[workspace_id], by=Assessment.team_id)[
        workspace_id
    ]


def last_assessed_by_system(session: Session, *, workspace_id: int) -> dict[int, datetime]:
    """system id -> when its newest assessment was submitted (as stored)."""
    return last_assessed_of(session, workspace_ids=[workspace_id], by=Assessment.system_id)[
        workspace_id
    ]


def last_assessed_of(
    session: Session, *, workspace_ids: Collection[int], by: Any
) -> dict[int, dict[int, datetime]]:
    """workspace id -> (the `by` column: team or system id) -> when its newest assessment was
    submitted (as stored), for many workspaces in one query."""
    found: dict[int, dict[int, datetime]] = {workspace_id: {} for workspace_id in workspace_ids}
    rows = session.exec(
        select(Assessment.workspace_id, by, func.max(Assessment.submitted_at))
        .where(col(Assessment.workspace_id).in_(list(found)))
        .group_by(col(Assessment.workspace_id), by)
    ).all()
    for workspace_id, key, at in rows:
        if at is not None:
            found[workspace_id][key] = at
    return found


def latest_assessments_for_teams(
    session: Session,
    *,
    workspace_id: int,
    team_ids: Sequence[int] | None = None,
    count: int = 1,
) -> dict[int, list[AssessmentRecord]]:
    """For each team of the workspace (or of `team_ids`), the newest `count` assessments of its
    primary system. Teams without assessments are absent. Three queries in all."""
    other = aliased(System)
    primary = (
        select(other.id)
        .where(other.workspace_id == System.workspace_id, other.team_id == System.team_id)
        .order_by(col(other.archived_at).is_not(None), col(other.id))
        .limit(1)
        .correlate(System)
        .scalar_subquery()
    )
    where: list[ColumnElement[bool]] = [col(System.id) == primary]
    if team_ids is not None:
        where.append(col(System.team_id).in_(list(team_ids)))
    by_team: dict[int, list[AssessmentRecord]] = defaultdict(list)
    for record in _latest(session, workspace_id, where, count):
        by_team[record.assessment.team_id].append(record)
    return dict(by_team)


def latest_assessments_for_systems(
    session: Session,
    *,
    workspace_id: int,
    system_ids: Sequence[int] | None = None,
    count: int = 1,
) -> dict[int, list[AssessmentRecord]]:
    """For each system of the workspace (or of `system_ids`), its newest `count` assessments.
    Systems without assessments are absent. Three queries in all."""
    where: list[ColumnElement[bool]] = []
    if system_ids is not None:
        where.append(col(System.id).in_(list(system_ids)))
    by_system: dict[int, list[AssessmentRecord]] = defaultdict(list)
    for record in _latest(session, workspace_id, where, count):
        by_system[record.assessment.system_id].append(record)
    return dict(by_system)


def _latest(
    session: Session, workspace_id: int, where: list[ColumnElement[bool]], count: int
) -> list[AssessmentRecord]:
    """The newest `count` assessments of each system matching `where`, newest first: ids,
    assessments, answers."""
    newest = _newest_first(
        select(Assessment.id).where(
            Assessment.system_id == System.id, Assessment.workspace_id == workspace_id
        )
    ).limit(count)
    if dialect_name(session) == "postgresql":
        latest = newest.lateral("latest")
        ids_statement = select(latest.c.id).select_from(System).join(latest, true())
    else:
        # SQLite has no LATERAL; a correlated IN walks the same index once per system.
        ids_statement = (
            select(Assessment.id)
            .select_from(System)
            .join(Assessment, col(Assessment.id).in_(newest.correlate(System).scalar_subquery()))
        )
    ids = list(
        session.exec(ids_statement.where(col(System.workspace_id) == workspace_id, *where)).all()
    )
    if not ids:
        return []
    assessments = session.exec(
        _newest_first(
            select(Assessment).where(
                Assessment.workspace_id == workspace_id, col(Assessment.id).in_(ids)
            )
        )
    ).all()
    return _with_answers(session, assessments)


def _newest_first(statement: _S) -> _S:
    return statement.order_by(col(Assessment.submitted_at).desc(), col(Assessment.id).desc())


_ANSWERS = AssessmentAnswer.__table__.c  # type: ignore[attr-defined]  # SQLModel hides __table__


def _with_answers(session: Session, assessments: Sequence[Assessment]) -> list[AssessmentRecord]:
    ids = [a.id for a in assessments]
    answers: dict[int, list[AnswerRow]] = defaultdict(list)
    if ids:
        # A Core select of table columns: the rows skip the ORM's per-row processing, a large
        # share of a trend's time (about 2,900 rows for two years of weekly assessments).
        rows = session.connection().execute(
            sa_select(
                _ANSWERS.assessment_id,
                _ANSWERS.item_id,
                _ANSWERS.choice,
                _ANSWERS.note,
                _ANSWERS.note_by,
                _ANSWERS.evidence_url,
                _ANSWERS.evidence_label,
            )
            .where(_ANSWERS.assessment_id.in_(ids))
            .order_by(_ANSWERS.assessment_id, _ANSWERS.item_id)
        )
        for row in rows.all():
            answers[row.assessment_id].append(AnswerRow(*row))
    return [AssessmentRecord(a, tuple(answers[a.id])) for a in assessments if a.id is not None]


def _answer_row(
    assessment_id: int, answer: AnswerInput, authors: Mapping[str, str], submitter: str
) -> dict[str, object]:
    url = label = ""
    if isinstance(answer, Answer):
        item_id, choice, note = answer.item_id, answer.choice, answer.note
        url, label = answer.evidence_url, answer.evidence_label
    else:
        item_id, choice, note = answer
    return {
        "evidence_url": url,
        "evidence_label": label,
        "assessment_id": assessment_id,
        "item_id": item_id,
        "choice": choice,
        "note": note,
        "note_by": authors.get(item_id, submitter) if note else None,
    }
