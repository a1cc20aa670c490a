"""Use cases that list teams with where each one stands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.repositories import AssessmentRecord
from bot.db.tables import System, Team
from bot.rubric_registry import UnknownRubric
from bot.services._claims import counted_claims_of_each, policy_of, snapshot_with_claims
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services._privacy import fill_unknown
from bot.services._standing import counted_at
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.types import Actor, Directory, TeamInfo, TeamSummary
from rubric.evidence import Claim, EvidencePolicy
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
            actor,
            lambda team: self._ctx.allowed(Action.READ, actor, directory, team),
            learn=directory,
        )

    def teams_for_user(self, actor: Actor, directory: Directory) -> list[TeamSummary]:
        """The teams the person may assess (their channel's; every team for admins): the
        Home tab, whose buttons assess them."""
        return self._visible(
            actor, lambda team: self._ctx.allowed(Action.ASSESS, actor, directory, team)
        )

    def _visible(
        self, actor: Actor, shown: Callable[[Team], bool], *, learn: Directory | None = None
    ) -> list[TeamSummary]:
        """The summaries of the teams `shown` keeps. Slack is asked who may see what between
        two reads, not while a transaction is open. With `learn`, teams whose channel's
        privacy is not known yet are looked up once and it is stored."""
        with self._ctx.database.read() as session:
            every = repo.list_teams(session, workspace_id=actor.workspace_id)
        if learn is not None:
            fill_unknown(self._ctx, learn, actor.workspace_id, every)
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
        criteria: dict[str, Criteria] = {}
        # The workspace's waivers in force, in one query, by system.
        waived: dict[int, set[str]] = {}
        for waiver in repo.approved_waivers(
            session, workspace_id=workspace_id, system_ids=None, today=self._ctx.clock().date()
        ):
            waived.setdefault(waiver.system_id, set()).add(waiver.item_id)
        # Counted on their claims under the evidence policy, as the scorecard counts them:
        # two queries for all the systems' pushes, one for the policy.
        policy = policy_of(session, workspace_id)
        claims = self._claims(session, workspace_id, latest.values())
        summaries = [
            self._summary(
                session,
                team_info(row),
                latest.get(row.id or 0),
                criteria,
                waived=waived,
                claims=claims,
                policy=policy,
            )
            for row in teams
        ]
        # A team with several systems also lists each, with its own stage and score: a
        # fixed number of queries more, however many teams.
        systems: dict[int, list[System]] = {}
        for system in repo.list_systems(
            session, workspace_id=workspace_id, team_ids=[row.id for row in teams if row.id]
        ):
            systems.setdefault(system.team_id, []).append(system)
        several = {team_id: found for team_id, found in systems.items() if len(found) > 1}
        if not several:
            return summaries
        records = repo.latest_assessments_for_systems(
            session,
            workspace_id=workspace_id,
            system_ids=[system.id for found in several.values() for system in found if system.id],
        )
        claims |= self._claims(session, workspace_id, records.values())
        by_id = {row.id: row for row in teams}
        return [
            replace(
                summary,
                systems=tuple(
                    self._summary(
                        session,
                        team_info(by_id[summary.team.id], system, systems=len(found)),
                        records.get(system.id or 0),
                        criteria,
                        waived=waived,
                        claims=claims,
                        policy=policy,
                    )
                    for system in found
                ),
            )
            if (found := several.get(summary.team.id))
            else summary
            for summary in summaries
        ]

    def _summary(
        self,
        session: Session,
        team: TeamInfo,
        records: list[AssessmentRecord] | None,
        criteria: dict[str, Criteria],
        *,
        waived: dict[int, set[str]],
        claims: Mapping[int, Mapping[str, Claim]],
        policy: EvidencePolicy,
    ) -> TeamSummary:
        """Where the team (or system) stands after its newest assessment; `criteria` caches
        the criteria in force by rubric."""
        rubric = self._rubric_or_none(records[0].assessment.rubric_id) if records else None
        if not records or rubric is None:
            return TeamSummary(team, None, None, None)
        record = records[0]
        if rubric.id not in criteria:
            criteria[rubric.id] = criteria_in_force(
                session, workspace_id=team.workspace_id, rubric=rubric
            )
        system_id = record.assessment.system_id
        snapshot = snapshot_with_claims(record.snapshot(), claims.get(system_id, {}))
        held = waived.get(system_id, set())
        counted, _ = counted_at(
            rubric, criteria[rubric.id], policy, snapshot, stage=team.stage, waived=held
        )
        gaps = find_gaps(rubric, criteria[rubric.id], counted, held)
        return TeamSummary(
            team=team,
            last_assessed_at=record.assessment.submitted_at,
            final_score=score(rubric, snapshot.answers).final,
            open_gaps=len(gaps.gaps),
            readiness=gaps.readiness,
        )

    def _claims(
        self, session: Session, workspace_id: int, latest: Iterable[list[AssessmentRecord]]
    ) -> dict[int, dict[str, Claim]]:
        """The claims of the systems whose newest assessments are `latest` (on a known rubric)."""
        records: dict[int, tuple[Rubric, AssessmentRecord]] = {}
        for found in latest:
            rubric = self._rubric_or_none(found[0].assessment.rubric_id) if found else None
            if rubric is not None:
                records[found[0].assessment.system_id] = (rubric, found[0])
        return counted_claims_of_each(session, workspace_id, records)

    def _rubric_or_none(self, rubric_id: str) -> Rubric | None:
        """A list must not fail because one team's rubric file went missing; that team is
        shown as not scored, and its own scorecard says why."""
        try:
            return self._ctx.rubrics.get(rubric_id)
        except UnknownRubric:
            return None
