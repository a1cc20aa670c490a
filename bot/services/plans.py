"""Use cases of stage moves: the preview of a move, plans with owners and a date, waivers, and
the stage gate's check (bot.services.teams asks it before moving a system)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.tables import Plan, Team, Waiver
from bot.rubric_registry import RubricRegistry
from bot.services import _audit
from bot.services._convert import team_info
from bot.services._criteria import criteria_in_force
from bot.services._lookup import load_rubric, load_team
from bot.services._standing import standing_of
from bot.services.access import Action
from bot.services.context import UseCases
from bot.services.systems import load_system, load_team_system, system_view
from bot.services.types import (
    Actor,
    Conflict,
    Directory,
    Invalid,
    NotAllowed,
    NotFound,
    ServiceError,
    TeamInfo,
)
from bot.usertext import clean_name
from rubric.gaps import GapReport
from rubric.model import Criteria, Rubric, Stage
from rubric.plans import (
    Preview,
    burnup,
    items_met,
    plan_date_problem,
    preview,
    waiver_expiry_problem,
)

WAIVER_REASON_MAX_CHARS = 500


@dataclass(frozen=True)
class StagePreview:
    system: TeamInfo
    rubric: Rubric
    preview: Preview
    assessed: bool
    """Whether the system was ever assessed (without an answer nothing counts as done)."""


@dataclass(frozen=True)
class WaiverView:
    id: int
    system: TeamInfo
    item_id: str
    reason: str
    expires_on: date
    status: str
    requested_by: str
    decided_by: str | None
    approvers: tuple[str, ...]
    """Who is asked to decide: the team's leads and the configured admins, but the requester."""


@dataclass(frozen=True)
class PlanItemView:
    item_id: str
    owner: str
    met: bool


@dataclass(frozen=True)
class PlanView:
    id: int
    system: TeamInfo
    target_stage: Stage
    target_date: date
    created_by: str
    created_at: datetime
    items: tuple[PlanItemView, ...]

    @property
    def met(self) -> int:
        return sum(1 for item in self.items if item.met)

    def overdue(self, today: date) -> bool:
        """Past its target date with items still open."""
        return today > self.target_date and self.met < len(self.items)


@dataclass(frozen=True)
class Burnup:
    plan: PlanView
    rubric: Rubric
    points: tuple[tuple[datetime, int], ...]


def actual_system_id(session: Session, team: TeamInfo) -> int:
    """The system a TeamInfo means: its own, or the team's primary one."""
    if team.system_id is not None:
        return team.system_id
    system = repo.primary_system(session, workspace_id=team.workspace_id, team_id=team.id)
    assert system.id is not None
    return system.id


def plan_views(
    session: Session, rubric_of: Mapping[int, Rubric], plans: Sequence[Plan], today: date
) -> list[PlanView]:
    """Plans with each item's owner and whether it is met now (done, or waived): done as the
    scorecard counts it, on the system's claims under the evidence policy of the plan's stage."""
    if not plans:
        return []
    items = repo.plan_items(session, plan_ids=[p.id for p in plans if p.id is not None])
    criteria: dict[str, Criteria] = {}
    views = []
    for plan in plans:
        assert plan.id is not None
        team, system = load_system(
            session, workspace_id=plan.workspace_id, system_id=plan.system_id
        )
        rubric = rubric_of[plan.id]
        latest = repo.latest_assessment(
            session, workspace_id=plan.workspace_id, team_id=plan.team_id, system_id=plan.system_id
        )
        standing = standing_of(
            session,
            workspace_id=plan.workspace_id,
            system_id=plan.system_id,
            rubric=rubric,
            latest=latest,
            today=today,
        )
        if rubric.id not in criteria:
            criteria[rubric.id] = criteria_in_force(
                session, workspace_id=plan.workspace_id, rubric=rubric
            )
        counted, _ = standing.counted(rubric, criteria[rubric.id], Stage(plan.target_stage))
        rows = items[plan.id]
        met = set(items_met(rubric, counted, [row.item_id for row in rows], standing.waived))
        views.append(
            PlanView(
                id=plan.id,
                system=system_view(session, team, system),
                target_stage=Stage(plan.target_stage),
                target_date=plan.target_date,
                created_by=plan.created_by,
                created_at=plan.created_at,
                items=tuple(
                    PlanItemView(row.item_id, row.owner, row.item_id in met) for row in rows
                ),
            )
        )
    return views


