"""Where a system stands: what every gap count reads, so that the scorecard, the gaps command,
the stage gate and its preview, plan progress, the weekly summary and the routine check-in agree.

A system stands on its claims (its latest answers with the CI pushes since laid over), counted
under the workspace's evidence policy at the stage being judged, with the waivers that hold
today left out. The paper's score is not touched: only gaps are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.db.repositories import AssessmentRecord
from bot.services._claims import claims_of, policy_of, snapshot_with_claims
from bot.services._waivers import waived_items
from rubric.evidence import Claim, Downgrade, EvidencePolicy, apply_policy
from rubric.gaps import GapReport, find_gaps
from rubric.model import Criteria, Rubric, Snapshot, Stage


@dataclass(frozen=True)
class Standing:
    snapshot: Snapshot | None
    """The latest answers as their claims stand now; None when never assessed."""
    claims: Mapping[str, Claim]
    policy: EvidencePolicy
    waived: frozenset[str]
    """Items under an approved waiver that holds today."""

    def counted(
        self, rubric: Rubric, criteria: Criteria, stage: Stage
    ) -> tuple[Snapshot, tuple[Downgrade, ...]]:
        """The answers as gaps at `stage` count them, and the claims the policy lowered."""
        return counted_at(
            rubric, criteria, self.policy, self.snapshot, stage=stage, waived=self.waived
        )

    def gaps(self, rubric: Rubric, criteria: Criteria, stage: Stage) -> GapReport:
        counted, _ = self.counted(rubric, criteria, stage)
        return find_gaps(rubric, criteria, counted, self.waived)


def counted_at(
    rubric: Rubric,
    criteria: Criteria,
    policy: EvidencePolicy,
    snapshot: Snapshot | None,
    *,
    stage: Stage,
    waived: Collection[str] = (),
) -> tuple[Snapshot, tuple[Downgrade, ...]]:
    """`snapshot` measured at `stage` under `policy` (nothing done when there is none)."""
    base = snapshot if snapshot is not None else Snapshot(stage=stage)
    at_stage = base.model_copy(update={"stage": stage})
    requirements = {item.id: criteria.requirement(item.id, stage) for item in rubric.items}
    return apply_policy(rubric, requirements, policy, at_stage, waived=waived)


def standing_of(
    session: Session,
    *,
    workspace_id: int,
    system_id: int,
    rubric: Rubric,
    latest: AssessmentRecord | None,
    today: date,
    policy: EvidencePolicy | None = None,
    waived: Collection[str] | None = None,
    claims: Mapping[str, Claim] | None = None,
) -> Standing:
    """The system's standing from its `latest` assessment; `policy`, `waived` and `claims` are
    read when the caller did not already read them (a digest reads them once for its whole
    channel; claims read in bulk leave out failing marks, which count in no gap)."""
    if claims is None:
        claims = claims_of(session, rubric, latest) if latest is not None else {}
    snapshot = snapshot_with_claims(latest.snapshot(), claims) if latest is not None else None
    if policy is None:
        policy = policy_of(session, workspace_id)
    if waived is None:
        waived = waived_items(session, workspace_id=workspace_id, system_id=system_id, today=today)
    return Standing(snapshot, claims, policy, frozenset(waived))
