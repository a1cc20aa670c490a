"""Use cases that list teams with where each one stands."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.tables import Team
from bot.rubric_registry import UnknownRubric
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.types import Actor, Directory, TeamSummary
from rubric.gaps import find_gaps
from rubric.model import Criteria, Rubric
from rubric.scoring import score


class SummaryUseCases(UseCases):
    def list_teams(self, actor: Actor, directory: Directory) -> list[TeamSummary]:
        """The active teams of the workspace that the person may read, by name, each with its
        latest assessment's date, final score, open gaps and readiness (None when never
        assessed).

        A fixed number of queries whatever the number of teams: the teams, the latest
        assessment of each with its answers, and the criteria in force.
        """
        return self._visible(
            actor, lambda team: self._ctx.allowed(Action.READ, actor, directory, team)
        )

    def teams_for_user(self, actor: Actor, directory: Directory) -> list[TeamSummary]:
        """The teams the person may assess (their channel's; every team for admins): the
        Home tab, whose buttons assess them."""
        return self._visible(
            actor, lambda team: self._ctx.allowed(Action.ASSESS, actor, directory, team)
        )

    def _visible(self, actor: Actor, shown: Callable[[Team], bool]) -> list[TeamSummary]:
        """The summaries of the teams `shown` keeps. Slack is asked who may see what between
        two reads, not while a transaction is open."""
        with self._ctx.database.read() as session:
            every = repo.list_teams(session, workspace_id=actor.workspace_id)
        teams = [team for team in every if shown(team)]
        with self._ctx.database.read() as session:
            return self._summaries(session, actor.workspace_id, teams, every=len(every))

    def _summaries(
        self, session: Session, workspace_id: int, teams: list[Team], *, every: int
    ) -> list[TeamSummary]:
        """`every`: how many teams the workspace has; when the person sees them all, the
        latest assessments are asked for without a list of ids."""
        if not teams:
            return []
        latest = repo.latest_assessments_for_teams(
            session,
            workspace_id=workspace_id,
            team_ids=None if len(teams) == every else [row.id for row in teams if row.id],
        )
        criteria_by_rubric: dict[str, Criteria] = {}
        summaries: list[TeamSummary] = []
        for row in teams:
            team = team_info(row)
            records = latest.get(team.id)
            rubric = self._rubric_or_none(records[0].assessment.rubric_id) if records else None
            if not records or rubric is None:
                summaries.append(TeamSummary(team, None, None, None))
                continue
            record = records[0]
            if rubric.id not in criteria_by_rubric:
                criteria_by_rubric[rubric.id] = criteria_in_force(
                    session, workspace_id=workspace_id, rubric=rubric
                )
            snapshot = record.snapshot()
            gaps = find_gaps(
                rubric,
                criteria_by_rubric[rubric.id],
                snapshot.model_copy(update={"stage": team.stage}),
            )
            summaries.append(
                TeamSummary(
                    team=team,
                    last_assessed_at=record.assessment.submitted_at,
                    final_score=score(rubric, snapshot.answers).final,
                    open_gaps=len(gaps.gaps),
                    readiness=gaps.readiness,
                )
            )
        return summaries

    def _rubric_or_none(self, rubric_id: str) -> Rubric | None:
        """A list must not fail because one team's rubric file went missing; that team is
        shown as not scored, and its own scorecard says why."""
        try:
            return self._ctx.rubrics.get(rubric_id)
        except UnknownRubric:
            return None