class StageGated(ServiceError):
    """Moving the system to the stage would leave mandatory items unmet: the person is shown
    them and asked to confirm (an admin, with a reason)."""

    def __init__(self, system: TeamInfo, rubric: Rubric, report: GapReport) -> None:
        super().__init__("gate.blocked", team=system.label, count=len(report.gaps))
        self.system = system
        self.rubric = rubric
        self.report = report


def gate_report(
    session: Session, rubrics: RubricRegistry, team: TeamInfo, stage: Stage, today: date
) -> tuple[Rubric, GapReport]:
    """The stage gate: the gaps the system's standing (its claims, under the evidence policy
    of `stage`) would have at `stage`, waivers that hold `today` left out, as the scorecard
    counts them. Never assessed: every mandatory item is a gap."""
    ws = team.workspace_id
    real_id = actual_system_id(session, team)
    latest = repo.latest_assessment(session, workspace_id=ws, team_id=team.id, system_id=real_id)
    rubric = load_rubric(rubrics, latest.assessment.rubric_id if latest else team.rubric_id)
    criteria = criteria_in_force(session, workspace_id=ws, rubric=rubric)
    standing = standing_of(
        session, workspace_id=ws, system_id=real_id, rubric=rubric, latest=latest, today=today
    )
    return rubric, standing.gaps(rubric, criteria, stage)


