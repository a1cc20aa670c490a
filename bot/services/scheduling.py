"""The scheduler's use cases with the database: what a tick reads to plan, the claim, record and
give-up steps of each delivery, the facts of a channel's digest, and the skips and on-demand
digests people ask for.

Each method is one transaction. bot.scheduling plans (pure) and runs (APScheduler, the tick
loop, Slack) around these; it never opens a session itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.repositories import responses as response_repo
from bot.db.tables import Assessment, System, Team
from bot.rubric_registry import RubricRegistry
from bot.services import _audit
from bot.services._convert import schedule_of, team_info
from bot.services.digests import ChannelDigest, DigestQuery, collect_digest
from bot.services.plans import PlanView, plan_views
from bot.services.storage import GuardedDatabase
from bot.services.types import Actor, Conflict, NotFound, TeamInfo
from rubric.model import Rubric
from rubric.plans import PLAN_REMINDER_DAYS

ClaimedWork = repo.ClaimedWork
"""A workspace a tick claimed from the due-work table: its id, Slack team id and version."""

team_target = repo.team_target
"""A team's target in the deliveries table: "team:12"."""


def system_target(team_id: int, system_id: int) -> str:
    """The target of a system on a schedule of its own: "team:12/system:34"."""
    return f"{team_target(team_id)}/system:{system_id}"


DeliveryKey = tuple[str, str, str]
"""(target, kind, period_key) inside one workspace: the unique key of a delivery."""


@dataclass(frozen=True)
class DeliveryState:
    status: str
    lease_until: datetime
    sent_at: datetime | None = None


@dataclass(frozen=True)
class WorkspaceState:
    """One workspace as the planner sees it (loaded in one read transaction)."""

    workspace_id: int
    slack_team_id: str
    teams: Sequence[TeamInfo]
    checkins: Mapping[tuple[int, str], str]
    """(team id, period key) -> check-in status."""
    last_assessed: Mapping[int, datetime]
    """team id -> when its newest assessment was submitted."""
    deliveries: Mapping[DeliveryKey, DeliveryState]
    """At least every delivery of the periods the planner can ask about (current keys)."""
    systems: Mapping[int, Sequence[TeamInfo]] = field(default_factory=dict)
    """team id -> its active systems, each seen with its own schedule and pause."""
    system_checkins: Mapping[tuple[int, str], str] = field(default_factory=dict)
    """(system id, period key) -> check-in status."""
    system_assessed: Mapping[int, datetime] = field(default_factory=dict)
    """system id -> when its newest assessment was submitted."""
    dm_reminders: frozenset[int] = frozenset()
    """The teams whose reminders go by DM to the members who have not answered (asked of
    however many answered, so the check-in stays open to more answers after the first)."""
    plans: Sequence[PlanDue] = ()
    """Plans whose target date is not past, of active teams and systems."""
    next_lease_end: datetime | None = None
    """When the earliest unsent claim of the workspace runs out (retried or given up then)."""


@dataclass(frozen=True)
class PlanDue:
    """A plan whose owners may be due a reminder: what the planner needs of it."""

    plan_id: int
    team: TeamInfo
    """The team as seen through the plan's system (its language names the DM's)."""
    target_date: date
    created_at: datetime
    owners: tuple[str, ...]


def plan_target(team_id: int, plan_id: int, owner: str) -> str:
    """One owner's reminders of one plan: "team:12/plan:5/U0OWNER" (erased with the team)."""
    return f"{team_target(team_id)}/plan:{plan_id}/{owner}"


@dataclass(frozen=True)
class DeliveryRef:
    """One delivery by its unique key."""

    workspace_id: int
    target: str
    kind: str
    period_key: str

    @property
    def key(self) -> DeliveryKey:
        return (self.target, self.kind, self.period_key)

    def columns(self) -> dict[str, Any]:
        """The keyword arguments that name it to the deliveries repository."""
        return {
            "workspace_id": self.workspace_id,
            "target": self.target,
            "kind": self.kind,
            "period_key": self.period_key,
        }


