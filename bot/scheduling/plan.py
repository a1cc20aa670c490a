"""What is due, given the teams, their check-ins, the deliveries and `now`: pure, no I/O.

Each team is asked about its latest slot only (the last due time at or before `now`), so a bot
that was down for weeks sends at most one check-in per team, not one per missed period. A
check-in goes out within its grace window: until half of its period has passed since its slot
(3.5 days for a weekly one). A check-in missed by downtime still goes out inside that window,
even once the next period has begun; past it, that period's check-in lapses. A team's first slot
is the first one after it was created, and a channel's first weekly summary the first one after
its oldest team was created: a team made on a Friday is not sent Monday's check-in and summary
at once. A delivery already sent, given up, or claimed under a lease that has not expired is not
planned again; one whose lease expired (its sender crashed, or Slack kept failing) is planned
again as a retry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import lru_cache, partial

from bot.scheduling.kinds import Kind, channel_target, lead_target
from bot.services.digests import channels_of
from bot.services.scheduling import (
    DeliveryKey,
    PlanDue,
    WorkspaceState,
    plan_target,
    system_target,
    team_target,
)
from bot.services.types import TeamInfo
from rubric.periods import (
    Cadence,
    Period,
    Schedule,
    next_due,
    period_at,
    previous_period,
    zone_for,
)
from rubric.plans import PLAN_REMINDER_DAYS, next_reminder, reminders

CLOSED_CHECKINS = frozenset({"answered", "skipped"})
LATE_CHECKIN = timedelta(hours=1)


@dataclass(frozen=True)
class Policy:
    reminder_after: timedelta
    digest_weekday: int
    digest_time: time
    default_tz: str = "UTC"


@dataclass(frozen=True)
class Job:
    """One message to claim and send."""

    kind: Kind
    workspace_id: int
    slack_team_id: str
    target: str
    period_key: str
    channel_id: str
    """Where it goes: a channel id, or the lead's user id for a DM (also the pacing key)."""
    team_id: int | None
    due: datetime
    expires: datetime
    """The end of the period; after it the message is no longer worth sending."""
    team: TeamInfo | None = None
    retry: bool = False
    then: tuple[Job, ...] = ()
    """Jobs to send right after this one goes out (by the same worker, so a digest's chart
    renders while other channels wait their turn); planned on their own if they fail."""
    systems: tuple[tuple[int, str], ...] = ()
    """The systems a check-in (or its reminder or DM) asks about, (id, name), when the team
    has several; empty: the team's only one."""
    team_systems: tuple[tuple[int, str], ...] | None = None
    """The team's active systems as the planner loaded them, (id, name): the buttons of a
    message whose `systems` is empty (None: read when sending)."""
    to_nonrespondents: bool = False
    """A reminder sent by DM to each member of the channel who has not answered, instead of to
    the channel (the team opted in)."""
    plan_id: int | None = None
    """The plan a plan reminder is about."""

    @property
    def key(self) -> DeliveryKey:
        return (self.target, self.kind.value, self.period_key)


def is_paused(team: TeamInfo, period: Period, zone_name: str) -> bool:
    """Away on the local date of the period's due time (pausing is inclusive of its date), so a
    period that started while the team was away is skipped as a whole."""
    if team.paused_until is None:
        return False
    due_day = period.due.astimezone(zone_for(zone_name)).date()
    return team.paused_until >= due_day


def digest_schedule(policy: Policy, tz: str) -> Schedule:
    return Schedule(
        cadence=Cadence.WEEKLY, weekday=policy.digest_weekday, at=policy.digest_time, tz=tz
    )


def channel_zone(teams: Sequence[TeamInfo], default_tz: str) -> str:
    """The zone of the channel's first team that has a schedule, else the default."""
    for team in teams:
        if team.schedule is not None:
            return team.schedule.tz
    return default_tz


# Pure, and asked per team and channel of every workspace of a batch at the batch's one `now`:
# most teams share a schedule, so a batch computes each period once.
_period_at = lru_cache(maxsize=4096)(period_at)


@lru_cache(maxsize=4096)
def latest_slot(schedule: Schedule, now: datetime) -> Period:
    """The period of the last due time at or before `now`: the current period once its slot
    has come, the previous one before that."""
    period = _period_at(schedule, now)
    return period if period.due <= now else previous_period(schedule, period)


def in_grace(period: Period, now: datetime) -> bool:
    """Whether less than half of the period has passed since its slot."""
    return now < period.due + (period.end - period.start) / 2


