"""Assessment records -> Scorecard: score, gaps for the team's current stage, diff."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from bot.db.repositories import AssessmentRecord
from bot.services._claims import snapshot_with_claims
from bot.services._standing import counted_at
from bot.services.response_types import PeriodResponses
from bot.services.types import Scorecard, TeamInfo
from rubric.diff import Diff, diff
from rubric.evidence import NO_POLICY, Claim, EvidencePolicy, stale_items
from rubric.gaps import find_gaps
from rubric.model import Criteria, Rubric
from rubric.scoring import score


def build_scorecard(
    *,
    team: TeamInfo,
    rubric: Rubric,
    criteria: Criteria,
    latest: AssessmentRecord,
    previous: AssessmentRecord | None,
    responses: PeriodResponses | None = None,
    claims: Mapping[str, Claim] | None = None,
    policy: EvidencePolicy = NO_POLICY,
    now: datetime | None = None,
    waived: Collection[str] = (),
    anonymous: bool = False,
) -> Scorecard:
    """Score the latest assessment and compare it with the one before.

    Gaps are measured at the team's current stage (an admin moving a team to production should
    see the production gaps at once); the snapshot keeps the stage it was submitted with.
    With `claims` (the answers as CI pushes left them), the score and gaps use them, claims
    stale at `now` are listed, and under `policy` a mandatory claim without its required link
    counts one level lower in the gaps only (the paper's score stays as claimed).
    Waived items (approved, not expired) are listed apart, not as gaps, and are neither
    lowered by the policy nor listed as stale.
    """
    snapshot = latest.snapshot()
    if claims:
        snapshot = snapshot_with_claims(snapshot, claims)
    counted, downgrades = counted_at(
        rubric, criteria, policy, snapshot, stage=team.stage, waived=waived
    )
    stale = stale_items(rubric, claims, now, waived=waived) if claims and now is not None else ()
    return Scorecard(
        team=team,
        rubric=rubric,
        snapshot=snapshot,
        score=score(rubric, snapshot.answers),
        gaps=find_gaps(rubric, criteria, counted, waived),
        claims=dict(claims or {}),
        stale=stale,
        downgrades=downgrades,
        diff=diff_between(rubric, criteria, previous, latest),
        assessed_at=latest.assessment.submitted_at,
        assessed_by=latest.assessment.submitted_by,
        criteria_version=criteria.version,
        responses=responses,
        anonymous=anonymous,
    )


def diff_between(
    rubric: Rubric,
    criteria: Criteria,
    previous: AssessmentRecord | None,
    latest: AssessmentRecord,
) -> Diff | None:
    """None when there is nothing comparable before: no earlier assessment, or one made on
    another rubric (its items and points mean something else)."""
    if previous is None or previous.assessment.rubric_id != latest.assessment.rubric_id:
        return None
    return diff(rubric, previous.snapshot(), latest.snapshot(), criteria)
