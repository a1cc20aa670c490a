"""One scheduling pass: plan what is due in every workspace, then claim and send it.

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
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from bot.metrics import DeliveryOutcome
from bot.scheduling.deps import TickDeps
from bot.scheduling.plan import Job, current_keys, plan
from bot.scheduling.send import Outcome, Sender
from bot.services.scheduling import DeliveryKey

log = logging.getLogger(__name__)

MAX_ROUNDS = 4


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

    @property
    def sent_total(self) -> int:
        return sum(self.sent.values())


def run_tick(deps: TickDeps, now: datetime) -> TickReport:
    """One pass over every workspace at `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    report = TickReport(now=now)
    sender = Sender(deps, now, deps.monotonic())
    spaces = deps.store.workspaces()
    for workspace_id, slack_team_id in spaces:
        if deps.stopping.is_set():
            break
        try:
            _run_workspace(deps, sender, workspace_id, slack_team_id, report)
        except Exception as error:
            log.exception("the scheduling pass of workspace %s broke off", slack_team_id)
            report.errors.append(f"{slack_team_id}: {type(error).__name__}: {error}")
    report.pending = deps.store.pending_count()
    deps.metrics.set_deliveries_pending(report.pending)
    log.info(
        "tick at %s: sent %d %s, %d unconfirmed, %d failed, %d claimed elsewhere, %d given up, "
        "%d pending%s",
        now.isoformat(),
        report.sent_total,
        dict(report.sent),
        len(report.unconfirmed),
        len(report.failed),
        report.lost,
        len(report.abandoned),
        report.pending,
        f"; stopped early, {report.stopped} left for the next tick" if report.stopped else "",
    )
    return report


def _run_workspace(
    deps: TickDeps, sender: Sender, workspace_id: int, slack_team_id: str, report: TickReport
) -> None:
    jobs: list[Job] = []
    for _ in range(MAX_ROUNDS):
        jobs = _plan(deps, workspace_id, slack_team_id, sender.current())
        if not jobs:
            break
        outcomes = _send_all(deps, sender, jobs)
        for outcome in outcomes:
            _record(report, outcome)
        if deps.stopping.is_set() or not any(outcome.went_out for outcome in outcomes):
            break
    if deps.stopping.is_set():
        # The later rounds were never planned: what they would have wanted is unknown, so
        # nothing pending is given up on this pass.
        return
    _abandon_unwanted(deps, workspace_id, _keys(jobs), sender.current(), report)


def _keys(jobs: Iterable[Job]) -> set[DeliveryKey]:
    keys: set[DeliveryKey] = set()
    for job in jobs:
        keys.add(job.key)
        keys |= _keys(job.then)
    return keys


def _plan(deps: TickDeps, workspace_id: int, slack_team_id: str, now: datetime) -> list[Job]:
    policy = deps.policy
    state = deps.store.workspace_state(
        workspace_id=workspace_id,
        slack_team_id=slack_team_id,
        period_keys=lambda bare: current_keys(bare, now, policy),
        today=now.date(),
    )
    return plan(state, now, policy)


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