def is_new(team: TeamInfo, period: Period) -> bool:
    """The team was created at or after the period's slot: its first slot is a later one."""
    return team.created_at is not None and team.created_at >= period.due


def current_keys(state: WorkspaceState, now: datetime, policy: Policy) -> set[str]:
    """The period keys the planner may ask about: what the loader must fetch deliveries for."""
    keys: set[str] = set()
    for team in state.teams:
        if team.schedule is not None:
            keys.add(latest_slot(team.schedule, now).key)
        for system in state.systems.get(team.id, ()):
            if system.schedule is not None:
                keys.add(latest_slot(system.schedule, now).key)
    for teams in channels_of(state.teams).values():
        keys.add(
            _period_at(digest_schedule(policy, channel_zone(teams, policy.default_tz)), now).key
        )
    # Plan reminders are keyed by how long before the target they go ("plan-14d").
    keys |= {f"plan-{days}d" for days in PLAN_REMINDER_DAYS}
    return keys


def plan(state: WorkspaceState, now: datetime, policy: Policy) -> list[Job]:
    """Every job due at `now`, check-ins and digests first, then what depends on a sent one."""
    jobs: list[Job] = []
    for team in sorted(state.teams, key=lambda t: t.id):
        jobs += _team_jobs(state, team, now, policy)
    for channel_id, teams in channels_of(state.teams).items():
        jobs += _digest_jobs(state, channel_id, teams, now, policy)
    for due in state.plans:
        jobs += _plan_reminder_jobs(state, due, now)
    order = {
        Kind.PLAN_REMINDER: 0,
        Kind.CHECKIN: 0,
        Kind.DIGEST: 0,
        Kind.LEAD_DM: 1,
        Kind.REMINDER: 1,
        Kind.DIGEST_CHART: 1,
    }
    return sorted(jobs, key=lambda job: order[job.kind])


def _wanted(state: WorkspaceState, key: DeliveryKey, now: datetime) -> tuple[bool, bool]:
    """(plan it, as a retry)."""
    found = state.deliveries.get(key)
    if found is None:
        return True, False
    if found.status == "claimed" and found.lease_until < now:
        return True, True
    return False, False


def _sent(state: WorkspaceState, key: DeliveryKey) -> bool:
    found = state.deliveries.get(key)
    return found is not None and found.status == "sent"


def _job(
    state: WorkspaceState,
    *,
    kind: Kind,
    target: str,
    period: Period,
    channel_id: str,
    team: TeamInfo | None,
    due: datetime,
    now: datetime,
    systems: tuple[tuple[int, str], ...] = (),
    team_systems: tuple[tuple[int, str], ...] | None = None,
) -> list[Job]:
    want, retry = _wanted(state, (target, kind.value, period.key), now)
    if not want:
        return []
    return [
        Job(
            kind=kind,
            workspace_id=state.workspace_id,
            slack_team_id=state.slack_team_id,
            target=target,
            period_key=period.key,
            channel_id=channel_id,
            team_id=team.id if team is not None else None,
            due=due,
            expires=period.end,
            team=team,
            retry=retry,
            systems=systems,
            team_systems=team_systems,
        )
    ]


@dataclass(frozen=True)
class _Unit:
    """What one check-in message asks about: the team's systems that follow its schedule
    (`team` is the team), or one system on a schedule of its own (`team` is that system)."""

    team: TeamInfo
    target: str
    members: tuple[TeamInfo, ...]
    """The systems it asks about; empty for a team whose systems were not loaded."""
    several: bool
    """The team has more than one active system: each is named on its button."""


def _units(state: WorkspaceState, team: TeamInfo) -> list[_Unit]:
    views = tuple(state.systems.get(team.id, ()))
    if not views:
        return [_Unit(team, team_target(team.id), (), several=False)]
    several = len(views) > 1
    members = tuple(view for view in views if view.schedule == team.schedule)
    units = [_Unit(team, team_target(team.id), members, several)] if members else []
    for view in views:
        if view.schedule != team.schedule and view.system_id is not None:
            target = system_target(team.id, view.system_id)
            units.append(_Unit(view, target, (view,), several))
    return units


