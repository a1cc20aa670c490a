"""A system's standing claims: its latest assessment's answers with the CI pushes since."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.db.tables import EvidencePush, System
from rubric.evidence import (
    NO_POLICY,
    Claim,
    EvidencePolicy,
    Push,
    PushResult,
    apply_pushes,
    claims_over,
)
from rubric.model import Answer, Rubric, Snapshot, Stage


def token_actor(token_id: int | None) -> str:
    """How a CI token appears as a confirmer (in claims and the audit log)."""
    return f"token:{token_id}"


def _answered(record: AssessmentRecord) -> dict[str, Claim]:
    """The claims an assessment's answers make, each confirmed when it was submitted."""
    assessment = record.assessment
    return {
        row.item_id: Claim(
            item_id=row.item_id,
            choice=row.choice,
            confirmed_at=assessment.submitted_at,
            confirmed_by=assessment.submitted_by,
            evidence_url=row.evidence_url,
            evidence_label=row.evidence_label,
        )
        for row in record.answers
    }


def claims_of(session: Session, rubric: Rubric, record: AssessmentRecord) -> dict[str, Claim]:
    """The claims of the assessment's system: each answer confirmed when it was submitted, then
    the pushes received since laid over (rubric.evidence.apply_pushes).

    A CI failure outlives check-ins that keep the item as it was (rubric.evidence.claims_over):
    for the items whose last push before this assessment failed, the assessments since the
    one that stood when it failed are replayed with those items' pushes. Only those: any other
    item's claims are this assessment's answers with the pushes since, as before. Derived
    when read, as every push's effect is, so that nothing new is stored; a pass at any level
    ends the look-back, as it ends the failing streak CI's notice names."""
    assessment = record.assessment
    ws, sid = assessment.workspace_id, assessment.system_id
    failing = repo.failing_before(
        session,
        workspace_id=ws,
        system_id=sid,
        item_ids=[item.id for item in rubric.items],
        before=assessment.submitted_at,
    )
    records = [record]
    if failing:
        records = _since_standing(session, record, min(failing.values()))
    pushes = repo.pushes_since(
        session, workspace_id=ws, system_id=sid, since=assessment.submitted_at
    )
    if len(records) > 1:
        earlier = repo.pushes_since(
            session,
            workspace_id=ws,
            system_id=sid,
            since=records[0].assessment.submitted_at,
            item_ids=failing,
        )
        pushes = [p for p in earlier if p.received_at < assessment.submitted_at] + pushes
    if not pushes:
        return _answered(record)
    system = session.get(System, sid)
    return claims_over(
        rubric,
        [(r.assessment.submitted_at, _answered(r)) for r in records],
        [_push(row) for row in pushes],
        allow_upgrade=bool(system is not None and system.pushed_upgrades),
    )


def counted_claims_of_each(
    session: Session, workspace_id: int, records: Mapping[int, tuple[Rubric, AssessmentRecord]]
) -> dict[int, dict[str, Claim]]:
    """system id -> its claims as levels and links count them (score and gaps), for a whole
    list of systems in two queries: their latest answers with the pushes since laid over.

    Without claims_of's look-back for failures, which are listed but count as no gap and no
    point: a list of systems needs only what counts."""
    since = {sid: record.assessment.submitted_at for sid, (_, record) in records.items()}
    pushed = repo.pushes_since_each(session, workspace_id=workspace_id, since=since)
    upgrades = repo.upgrades_allowed(session, workspace_id=workspace_id, system_ids=list(pushed))
    return {
        sid: apply_pushes(
            rubric,
            _answered(record),
            [_push(row) for row in pushed.get(sid, [])],
            allow_upgrade=sid in upgrades,
        )
        for sid, (rubric, record) in records.items()
    }


def _push(row: EvidencePush) -> Push:
    return Push(
        item_id=row.item_id,
        level=row.level,
        url=row.url,
        result=PushResult(row.result),
        at=row.received_at,
        by=token_actor(row.token_id),
    )


FAILURE_LOOKBACK = 12
"""Check-ins a CI failure is carried through without CI reporting the item again (a quarter's
weekly ones)."""


def _since_standing(
    session: Session, record: AssessmentRecord, at: datetime
) -> list[AssessmentRecord]:
    """The system's assessments from the one standing at `at` to `record`, oldest first (only
    those since the last one on another rubric: its answers claim nothing now), and no more
    than FAILURE_LOOKBACK since it: a failure CI has not reported again in more check-ins than
    that is no longer carried, so that reading a scorecard does not grow every week it goes on."""
    assessment = record.assessment
    since = repo.assessment_history(
        session,
        workspace_id=assessment.workspace_id,
        team_id=assessment.team_id,
        since=at,
        system_id=assessment.system_id,
        limit=FAILURE_LOOKBACK,
    )
    ids = [r.id for r in since]
    records = since[: ids.index(record.id) + 1] if record.id in ids else [record]
    standing = repo.previous_assessment(
        session,
        workspace_id=assessment.workspace_id,
        team_id=assessment.team_id,
        before=records[0].assessment,
    )
    if standing is not None:
        records.insert(0, standing)
    while any(r.assessment.rubric_id != assessment.rubric_id for r in records):
        records.pop(0)
    return records


def snapshot_with_claims(snapshot: Snapshot, claims: Mapping[str, Claim]) -> Snapshot:
    """The snapshot with each answer's level and link as its claim now stands."""
    answers = dict(snapshot.answers)
    for item_id, claim in claims.items():
        old = answers.get(item_id)
        answers[item_id] = Answer(
            item_id=item_id,
            choice=claim.choice,
            note=old.note if old else "",
            evidence_url=claim.evidence_url,
            evidence_label=claim.evidence_label,
        )
    return snapshot.model_copy(update={"answers": answers})


def policy_of(session: Session, workspace_id: int) -> EvidencePolicy:
    stored = repo.evidence_policy(session, workspace_id=workspace_id)
    if not stored:
        return NO_POLICY
    required: dict[Stage, frozenset[str]] = {}
    for stage, levels in stored.items():
        try:
            required[Stage(stage)] = frozenset(levels)
        except ValueError:
            continue
    return EvidencePolicy(required=required)
