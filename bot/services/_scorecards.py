"""Assessment records -> Scorecard: score, gaps for the team's current stage, diff."""

from __future__ import annotations

from bot.db.repositories import AssessmentRecord
from bot.services.response_types import PeriodResponses
from bot.services.types import Scorecard, TeamInfo
from rubric.diff import Diff, diff
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
    anonymous: bool = False,
) -> Scorecard:
    """Score the latest assessment and compare it with the one before.

    Gaps are measured at the team's current stage (an admin moving a team to production should
    see the production gaps at once); the snapshot keeps the stage it was submitted with.
    """
    snapshot = latest.snapshot()
    at_team_stage = snapshot.model_copy(update={"stage": team.stage})
    return Scorecard(
        team=team,
        rubric=rubric,
        snapshot=snapshot,
        score=score(rubric, snapshot.answers),
        gaps=find_gaps(rubric, criteria, at_team_stage),
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