def _done(state: WorkspaceState, unit: _Unit, period: Period) -> bool:
    """Every system the unit asks about answered or skipped the period, or was assessed in it
    (without systems loaded: the team's check-in and newest assessment say)."""
    if not unit.members:
        if state.checkins.get((unit.team.id, period.key)) in CLOSED_CHECKINS:
            return True
        assessed = state.last_assessed.get(unit.team.id)
        return assessed is not None and assessed >= period.start
    for member in unit.members:
        assert member.system_id is not None
        if state.system_checkins.get((member.system_id, period.key)) in CLOSED_CHECKINS:
            continue
        assessed = state.system_assessed.get(member.system_id)
        if assessed is not None and assessed >= period.start:
            continue
        return False
    return True


def _open_period(state: WorkspaceState, unit: _Unit, now: datetime) -> Period | None:
    """The unit's latest slot while something may still be sent for it: the team (or system)
    is active and was there at the slot, not away, not done with the period, and the period
    is current or still in its grace window."""
    team = unit.team
    schedule = team.schedule
    if team.archived or not team.channel_id or schedule is None:
        return None
    period = latest_slot(schedule, now)
    if is_new(team, period) or is_paused(team, period, schedule.tz):
        return None
    if now >= period.end and not in_grace(period, now):
        return None
    if _done(state, unit, period) and (
        team.id not in state.dm_reminders or _skipped(state, unit, period)
    ):
        # With DM reminders an answered period stays open (others may still answer); a
        # skipped one asks nobody anything.
        return None
    return period


def _skipped(state: WorkspaceState, unit: _Unit, period: Period) -> bool:
    """The unit's check-in of the period was skipped (for every system it asks about)."""
    if not unit.members:
        return state.checkins.get((unit.team.id, period.key)) == "skipped"
    return all(
        member.system_id is not None
        and state.system_checkins.get((member.system_id, period.key)) == "skipped"
        for member in unit.members
    )


def _team_jobs(state: WorkspaceState, team: TeamInfo, now: datetime, policy: Policy) -> list[Job]:
    jobs: list[Job] = []
    for unit in _units(state, team):
        jobs += _unit_jobs(state, unit, now, policy)
    return jobs


def _unit_jobs(state: WorkspaceState, unit: _Unit, now: datetime, policy: Policy) -> list[Job]:
    period = _open_period(state, unit, now)
    if period is None:
        return []
    team = unit.team
    assert team.schedule is not None
    # A system paused on its own is left out of its team's message.
    asked = tuple(
        (member.system_id, member.system_name or "")
        for member in unit.members
        if member.system_id is not None
        and (member is team or not is_paused(member, period, team.schedule.tz))
    )
    if unit.members and not asked:
        return []
    loaded = tuple(
        (view.system_id, view.system_name or "")
        for view in state.systems.get(team.id, ())
        if view.system_id is not None
    )
    make = partial(
        _job,
        state,
        period=period,
        team=team,
        now=now,
        systems=asked if unit.several else (),
        team_systems=loaded,
    )
    target = unit.target
    checkin = state.deliveries.get((target, Kind.CHECKIN.value, period.key))
    dms: list[Job] = []
    for lead in dict.fromkeys(team.leads):
        target_lead = lead_target(team.id, lead) if team.system_id is None else f"{target}/{lead}"
        dms += make(kind=Kind.LEAD_DM, target=target_lead, channel_id=lead, due=period.due)
    if checkin is None or checkin.status != "sent":
        if not in_grace(period, now):
            return []  # it lapses; pending deliveries of it are given up
        jobs = make(kind=Kind.CHECKIN, target=target, channel_id=team.channel_id, due=period.due)
        return [replace(job, then=tuple(dms)) for job in jobs]
    jobs = dms
    # Counted from the due time, or from when the check-in went out if that was much later
    # (after downtime): a reminder right behind a late check-in would only be noise.
    sent_at = checkin.sent_at or period.due
    base = sent_at if sent_at - period.due > LATE_CHECKIN else period.due
    remind_at = base + policy.reminder_after
    if remind_at <= now < period.end:
        reminders = make(
            kind=Kind.REMINDER, target=target, channel_id=team.channel_id, due=remind_at
        )
        if team.id in state.dm_reminders:
            reminders = [replace(job, to_nonrespondents=True) for job in reminders]
        jobs += reminders
    return jobs


