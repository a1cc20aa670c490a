"""Use cases that read where a team stands: the scorecard, its gaps, and the trend."""

from __future__ import annotations

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.services._claims import claims_of, policy_of
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_rubric, load_team
from bot.services._privacy import refreshed
from bot.services._scorecards import build_scorecard, diff_between
from bot.services._waivers import waived_items
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.responses import is_anonymous, scorecard_responses
from bot.services.systems import load_team_system
from bot.services.types import Actor, Directory, Scorecard, TeamInfo, TrendView
from rubric.gaps import GapReport
from rubric.trends import HistoryEntry, build_trend


class ReportUseCases(UseCases):
    def scorecard(
        self, actor: Actor, directory: Directory, team_id: int, system_id: int | None = None
    ) -> Scorecard | None:
        """A system's latest assessment scored (default: the team's primary system), with its
        gaps against the criteria in force and what changed since the one before; None when
        it was never assessed. For those the rule lets read the team."""
        workspace_id = actor.workspace_id
        team = self._readable(actor, directory, team_id, system_id)
        with self._ctx.database.read() as session:
            recent = repo.recent_assessments(
                session, workspace_id=workspace_id, team_id=team_id, count=2, system_id=system_id
            )
            if not recent:
                return None
            rubric = load_rubric(self._ctx.rubrics, recent[0].assessment.rubric_id)
            criteria = criteria_in_force(session, workspace_id=workspace_id, rubric=rubric)
            previous = recent[1] if len(recent) > 1 else None
            waived = waived_items(
                session,
                workspace_id=workspace_id,
                system_id=recent[0].assessment.system_id,
                today=self._ctx.clock().date(),
            )
            return build_scorecard(
                team=team,
                rubric=rubric,
                criteria=criteria,
                latest=recent[0],
                previous=previous,
                responses=scorecard_responses(
                    session, rubric=rubric, workspace_id=workspace_id, assessment=recent[0]
                ),
                claims=claims_of(session, rubric, recent[0]),
                policy=policy_of(session, workspace_id),
                now=self._ctx.clock(),
                waived=waived,
                anonymous=is_anonymous(
                    session, workspace_id=workspace_id, team_id=recent[0].assessment.team_id
                ),
            )

    def gaps(
        self, actor: Actor, directory: Directory, team_id: int, system_id: int | None = None
    ) -> GapReport | None:
        """The mandatory items for a system's stage that its latest assessment does not meet."""
        card = self.scorecard(actor, directory, team_id, system_id)
        return card.gaps if card is not None else None

    def trend(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None = None,
        *,
        limit: int | None = None,
    ) -> TrendView | None:
        """A system's history (default: the team's primary system) as chart series, oldest
        first, with what changed between the last two assessments; None when it was never
        assessed.

        Only assessments on the rubric of the latest one are drawn (points on another scale
        would not be comparable). Periods whose check-in was skipped, and that have no
        assessment, appear as skipped points. `limit` keeps the newest assessments only.
        """
        workspace_id = actor.workspace_id
        team = self._readable(actor, directory, team_id, system_id)
        with self._ctx.database.read() as session:
            history = repo.assessment_history(
                session,
                workspace_id=workspace_id,
                team_id=team_id,
                limit=limit,
                system_id=system_id,
            )
            if not history:
                return None
            rubric = load_rubric(self._ctx.rubrics, history[-1].assessment.rubric_id)
            history = [r for r in history if r.assessment.rubric_id == rubric.id]
            entries = _entries(
                session, history, workspace_id=workspace_id, team_id=team_id, system_id=system_id
            )
            criteria = criteria_in_force(session, workspace_id=workspace_id, rubric=rubric)
            previous = history[-2] if len(history) > 1 else None
            return TrendView(
                team=team,
                rubric=rubric,
                trend=build_trend(rubric, entries),
                diff=diff_between(rubric, criteria, previous, history[-1]),
            )

    def _readable(
        self, actor: Actor, directory: Directory, team_id: int, system_id: int | None = None
    ) -> TeamInfo:
        """The team (seen through `system_id` when given), if the rule lets the person read it;
        a system's readers are its team's. Slack is asked with no transaction open: a lookup
        can wait on rate limits, and a changed privacy is written in a session of its own."""
        with self._ctx.database.read() as session:
            if system_id is None:
                workspace_id, tid = actor.workspace_id, team_id
                team = team_info(load_team(session, workspace_id=workspace_id, team_id=tid))
            else:
                team = load_team_system(
                    session, workspace_id=actor.workspace_id, team_id=team_id, system_id=system_id
                )
        team = refreshed(self._ctx, directory, team)
        self._ctx.require(Action.READ, actor, directory, team)
        return team


def _entries(
    session: Session,
    history: list[AssessmentRecord],
    *,
    workspace_id: int,
    team_id: int,
    system_id: int | None,
) -> list[HistoryEntry]:
    """Assessments and skipped check-ins merged on the timeline.

    A skipped check-in whose period has an assessment anyway (a late answer) is not a gap. A
    skipped period sits where its check-in was posted; only skips after the first assessment
    drawn are kept, so a chart never starts with a row of gaps.
    """
    assessed = {r.assessment.period_key for r in history if r.assessment.period_key}
    entries = [
        HistoryEntry(
            period=r.assessment.period_key or r.assessment.submitted_at.date().isoformat(),
            at=r.assessment.submitted_at,
            snapshot=r.snapshot(),
        )
        for r in history
    ]
    first = history[0].assessment.submitted_at
    for checkin in repo.list_checkins(
        session, workspace_id=workspace_id, team_id=team_id, status="skipped", system_id=system_id
    ):
        if checkin.period_key in assessed or checkin.created_at < first:
            continue
        entries.append(
            HistoryEntry(period=checkin.period_key, at=checkin.created_at, snapshot=None)
        )
    entries.sort(key=lambda entry: entry.at)
    return entries