@dataclass(frozen=True)
class ExpiredClaim:
    """A claim whose lease ran out without a send."""

    ref: DeliveryRef
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class PostedCheckin:
    """The check-in a sent delivery posted: its row is recorded with the delivery."""

    team_id: int
    channel_id: str
    system_ids: tuple[int, ...] = ()
    """The systems the message asks about; empty: every active system of the team."""


@dataclass(frozen=True)
class SentRecord:
    """A delivery that went out, to be recorded as sent."""

    ref: DeliveryRef
    at: datetime
    message_ts: str | None
    note: str | None = None
    """Why there may be no ts (an unconfirmed post)."""
    checkin: PostedCheckin | None = None


@dataclass(frozen=True)
class Skipped:
    team: TeamInfo
    period_key: str
    already: bool = False
    """The period had been skipped before: nothing changed."""


class SchedulingStore:
    """The scheduler's transactions over one database (a plain Database for the tick, whose
    errors are its own; a GuardedDatabase for what people ask, so an outage reads as
    StorageUnavailable)."""

    def __init__(self, database: Database | GuardedDatabase) -> None:
        self._db = database

    def guarded(self) -> SchedulingStore:
        """The same store with outages raised as StorageUnavailable."""
        if isinstance(self._db, GuardedDatabase):
            return self
        return SchedulingStore(GuardedDatabase(self._db))

    # ---- due work ------------------------------------------------------------------------------

    def claim_due(
        self, now: datetime, lease: timedelta, *, token: str, limit: int
    ) -> list[ClaimedWork]:
        """Claim up to `limit` workspaces with something due at `now`, for `lease` (committed at
        once; on PostgreSQL rows other ticks hold are skipped)."""
        with self._db.write() as session:
            return repo.claim_due(session, now=now, until=now + lease, token=token, limit=limit)

    def finish_due(
        self, finished: Sequence[tuple[ClaimedWork, datetime]], *, token: str
    ) -> list[bool]:
        """Store each workspace's next due time and end its claim, in one transaction (False
        for a claim that was lost: it ran out and another tick took the workspace)."""
        with self._db.write() as session:
            done = repo.finish_many_due(
                session,
                token=token,
                finished=[(w.workspace_id, w.version, at) for w, at in finished],
            )
        return [work.workspace_id in done for work, _ in finished]

    def mark_due(self, workspace_id: int) -> None:
        """Plan the workspace at the next tick (for changes made outside the repositories)."""
        with self._db.write() as session:
            repo.mark_due(session, workspace_id=workspace_id)

    # ---- planning ------------------------------------------------------------------------------

    def workspaces(self) -> list[tuple[int, str]]:
        """(workspace id, Slack team id) of every workspace."""
        with self._db.read() as session:
            rows = repo.list_workspaces(session)
            return [(w.id, w.slack_team_id) for w in rows if w.id is not None]

    def workspace_state(
        self,
        *,
        workspace_id: int,
        slack_team_id: str,
        period_keys: Callable[[WorkspaceState], Collection[str]],
        today: date | None = None,
    ) -> WorkspaceState:
        """Everything the planner needs about one workspace, in one read and a fixed number of
        queries; `period_keys` says, from the teams, which periods' check-ins and deliveries
        to load."""
        found = self._states([(workspace_id, slack_team_id)], period_keys, today)
        return found[workspace_id]

    def workspace_states(
        self,
        workspaces: Sequence[tuple[int, str]],
        *,
        period_keys: Callable[[WorkspaceState], Collection[str]],
        today: date | None = None,
    ) -> dict[int, WorkspaceState]:
        """workspace_state of each (workspace id, Slack team id), in one read and the same
        fixed number of queries however many there are (a tick's batch)."""
        return self._states(workspaces, period_keys, today)

    def _states(
        self,
        workspaces: Sequence[tuple[int, str]],
        period_keys: Callable[[WorkspaceState], Collection[str]],
        today: date | None,
    ) -> dict[int, WorkspaceState]:
        ids = [workspace_id for workspace_id, _ in workspaces]
        with self._db.read() as session:
            team_rows = repo.teams_of(session, workspace_ids=ids)
            system_rows = repo.systems_of(session, workspace_ids=ids)
            teams: dict[int, list[TeamInfo]] = {}
            systems: dict[int, dict[int, list[TeamInfo]]] = {}
            keys: dict[int, Collection[str]] = {}
            for workspace_id, slack_team_id in workspaces:
                rows = team_rows[workspace_id]
                by_team: dict[int, list[System]] = {}
                for system in system_rows[workspace_id]:
                    by_team.setdefault(system.team_id, []).append(system)
                teams[workspace_id] = [team_info(row) for row in rows]
                systems[workspace_id] = {
                    row.id: [
                        team_info(row, system, systems=len(by_team[row.id]))
                        for system in by_team[row.id]
                    ]
                    for row in rows
                    if row.id is not None and row.id in by_team
                }
                keys[workspace_id] = period_keys(
                    WorkspaceState(
                        workspace_id,
                        slack_team_id,
                        teams[workspace_id],
                        {},
                        {},
                        {},
                        systems[workspace_id],
                    )
                )
            deliveries = repo.deliveries_of(session, period_keys=keys)
            checkins = repo.checkin_statuses_of(session, period_keys=keys)
            system_checkins = repo.system_checkin_statuses_of(session, period_keys=keys)
            team_assessed = repo.last_assessed_of(session, workspace_ids=ids, by=Assessment.team_id)
            system_assessed = repo.last_assessed_of(
                session, workspace_ids=ids, by=Assessment.system_id
            )
            dm_reminders = response_repo.reminder_teams_of(session, workspace_ids=ids)
            plans = _plans_due(session, systems, today) if today else {}
            lease_ends = repo.next_lease_ends(session, workspace_ids=ids)
            return {
                workspace_id: WorkspaceState(
                    workspace_id=workspace_id,
                    slack_team_id=slack_team_id,
                    teams=teams[workspace_id],
                    checkins=checkins[workspace_id],
                    last_assessed={
                        team_id: _utc(at) for team_id, at in team_assessed[workspace_id].items()
                    },
                    deliveries={
                        (d.target, d.kind, d.period_key): DeliveryState(
                            d.status, _utc(d.lease_until), _utc(d.sent_at) if d.sent_at else None
                        )
                        for d in deliveries[workspace_id]
                    },
                    systems=systems[workspace_id],
                    system_checkins=system_checkins[workspace_id],
                    system_assessed={
                        system_id: _utc(at)
                        for system_id, at in system_assessed[workspace_id].items()
                    },
                    dm_reminders=dm_reminders[workspace_id],
                    plans=plans.get(workspace_id, ()),
                    next_lease_end=lease_ends.get(workspace_id),
                )
                for workspace_id, slack_team_id in workspaces
            }

    def plan_for_reminder(
        self, rubrics: RubricRegistry, workspace_id: int, plan_id: int, today: date
    ) -> tuple[PlanView, Rubric] | None:
        """A plan with its items met or not (for an owner's reminder); None once it is gone."""
        with self._db.read() as session:
            plan = repo.get_plan(session, workspace_id=workspace_id, plan_id=plan_id)
            if plan is None or plan.id is None:
                return None
            team = repo.get_team(session, workspace_id=workspace_id, team_id=plan.team_id)
            if team is None:
                return None
            rubric = rubrics.get(team.rubric_id)
            return plan_views(session, {plan.id: rubric}, [plan], today)[0], rubric

    def pending_count(self) -> int:
        """Claimed deliveries not sent yet, over every workspace."""
        with self._db.read() as session:
            return repo.count_claimed(session)

    def expired_claims(self, workspace_id: int, now: datetime) -> list[ExpiredClaim]:
        with self._db.read() as session:
            return [
                ExpiredClaim(
                    DeliveryRef(workspace_id, d.target, d.kind, d.period_key),
                    d.attempts,
                    d.last_error,
                )
                for d in repo.pending_deliveries(session, workspace_id=workspace_id, now=now)
            ]

    def give_up(self, ref: DeliveryRef, now: datetime, reason: str) -> bool:
        """Mark an expired claim failed for good; False when another process took it since."""
        with self._db.write() as session:
            return repo.abandon_delivery(session, **ref.columns(), now=now, reason=reason)

    # ---- one delivery --------------------------------------------------------------------------

    def claim(self, ref: DeliveryRef, now: datetime, lease: timedelta) -> bool:
        """True for exactly one caller: the one that may send it now (committed at once)."""
        with self._db.write() as session:
            return repo.claim_delivery(session, **ref.columns(), now=now, lease=lease)

    def release(self, ref: DeliveryRef, now: datetime, claimed_at: datetime | None = None) -> None:
        """Give a claim back unsent: the next tick may send it at once. With `claimed_at`, only
        if it is still that claim."""
        with self._db.write() as session:
            repo.release_delivery(session, **ref.columns(), now=now, claimed_at=claimed_at)

    def claim_many(
        self, refs: Collection[DeliveryRef], now: datetime, lease: timedelta
    ) -> set[DeliveryRef]:
        """claim() for many deliveries in one transaction (committed at once): those won."""
        keys = {(r.workspace_id, r.target, r.kind, r.period_key) for r in refs}
        with self._db.write() as session:
            won = repo.claim_deliveries(session, keys=keys, now=now, lease=lease)
        return {DeliveryRef(*key) for key in won}

    def renew(
        self, ref: DeliveryRef, claimed_at: datetime, now: datetime, lease: timedelta
    ) -> bool:
        """Extend our claim made at `claimed_at` to `now + lease`; False when it is not ours
        any more."""
        with self._db.write() as session:
            return repo.renew_delivery(
                session, **ref.columns(), claimed_at=claimed_at, now=now, lease=lease
            )

    def mark_sent(
        self,
        ref: DeliveryRef,
        now: datetime,
        *,
        message_ts: str | None,
        note: str | None = None,
        checkin: PostedCheckin | None = None,
    ) -> None:
        self.mark_sent_many([SentRecord(ref, now, message_ts, note, checkin)])

    def mark_sent_many(self, records: Sequence[SentRecord]) -> None:
        """Record posted deliveries as sent, with the check-in rows of those that are check-ins,
        in one transaction (all or none)."""
        with self._db.write() as session:
            repo.mark_deliveries_sent(
                session,
                sent=[
                    (
                        (r.ref.workspace_id, r.ref.target, r.ref.kind, r.ref.period_key),
                        r.at,
                        r.message_ts,
                        r.note,
                    )
                    for r in records
                ],
            )
            _record_checkins(session, [r for r in records if r.checkin is not None])

    def mark_failed(
        self,
        ref: DeliveryRef,
        error: str,
        *,
        retry_after: Callable[[int], timedelta] | None = None,
        now: datetime | None = None,
        final: bool = False,
    ) -> tuple[int, datetime | None]:
        """Record a failed send. With `retry_after` (attempts so far -> delay) and `now`, it is
        claimed again after that delay rather than after its lease; `final` gives up for good.
        Returns (attempts so far, when it may be retried)."""
        with self._db.write() as session:
            found = repo.get_delivery(session, **ref.columns())
            attempts = found.attempts if found is not None else 0
            retry_at = None
            if retry_after is not None and now is not None:
                retry_at = now + retry_after(attempts)
            repo.mark_delivery_failed(
                session, **ref.columns(), error=error, retry_at=retry_at, final=final
            )
        return attempts, retry_at

    # ---- digests -------------------------------------------------------------------------------

    def channel_digest(self, rubrics: RubricRegistry, query: DigestQuery) -> ChannelDigest:
        with self._db.read() as session:
            return collect_digest(session, rubrics, query)

    def requested_digest(
        self, rubrics: RubricRegistry, query: DigestQuery
    ) -> tuple[str, ChannelDigest]:
        """(the workspace's Slack team id, the channel's digest), read together."""
        with self._db.read() as session:
            workspace = repo.get_workspace_by_id(session, workspace_id=query.workspace_id)
            return workspace.slack_team_id, collect_digest(session, rubrics, query)

    def record_digest_posted(
        self,
        ref: DeliveryRef,
        actor: Actor,
        now: datetime,
        *,
        channel_id: str,
        message_ts: str,
        note: str | None,
        teams: int,
        charts: int,
    ) -> None:
        """An on-demand digest is in the channel: the delivery is sent, with its audit entry."""
        with self._db.write() as session:
            repo.mark_delivery_sent(
                session, **ref.columns(), now=now, message_ts=message_ts, note=note
            )
            _audit.record(
                session,
                actor,
                "digest.posted",
                at=now,
                target=channel_id,
                teams=teams,
                charts=charts,
            )

    # ---- what people ask -----------------------------------------------------------------------

    def respondents(
        self, workspace_id: int, team_id: int, system_ids: Sequence[int], period_key: str
    ) -> frozenset[str]:
        """Who answered the period's check-in of these systems (the team's primary one when
        none is named): those a DM reminder leaves alone."""
        with self._db.read() as session:
            ids: list[int | None] = list(system_ids) or [
                repo.primary_system(session, workspace_id=workspace_id, team_id=team_id).id
            ]
            found: set[str] = set()
            for system_id in ids:
                if system_id is None:
                    continue
                stored = response_repo.period_responses(
                    session, workspace_id=workspace_id, system_id=system_id, period_key=period_key
                )
                found |= {r.respondent for r in stored if r.kind == "answer"}
            return frozenset(found)

    def systems(self, workspace_id: int, team_id: int) -> list[tuple[int, str]]:
        """The team's active systems, (id, name): a check-in button each."""
        with self._db.read() as session:
            systems = repo.list_systems(session, workspace_id=workspace_id, team_ids=[team_id])
        return [(system.id, system.name) for system in systems if system.id is not None]

    def team(self, workspace_id: int, team_id: int, system_id: int | None = None) -> TeamInfo:
        """The team, or with `system_id` the team seen through that system of it (a system of
        another team or workspace is as good as none)."""
        with self._db.read() as session:
            row = repo.get_team(session, workspace_id=workspace_id, team_id=team_id)
            if row is None:
                raise NotFound("error.team_not_found")
            if system_id is None:
                return team_info(row)
            system = repo.get_system(session, workspace_id=workspace_id, system_id=system_id)
            if system is None or system.team_id != team_id:
                raise NotFound("error.system_not_found")
            active = repo.list_systems(session, workspace_id=workspace_id, team_ids=[team_id])
            return team_info(row, system, systems=len(active))

    def skip(
        self, actor: Actor, team: TeamInfo, period_key: str, now: datetime, *, from_button: bool
    ) -> Skipped:
        """Mark the check-in of `period_key` skipped, with an audit entry: the one system's
        when `team` is seen through a system, else those of every active system that follows
        the team's schedule. From a button, the check-in must exist; an answered one is
        refused (a team's answered systems are left as they are); a second skip changes
        nothing."""
        ws = actor.workspace_id
        scope = {"workspace_id": ws, "team_id": team.id}
        with self._db.write() as session:
            if team.system_id is not None:
                system_ids: list[int | None] = [team.system_id]
            else:
                system_ids = self._following(session, ws, team.id) or [None]
            found = {
                system_id: repo.get_checkin(
                    session, **scope, period_key=period_key, system_id=system_id
                )
                for system_id in system_ids
            }
            if from_button and all(current is None for current in found.values()):
                raise NotFound("error.checkin_gone", team=team.label)
            status = {key: current.status if current else None for key, current in found.items()}
            to_skip = [key for key, value in status.items() if value not in ("answered", "skipped")]
            if from_button:
                to_skip = [key for key in to_skip if status[key] is not None]
            if not to_skip:
                if "skipped" in status.values():
                    return Skipped(team, period_key, already=True)
                raise Conflict("error.already_answered", team=team.label, period=period_key)
            for system_id in to_skip:
                repo.mark_checkin(
                    session,
                    **scope,
                    period_key=period_key,
                    status="skipped",
                    now=now,
                    system_id=system_id,
                )
            # Which systems, where the team has several to tell apart.
            detail: dict[str, Any] = {}
            if team.system_id is not None:
                detail["system"] = team.system_id
            elif len(system_ids) > 1:
                detail["systems"] = to_skip
            _audit.record(
                session,
                actor,
                "checkin.skipped",
                at=now,
                team_id=team.id,
                period_key=period_key,
                **detail,
            )
        return Skipped(team, period_key)

    @staticmethod
    def _following(session: Session, workspace_id: int, team_id: int) -> list[int | None]:
        """The team's active systems that check in on the team's own schedule."""
        row: Team | None = repo.get_team(session, workspace_id=workspace_id, team_id=team_id)
        if row is None:
            raise NotFound("error.team_not_found")
        own = schedule_of(row)
        return [
            system.id
            for system in repo.list_systems(session, workspace_id=workspace_id, team_ids=[team_id])
            if schedule_of(row, system) == own
        ]