class PlanUseCases(UseCases):
    def today(self) -> date:
        """Today's date by the services' clock (UTC): what waivers and plans are measured on."""
        return self._ctx.clock().date()

    def _today(self) -> date:
        return self.today()

    def _system(
        self, session: Session, workspace_id: int, team_id: int, system_id: int | None
    ) -> tuple[TeamInfo, int, bool]:
        """The system as a TeamInfo, its real id, and whether it (or its team) is archived."""
        view = load_team_system(
            session, workspace_id=workspace_id, team_id=team_id, system_id=system_id
        )
        real_id = actual_system_id(session, view)
        _, system = load_system(session, workspace_id=workspace_id, system_id=real_id)
        return view, real_id, view.archived or system.archived_at is not None

    def _refuse_archived(self, view: TeamInfo, archived: bool) -> None:
        """Asked after the access check, so that it tells an outsider nothing."""
        if archived:
            # Its check-ins have stopped: nothing would follow a plan or a waiver up.
            raise Invalid("error.system_archived_plans", team=view.label)

    def stage_preview(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        target: Stage,
    ) -> StagePreview:
        """What moving the system to `target` asks for, on its latest answers (readers)."""
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            view, real_id, _ = self._system(session, ws, team_id, system_id)
        self._ctx.require(Action.READ, actor, directory, view)
        with self._ctx.database.read() as session:
            latest = repo.latest_assessment(
                session, workspace_id=ws, team_id=team_id, system_id=real_id
            )
            # One rubric for the answers and the criteria, as the stage gate measures them.
            rubric_id = latest.assessment.rubric_id if latest else view.rubric_id
            rubric = load_rubric(self._ctx.rubrics, rubric_id)
            criteria = criteria_in_force(session, workspace_id=ws, rubric=rubric)
            standing = standing_of(
                session,
                workspace_id=ws,
                system_id=real_id,
                rubric=rubric,
                latest=latest,
                today=self._today(),
            )
            found = preview(
                rubric,
                criteria,
                standing.snapshot,
                Stage(target),
                current=view.stage,
                waived=standing.waived,
                counted=standing.counted(rubric, criteria, Stage(target))[0],
            )
            return StagePreview(view, rubric, found, assessed=latest is not None)

    # ---- waivers ----------------------------------------------------------------------------

    def request_waiver(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        *,
        item_id: str,
        expires_on: date,
        reason: str,
    ) -> WaiverView:
        """A member asks for an item to be waived for the system until `expires_on` (at most a
        year ahead), for a reason; it holds once a lead or an admin approves it."""
        ws = actor.workspace_id
        reason = clean_name(reason)
        if not reason:
            raise Invalid("error.waiver_reason")
        if len(reason) > WAIVER_REASON_MAX_CHARS:
            raise Invalid("error.waiver_reason_too_long", limit=WAIVER_REASON_MAX_CHARS)
        problem = waiver_expiry_problem(expires_on, self._today())
        if problem is not None:
            raise Invalid(f"error.waiver_expiry_{problem}", date=expires_on.isoformat())
        with self._ctx.database.read() as session:
            view, real_id, archived = self._system(session, ws, team_id, system_id)
        self._ctx.require(Action.WAIVE, actor, directory, view)
        self._refuse_archived(view, archived)
        rubric = load_rubric(self._ctx.rubrics, view.rubric_id)
        known = {item.id.casefold(): item.id for item in rubric.items}
        canonical = known.get(item_id.casefold())
        if canonical is None:
            raise NotFound("error.unknown_item", item=item_id)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            waiver = repo.create_waiver(
                session,
                workspace_id=ws,
                team_id=team_id,
                system_id=real_id,
                item_id=canonical,
                reason=reason,
                expires_on=expires_on,
                requested_by=actor.user_id,
                now=now,
            )
            _audit.record(
                session,
                actor,
                "waiver.requested",
                at=now,
                team_id=team_id,
                system=real_id,
                item=canonical,
                expires_on=expires_on.isoformat(),
                reason=reason,
            )
            return self._waiver_view(session, waiver)

    def decide_waiver(
        self, actor: Actor, directory: Directory, waiver_id: int, *, approve: bool
    ) -> WaiverView:
        """A lead of the team or an admin approves or rejects a pending waiver (once)."""
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            waiver = repo.get_waiver(session, workspace_id=ws, waiver_id=waiver_id)
            # A missing id is answered like a team one may not see: ids tell nothing.
            if waiver is None:
                raise NotFound("error.team_not_found")
            current = self._waiver_view(session, waiver)
        self._ctx.require(Action.APPROVE_WAIVER, actor, directory, current.system)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            row = repo.get_waiver(session, workspace_id=ws, waiver_id=waiver_id, for_update=True)
            if row is None:
                raise NotFound("error.team_not_found")
            if row.status != "pending":
                raise Conflict(
                    "error.waiver_decided",
                    item=row.item_id,
                    who=row.decided_by or "",
                    status=row.status,
                )
            if row.requested_by == actor.user_id:
                # Someone else stands behind it: another lead or an admin decides.
                raise NotAllowed("refused.waiver_own", item=row.item_id)
            if approve and row.expires_on < now.date():
                raise Invalid(
                    "error.waiver_expired", item=row.item_id, date=row.expires_on.isoformat()
                )
            row = repo.decide_waiver(
                session, waiver=row, approved=approve, decided_by=actor.user_id, now=now
            )
            _audit.record(
                session,
                actor,
                "waiver.approved" if approve else "waiver.rejected",
                at=now,
                team_id=row.team_id,
                system=row.system_id,
                item=row.item_id,
                waiver=row.id,
            )
            return self._waiver_view(session, row)

    def pending_waivers(
        self, actor: Actor, directory: Directory, *, limit: int = 10
    ) -> list[WaiverView]:
        """The pending waivers the person may decide (a lead of the team, or an admin), their
        own requests left out: how a request nobody was told of still reaches a decision."""
        with self._ctx.database.read() as session:
            rows = repo.pending_waivers(session, workspace_id=actor.workspace_id, limit=500)
            views = [self._waiver_view(session, row) for row in rows]
        return [
            view
            for view in views
            if view.requested_by != actor.user_id
            and self._ctx.allowed(Action.APPROVE_WAIVER, actor, directory, view.system)
        ][:limit]

    def _waiver_view(self, session: Session, waiver: Waiver) -> WaiverView:
        assert waiver.id is not None
        team, system = load_system(
            session, workspace_id=waiver.workspace_id, system_id=waiver.system_id
        )
        view = system_view(session, team, system)
        approvers = tuple(
            user
            for user in dict.fromkeys([*view.leads, *sorted(self._ctx.admins)])
            if user != waiver.requested_by  # nobody decides their own request
        )
        return WaiverView(
            id=waiver.id,
            system=view,
            item_id=waiver.item_id,
            reason=waiver.reason,
            expires_on=waiver.expires_on,
            status=waiver.status,
            requested_by=waiver.requested_by,
            decided_by=waiver.decided_by,
            approvers=approvers,
        )

    # ---- plans ------------------------------------------------------------------------------

    def create_plan(
        self,
        actor: Actor,
        directory: Directory,
        team_id: int,
        system_id: int | None,
        *,
        target_stage: Stage,
        target_date: date,
        owners: Mapping[str, str],
    ) -> PlanView:
        """A lead (or an admin) commits the system to `target_stage` by `target_date`, with an
        owner for each item (item id -> user id)."""
        ws = actor.workspace_id
        problem = plan_date_problem(target_date, self._today())
        if problem is not None:
            raise Invalid(f"error.plan_date_{problem}", date=target_date.isoformat())
        if not owners or not all(owners.values()):
            raise Invalid("error.plan_owner_missing")
        with self._ctx.database.read() as session:
            view, real_id, archived = self._system(session, ws, team_id, system_id)
        self._ctx.require(Action.PLAN, actor, directory, view)
        self._refuse_archived(view, archived)
        rubric = load_rubric(self._ctx.rubrics, view.rubric_id)
        known = {item.id for item in rubric.items}
        unknown = sorted(set(owners) - known)
        if unknown:
            raise NotFound("error.unknown_item", item=unknown[0])
        for owner in sorted(set(owners.values())):
            # An owner gets the plan's items in DMs: only someone who may read the team.
            if not self._ctx.allowed(Action.READ, Actor(ws, owner), directory, view):
                raise Invalid("error.plan_owner_cannot_read", user=owner, team=view.label)
        now = self._ctx.clock()
        with self._ctx.database.write() as session:
            plan = repo.create_plan(
                session,
                workspace_id=ws,
                team_id=team_id,
                system_id=real_id,
                target_stage=Stage(target_stage).value,
                target_date=target_date,
                owners=owners,
                created_by=actor.user_id,
                now=now,
            )
            assert plan.id is not None
            _audit.record(
                session,
                actor,
                "plan.created",
                at=now,
                team_id=team_id,
                system=real_id,
                plan=plan.id,
                stage=plan.target_stage,
                target_date=target_date.isoformat(),
                items=len(owners),
            )
            return plan_views(session, {plan.id: rubric}, [plan], now.date())[0]

    def list_plans(self, actor: Actor, directory: Directory, team_id: int) -> list[PlanView]:
        """The team's plans with each item's owner and whether it is met (readers)."""
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            team = load_team(session, workspace_id=ws, team_id=team_id)
            info = team_info(team)
        self._ctx.require(Action.READ, actor, directory, info)
        with self._ctx.database.read() as session:
            plans = repo.list_plans(session, workspace_id=ws, team_ids=[team_id])
            rubric = load_rubric(self._ctx.rubrics, info.rubric_id)
            return plan_views(
                session, {p.id: rubric for p in plans if p.id is not None}, plans, self._today()
            )

    def plan_burnup(self, actor: Actor, directory: Directory, plan_id: int) -> Burnup:
        """Items met over time since the plan was made (readers of its team)."""
        ws = actor.workspace_id
        with self._ctx.database.read() as session:
            plan = repo.get_plan(session, workspace_id=ws, plan_id=plan_id)
            if plan is None:
                raise NotFound("error.team_not_found")
            team, _ = load_system(session, workspace_id=ws, system_id=plan.system_id)
        return self._burnup(actor, directory, plan, team)

    def _burnup(self, actor: Actor, directory: Directory, plan: Plan, team: Team) -> Burnup:
        self._ctx.require(Action.READ, actor, directory, team_info(team))
        now = self._ctx.clock()
        with self._ctx.database.read() as session:
            assert plan.id is not None
            rubric = load_rubric(self._ctx.rubrics, team.rubric_id)
            view = plan_views(session, {plan.id: rubric}, [plan], now.date())[0]
            return burnup_of(session, rubric, view, plan, now)


def burnup_of(
    session: Session, rubric: Rubric, view: PlanView, plan: Plan, now: datetime
) -> Burnup:
    history = repo.assessment_history(
        session, workspace_id=plan.workspace_id, team_id=plan.team_id, system_id=plan.system_id
    )
    series = burnup(
        rubric,
        [item.item_id for item in view.items],
        plan.created_at,
        [(record.assessment.submitted_at, record.snapshot()) for record in history],
        now,
        met_now=view.met,
    )
    return Burnup(view, rubric, tuple((point.at, point.met) for point in series))
