"""One scheduling pass: claim the workspaces with something due, plan and send it, store when
each is next due.

The due-work table (bot.services.scheduling) says which workspaces have anything due: an idle
pass is one indexed query, whatever the number of teams. Workspaces are claimed a few at a time
(FOR UPDATE SKIP LOCKED on PostgreSQL), so replicas share them instead of each planning all. A
claimed batch is loaded with a few set-based queries and planned, its messages are claimed in
one transaction, and they are sent by a few threads at once. A claim is a lease: a replica that
dies mid-pass leaves its workspaces due again when it runs out. Planning then works as before
from fresh state, and the deliveries table's unique keys still decide, per message, who sends
it.

A pass runs in rounds: check-ins and digests first; then, from fresh state, what depends on one
of them having gone out (the leads' DMs, reminders, the digest's chart). Jobs are interleaved
across channels and sent by a few worker threads sharing one pacer, so a channel's second
message waits its turn without holding up the others. Pending deliveries that nobody wants any
more (their period is over, the team answered or went away) are given up explicitly: marked
failed with the reason, logged and counted, never left to linger or dropped silently. A post
Slack did not confirm counts as gone out for what follows it, and is reported on its own.

A pass asked to stop (TickDeps.stop(); `mlscore tick` on SIGTERM) claims nothing more: posts
under way finish and are recorded, claims still waiting for their turn are given back, and
nothing is given up on that pass.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.metrics import DeliveryOutcome
from bot.scheduling.deps import TickDeps
from bot.scheduling.kinds import Kind
from bot.scheduling.plan import Job, current_keys, next_wake, plan
from bot.scheduling.send import Outcome, Sender
from bot.services.scheduling import ClaimedWork, DeliveryKey, WorkspaceState

log = logging.getLogger(__name__)

MAX_ROUNDS = 4
CLAIM_BATCH = 16
"""Workspaces claimed per claim transaction: small, so replicas share what is due."""


@dataclass
class TickReport:
    now: datetime
    sent: Counter[str] = field(default_factory=Counter)
    """Messages sent, by kind."""
    failed: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(kind, target, period key, error) of sends that failed and will be retried."""
    unconfirmed: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(kind, target, period key, note) of posts Slack did not answer: may be there, not re-sent."""
    lost: int = 0
    """Claims another process won (it sends those)."""
    abandoned: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(kind, target, period key, reason) of pending deliveries given up as no longer wanted."""
    errors: list[str] = field(default_factory=list)
    """Workspaces whose pass broke off (logged with their traceback)."""
    pending: int = 0
    stopped: int = 0
    """Jobs not sent because the process was stopping (the next tick sends them)."""

    planned: int = 0
    """Workspaces planned in this pass (those with something due)."""

    @property
    def sent_total(self) -> int:
        return sum(self.sent.values())

    def merge(self, other: TickReport) -> None:
        self.sent.update(other.sent)
        self.failed += other.failed
        self.unconfirmed += other.unconfirmed
        self.lost += other.lost
        self.abandoned += other.abandoned
        self.errors += other.errors
        self.stopped += other.stopped


def run_tick(deps: TickDeps, now: datetime) -> TickReport:
    """One pass at `now` (an aware datetime) over the workspaces with something due."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    report = TickReport(now=now)
    sender = Sender(deps, now, deps.monotonic())
    token = uuid.uuid4().hex
    seen: set[int] = set()
    lock = threading.Lock()
    worked = False
    share = _Shared(report, lock)
    with ThreadPoolExecutor(max_workers=max(deps.workers, 1), thread_name_prefix="tick-ws") as pool:
        while not deps.stopping.is_set():
            claimed = deps.store.claim_due(
                now, _lease(deps, sender), token=token, limit=CLAIM_BATCH
            )
            fresh = [work for work in claimed if work.workspace_id not in seen]
            # One planned already in this pass (it changed meanwhile, or its next time has
            # come) is left to the next tick.
            finished = [(work, _next_tick(now)) for work in claimed if work.workspace_id in seen]
            seen.update(work.workspace_id for work in fresh)
            planned = _plan_batch(deps, sender, fresh)
            wakes = pool.map(
                lambda item: _run_claimed(deps, sender, item[0], share, item[1]),
                [(work, planned.get(work.workspace_id)) for work in fresh],
            )
            finished += zip(fresh, wakes, strict=True)
            _release_held(sender)
            _finish(deps, token, finished, report)
            if not fresh:
                break
            worked = True
    if worked:
        report.pending = deps.store.pending_count()
        deps.metrics.set_deliveries_pending(report.pending)
    log.info(
        "tick at %s: planned %d workspaces; sent %d %s, %d unconfirmed, %d failed, %d claimed "
        "elsewhere, %d given up, %d pending%s",
        now.isoformat(),
        len(seen),
        report.sent_total,
        dict(report.sent),
        len(report.unconfirmed),
        len(report.failed),
        report.lost,
        len(report.abandoned),
        report.pending,
        f"; stopped early, {report.stopped} left for the next tick" if report.stopped else "",
    )
    report.planned = len(seen)
    return report


def _lease(deps: TickDeps, sender: Sender) -> timedelta:
    """How long a claimed workspace stays this pass's: the delivery lease, counted from the
    pass's `now` moved on by its running time (the claim compares with the tick's `now`)."""
    return deps.lease + (sender.current() - sender.now)


def _next_tick(now: datetime) -> datetime:
    """Due for the next pass, not this one (whose claims compare with `now`)."""
    return now + timedelta(microseconds=1)


@dataclass(frozen=True)
class _Shared:
    """What the threads of one pass share: its report (behind the lock)."""

    report: TickReport
    lock: threading.Lock


_Planned = tuple[datetime, WorkspaceState, list[Job]]
"""A workspace's first round: when it was planned, the state, the jobs."""