def _record_checkins(session: Session, records: Sequence[SentRecord]) -> None:
    """One check-in per active system, all in its one message: answering one leaves the others
    open; an archived system gets none. The teams' systems are read with one query."""
    posted = [(record, record.checkin) for record in records if record.checkin is not None]
    if not posted:
        return
    by_team: dict[int, list[System]] = {}
    scope = {(record.ref.workspace_id, checkin.team_id) for record, checkin in posted}
    for system in repo.team_systems(session, teams=scope):
        by_team.setdefault(system.team_id, []).append(system)
    rows: dict[tuple[int, int, str], dict[str, Any]] = {}
    for record, checkin in posted:
        ref = record.ref
        system_ids = [
            system.id
            for system in by_team.get(checkin.team_id, [])
            if system.id is not None and (not checkin.system_ids or system.id in checkin.system_ids)
        ]
        if not system_ids:
            # No active system asked (or the team is gone): the team's primary one, as
            # upsert_checkin resolves it (and refuses a team that is gone).
            repo.upsert_checkin(
                session,
                workspace_id=ref.workspace_id,
                team_id=checkin.team_id,
                period_key=ref.period_key,
                now=record.at,
                channel_id=checkin.channel_id,
                message_ts=record.message_ts,
            )
            continue
        for system_id in system_ids:
            # One row per check-in: an INSERT may not update the same row twice.
            rows[(ref.workspace_id, system_id, ref.period_key)] = {
                "workspace_id": ref.workspace_id,
                "team_id": checkin.team_id,
                "system_id": system_id,
                "period_key": ref.period_key,
                "channel_id": checkin.channel_id,
                "message_ts": record.message_ts,
                "now": record.at,
            }
    repo.upsert_posted_checkins(session, rows=list(rows.values()))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _plans_due(
    session: Session,
    systems: Mapping[int, Mapping[int, Sequence[TeamInfo]]],
    today: date,
) -> dict[int, list[PlanDue]]:
    """workspace id (of `systems`: workspace id -> team id -> its active systems) -> its plans
    whose first reminder comes within a day or has come, and whose target date has not passed,
    of active systems (a fixed number of queries; plans further off are not read at all)."""
    found = repo.plans_of(
        session,
        workspace_ids=list(systems),
        not_before=today,
        # A day further than the first reminder: the due-work table's next wake-up is worked
        # out from the plans loaded here, so a plan must be in view before its reminder's day.
        not_after=today + timedelta(days=max(PLAN_REMINDER_DAYS) + 1),
    )
    ids = [plan.id for plans in found.values() for plan in plans if plan.id is not None]
    if not ids:
        return {}
    items = repo.plan_items(session, plan_ids=ids)
    due: dict[int, list[PlanDue]] = {}
    for workspace_id, plans in found.items():
        views = {
            view.system_id: view
            for views_ in systems[workspace_id].values()
            for view in views_
            if view.system_id is not None and not view.archived
        }
        for plan in plans:
            view = views.get(plan.system_id)
            if plan.id is None or view is None:
                continue
            owners = tuple(dict.fromkeys(item.owner for item in items[plan.id]))
            due.setdefault(workspace_id, []).append(
                PlanDue(plan.id, view, plan.target_date, _utc(plan.created_at), owners)
            )
    return due
