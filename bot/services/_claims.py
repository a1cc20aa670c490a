"""A system's standing claims: its latest assessment's answers with the CI pushes since."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.db.tables import System
from rubric.evidence import NO_POLICY, Claim, EvidencePolicy, Push, PushResult, apply_pushes
from rubric.model import Answer, Rubric, Snapshot, Stage


def token_actor(token_id: int | None) -> str:
    """How a CI token appears as a confirmer (in claims and the audit log)."""
    return f"token:{token_id}"


def claims_of(session: Session, rubric: Rubric, record: AssessmentRecord) -> dict[str, Claim]:
    """The claims of the assessment's system: each answer confirmed when it was submitted, then
    the pushes received since laid over (rubric.evidence.apply_pushes)."""
    assessment = record.assessment
    base = {
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
    pushes = repo.pushes_since(
        session,
        workspace_id=assessment.workspace_id,
        system_id=assessment.system_id,
        since=assessment.submitted_at,
    )
    if not pushes:
        return base
    system = session.get(System, assessment.system_id)
    return apply_pushes(
        rubric,
        base,
        [
            Push(
                item_id=push.item_id,
                level=push.level,
                url=push.url,
                result=PushResult(push.result),
                at=push.received_at,
                by=token_actor(push.token_id),
            )
            for push in pushes
        ],
        allow_upgrade=bool(system is not None and system.pushed_upgrades),
    )


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