def _digest_jobs(
    state: WorkspaceState,
    channel_id: str,
    teams: Sequence[TeamInfo],
    now: datetime,
    policy: Policy,
) -> list[Job]:
    period = _period_at(digest_schedule(policy, channel_zone(teams, policy.default_tz)), now)
    if now < period.due or all(is_new(team, period) for team in teams):
        return []
    target = channel_target(channel_id)
    make = partial(
        _job, state, target=target, period=period, channel_id=channel_id, team=None, now=now
    )
    assessed = any(team.id in state.last_assessed for team in teams)
    chart = make(kind=Kind.DIGEST_CHART, due=period.due) if assessed else []
    if _sent(state, (target, Kind.DIGEST.value, period.key)):
        return chart
    return [replace(job, then=tuple(chart)) for job in make(kind=Kind.DIGEST, due=period.due)]


def _plan_reminder_jobs(state: WorkspaceState, due: PlanDue, now: datetime) -> list[Job]:
    """One DM per owner of the plan when its latest reminder has come (14, then 3 days before
    the target date; rubric.plans.next_reminder), each claimed once under its own key."""
    reminder = next_reminder(due.target_date, due.created_at, now)
    if reminder is None or due.team.archived:
        return []
    expires = datetime.combine(
        due.target_date + timedelta(days=1), time(0, 0), tzinfo=due.created_at.tzinfo
    )
    jobs = []
    for owner in due.owners:
        target = plan_target(due.team.id, due.plan_id, owner)
        want, retry = _wanted(state, (target, Kind.PLAN_REMINDER.value, reminder.key), now)
        if not want:
            continue
        jobs.append(
            Job(
                kind=Kind.PLAN_REMINDER,
                workspace_id=state.workspace_id,
                slack_team_id=state.slack_team_id,
                target=target,
                period_key=reminder.key,
                channel_id=owner,
                team_id=due.team.id,
                due=reminder.due,
                expires=expires,
                team=due.team,
                retry=retry,
                plan_id=due.plan_id,
            )
        )
    return jobs


# ---- when to look again ------------------------------------------------------------------------

WAKE_CAP = timedelta(hours=24)
"""The longest a workspace goes unplanned: a safety net under the times worked out below (at
10,000 workspaces, one planning every nine seconds)."""

WakeSource = Callable[[WorkspaceState, datetime, Policy], Iterator[datetime]]


def _checkin_wakes(state: WorkspaceState, now: datetime, policy: Policy) -> Iterator[datetime]:
    """Each unit's next slot (its check-in and lead DMs), and the reminder of a check-in that
    went out. Early is harmless (the planner finds nothing and looks again); late is not."""
    for team in state.teams:
        for unit in _units(state, team):
            schedule = unit.team.schedule
            if unit.team.archived or not unit.team.channel_id or schedule is None:
                continue
            yield next_due(schedule, now)
            period = _open_period(state, unit, now)
            if period is None:
                continue  # answered, skipped, away or over: no reminder for it
            checkin = state.deliveries.get((unit.target, Kind.CHECKIN.value, period.key))
            if checkin is None or checkin.status != "sent":
                continue
            sent_at = checkin.sent_at or period.due
            base = sent_at if sent_at - period.due > LATE_CHECKIN else period.due
            remind_at = base + policy.reminder_after
            if now < remind_at < period.end:
                yield remind_at


def _digest_wakes(state: WorkspaceState, now: datetime, policy: Policy) -> Iterator[datetime]:
    """Each channel's next weekly summary (its chart follows it)."""
    for teams in channels_of(state.teams).values():
        yield next_due(digest_schedule(policy, channel_zone(teams, policy.default_tz)), now)


def _plan_wakes(state: WorkspaceState, now: datetime, policy: Policy) -> Iterator[datetime]:
    """Each plan's next reminder to its owners (the planner loads plans a day before their
    first reminder, so one comes into view before its time)."""
    for due in state.plans:
        upcoming = [r.due for r in reminders(due.target_date, due.created_at) if r.due > now]
        if upcoming:
            yield upcoming[0]


WAKE_SOURCES: tuple[WakeSource, ...] = (_checkin_wakes, _digest_wakes, _plan_wakes)
"""Everything that can fall due, one function per kind: a new kind of message adds its own."""


def next_wake(state: WorkspaceState, now: datetime, policy: Policy) -> datetime:
    """The earliest time after `now` at which planning this workspace may find something to
    send: a slot, a reminder, a summary, or a pending claim whose lease runs out (a retry, or
    one to give up)."""
    wake = now + WAKE_CAP
    for source in WAKE_SOURCES:
        for at in source(state, now, policy):
            wake = min(wake, at)
    if state.next_lease_end is not None:
        wake = min(wake, state.next_lease_end)
    return wake