def _plan_batch(
    deps: TickDeps, sender: Sender, batch: Sequence[ClaimedWork]
) -> dict[int, _Planned]:
    """The first round of each claimed workspace, loaded with a few set-based queries for the
    whole batch and planned, with its messages claimed in one transaction (not one each). A
    workspace missing from the answer plans on its own."""
    policy = deps.policy
    at = sender.current()
    try:
        states = deps.store.workspace_states(
            [(work.workspace_id, work.slack_team_id) for work in batch],
            period_keys=lambda bare: current_keys(bare, at, policy),
            today=at.date(),
        )
    except Exception:
        log.exception("could not load %d workspaces at once; one by one", len(batch))
        return {}
    planned: dict[int, _Planned] = {}
    for workspace_id, state in states.items():
        try:
            planned[workspace_id] = (at, state, plan(state, at, policy))
        except Exception:
            log.exception("could not plan workspace %s with its batch", state.slack_team_id)
    try:
        sender.hold(job for _, _, jobs in planned.values() for job in jobs)
    except Exception:
        # Each message is then claimed on its own as it goes.
        log.exception("could not claim the messages of %d workspaces at once", len(planned))
    return planned


def _release_held(sender: Sender) -> None:
    try:
        sender.release_held()
    except Exception:
        log.exception("could not give back the unsent claims of a batch; they run out")


def _run_claimed(
    deps: TickDeps,
    sender: Sender,
    work: ClaimedWork,
    share: _Shared,
    planned: _Planned | None = None,
) -> datetime:
    """Plan and send one claimed workspace (from `planned`, its first round planned with the
    batch); when it is next due (at the next pass when it broke off or the process is
    stopping)."""
    own = TickReport(now=share.report.now)
    wake: datetime | None = None
    try:
        wake = _run_workspace(
            deps, sender, work.workspace_id, work.slack_team_id, own, first=planned
        )
    except Exception as error:
        log.exception("the scheduling pass of workspace %s broke off", work.slack_team_id)
        own.errors.append(f"{work.slack_team_id}: {type(error).__name__}: {error}")
    with share.lock:
        share.report.merge(own)
    return wake if wake is not None else _next_tick(share.report.now)


def _finish(
    deps: TickDeps,
    token: str,
    finished: Sequence[tuple[ClaimedWork, datetime]],
    report: TickReport,
) -> None:
    """Store the next due times of a batch in one transaction (one commit, not one each)."""
    if not finished:
        return
    try:
        deps.store.finish_due(finished, token=token)
    except Exception as error:
        # Their claims run out by themselves and the workspaces fall due again then.
        log.exception("could not store when %d workspaces are next due", len(finished))
        report.errors.append(f"due work: {type(error).__name__}: {error}")


def _run_workspace(
    deps: TickDeps,
    sender: Sender,
    workspace_id: int,
    slack_team_id: str,
    report: TickReport,
    *,
    first: _Planned | None = None,
) -> datetime | None:
    """Send what is due in the workspace; when it is next due (None: at the next pass)."""
    jobs: list[Job] = []
    wake: datetime | None = None
    state: WorkspaceState | None = None
    for round_ in range(MAX_ROUNDS):
        at = sender.current()
        if round_ == 0 and first is not None:
            at, state, planned = first
        else:
            state, planned = _plan(deps, workspace_id, slack_team_id, at)
        if not planned:
            wake = next_wake(state, at, deps.policy)
            break
        jobs = planned
        outcomes = _send_all(deps, sender, jobs)
        for outcome in outcomes:
            _record(report, outcome)
        if deps.stopping.is_set():
            break
        if all(outcome.went_out for outcome in outcomes):
            # Everything planned went out, follow-ups included: nothing new can be due before
            # a sent check-in's reminder, so the next due time needs no second load.
            wake = _wake_after_sends(deps, state, outcomes, sender.current())
            break
    if deps.stopping.is_set():
        # The later rounds were never planned: what they would have wanted is unknown, so
        # nothing pending is given up on this pass.
        return None
    now = sender.current()
    if state is not None and (state.next_lease_end is None or state.next_lease_end >= now):
        # No claim of the workspace had run out when it was last loaded (and those made
        # since run out later): nothing to give up, no need to ask.
        return wake
    _abandon_unwanted(deps, workspace_id, _keys(jobs), now, report)
    return wake


def _wake_after_sends(
    deps: TickDeps, state: WorkspaceState, outcomes: Sequence[Outcome], now: datetime
) -> datetime:
    """The next due time from the state the sends were planned from, and no later than the
    reminder of each check-in that just went out, counted from its slot (the planner counts a
    late one from when it went out: later, so this is never too late; when it is already
    past, the next tick plans the workspace again and stores the exact time)."""
    policy = deps.policy
    wake = next_wake(state, now, policy)
    for outcome in outcomes:
        job = outcome.job
        if job.kind is not Kind.CHECKIN:
            continue
        remind_at = job.due + policy.reminder_after
        if remind_at < job.expires:
            wake = min(wake, remind_at)
    return wake


def _keys(jobs: Iterable[Job]) -> set[DeliveryKey]:
    keys: set[DeliveryKey] = set()
    for job in jobs:
        keys.add(job.key)
        keys |= _keys(job.then)
    return keys


def _plan(
    deps: TickDeps, workspace_id: int, slack_team_id: str, now: datetime
) -> tuple[WorkspaceState, list[Job]]:
    policy = deps.policy
    state = deps.store.workspace_state(
        workspace_id=workspace_id,
        slack_team_id=slack_team_id,
        period_keys=lambda bare: current_keys(bare, now, policy),
        today=now.date(),
    )
    return state, plan(state, now, policy)


def interleave(jobs: Sequence[Job]) -> list[Job]:
    """Round-robin over channels, keeping each channel's order: consecutive jobs go to
    different channels, so the per-channel pace rarely makes a worker wait."""
    queues: dict[str, list[Job]] = {}
    for job in jobs:
        queues.setdefault(job.channel_id, []).append(job)
    ordered: list[Job] = []
    while queues:
        for channel in list(queues):
            ordered.append(queues[channel].pop(0))
            if not queues[channel]:
                del queues[channel]
    return ordered


def _send_all(deps: TickDeps, sender: Sender, jobs: Sequence[Job]) -> list[Outcome]:
    ordered = interleave(jobs)
    if deps.workers <= 1 or len(ordered) == 1:
        return [outcome for job in ordered for outcome in _chain(sender, job)]
    with ThreadPoolExecutor(max_workers=deps.workers, thread_name_prefix="tick") as pool:
        chains = list(pool.map(lambda job: _chain(sender, job), ordered))
    return [outcome for chain in chains for outcome in chain]


def _chain(sender: Sender, job: Job) -> list[Outcome]:
    """The job, then its follow-ups if it went out (or may have)."""
    outcome = _safe(sender, job)
    outcomes = [outcome]
    if outcome.went_out:
        for follow_up in job.then:
            outcomes += _chain(sender, follow_up)
    return outcomes


def _safe(sender: Sender, job: Job) -> Outcome:
    """A database error while claiming or recording must not stop the other jobs."""
    try:
        return sender.deliver(job)
    except Exception as error:
        log.exception("delivery %s %s %s broke off", job.kind.value, job.target, job.period_key)
        return Outcome(job, "failed", f"{type(error).__name__}: {error}")


def _record(report: TickReport, outcome: Outcome) -> None:
    job = outcome.job
    if outcome.status == "sent":
        report.sent[job.kind.value] += 1
    elif outcome.status == "unconfirmed":
        report.unconfirmed.append((job.kind.value, job.target, job.period_key, outcome.error or ""))
    elif outcome.status == "lost":
        report.lost += 1
    elif outcome.status == "stopped":
        report.stopped += 1
    else:
        report.failed.append((job.kind.value, job.target, job.period_key, outcome.error or ""))


def _abandon_unwanted(
    deps: TickDeps,
    workspace_id: int,
    planned: Iterable[DeliveryKey],
    now: datetime,
    report: TickReport,
) -> None:
    wanted = set(planned)
    for claim in deps.store.expired_claims(workspace_id, now):
        ref = claim.ref
        if ref.key in wanted:
            continue
        reason = (
            "given up: no longer due (its grace window or period ended, the team answered, "
            f"skipped or is away); last error: {claim.last_error or 'none (never sent)'}"
        )
        if deps.store.give_up(ref, now, reason):
            log.warning(
                "gave up %s to %s for %s after %d attempts: %s",
                ref.kind,
                ref.target,
                ref.period_key,
                claim.attempts,
                reason,
            )
            deps.metrics.delivery(ref.kind, DeliveryOutcome.FAILED)
            report.abandoned.append((ref.kind, ref.target, ref.period_key, reason))
