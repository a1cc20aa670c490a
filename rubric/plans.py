"""Stage moves, plans and waivers: what a move to a stage asks for, what raises the score
soonest, when a plan's reminders fall due, whether a waiver holds, and a plan's burn-up.

Pure: the caller passes the date or time ("today", "now"); nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rubric.gaps import find_gaps
from rubric.model import Criteria, Requirement, Rubric, Snapshot, Stage
from rubric.scoring import is_complete, is_done, max_points, points, score

WAIVER_MAX_DAYS = 366
PLAN_MAX_DAYS = 365
"""How far ahead a plan's target date may be: a year from today."""
"""A waiver lasts at most one year (a leap year's 366 days)."""

WAIVER_WARNING_DAYS = 14
"""The weekly summary warns about a waiver this many days before it ends."""

PLAN_REMINDER_DAYS: tuple[int, ...] = (14, 3)
"""Owners are reminded this many days before a plan's target date."""


@dataclass(frozen=True)
class Unmet:
    """An item mandatory at the target stage and not done today."""

    item_id: str
    section_id: str
    choice: str | None
    """The current answer (a level key), None when never answered."""
    already_mandatory: bool
    """Mandatory at the current stage too: a gap already, not a new requirement."""


@dataclass(frozen=True)
class Action:
    """An item whose improvement raises the final score: it is in a weakest section and not
    complete. `gain` is what its section gains by taking it to the top of the scale."""

    item_id: str
    section_id: str
    choice: str | None
    gain: float


@dataclass(frozen=True)
class Preview:
    """What moving a system from `current` to `target` asks for, measured on its latest answers."""

    current: Stage
    target: Stage
    unmet: tuple[Unmet, ...]
    waived: tuple[str, ...]
    """Mandatory at the target but waived: not counted while the waiver holds."""
    mandatory: int
    """How many items are mandatory at the target (waived ones included)."""
    final_score: float
    weakest: tuple[str, ...]
    """The sections at the minimum; the final score rises only when all of them rise."""
    next_actions: tuple[Action, ...]


def preview(
    rubric: Rubric,
    criteria: Criteria,
    snapshot: Snapshot | None,
    target: Stage,
    *,
    current: Stage,
    waived: Collection[str] = (),
    counted: Snapshot | None = None,
) -> Preview:
    """The items a move to `target` makes mandatory that are not done today, with their answers,
    and the next best actions. With no assessment yet, nothing is done.

    `counted`: the answers as the gaps count them at `target` (rubric.evidence.apply_policy
    lowers a claim lacking its required link); the score and next actions keep `snapshot`."""
    answers = snapshot if snapshot is not None else Snapshot(stage=current)
    measured = counted if counted is not None else answers
    at_target = find_gaps(rubric, criteria, measured.model_copy(update={"stage": target}), waived)
    unmet = tuple(
        Unmet(
            item_id=gap.item_id,
            section_id=gap.section_id,
            choice=answers.choice(gap.item_id),
            already_mandatory=criteria.requirement(gap.item_id, current) is Requirement.MANDATORY,
        )
        for gap in at_target.gaps
    )
    scored = score(rubric, answers.answers)
    return Preview(
        current=current,
        target=target,
        unmet=unmet,
        waived=at_target.waived,
        mandatory=len(at_target.mandatory),
        final_score=scored.final,
        weakest=scored.weakest,
        next_actions=next_best_actions(rubric, answers),
    )


def next_best_actions(rubric: Rubric, snapshot: Snapshot) -> tuple[Action, ...]:
    """The items whose improvement raises the final score soonest.

    The paper's final score is the minimum of the section sums, so raising any other section
    leaves it where it is: only items of the weakest section count (of every weakest section
    when several tie, since all of them must rise). Biggest gain first, then rubric order.
    """
    weakest = set(score(rubric, snapshot.answers).weakest)
    top = max_points(rubric)
    found: list[Action] = []
    for section in rubric.sections:
        if section.id not in weakest:
            continue
        for item in section.items:
            choice = snapshot.choice(item.id)
            if not item.enabled or is_complete(rubric, choice):
                continue
            gain = top - points(rubric, choice)
            found.append(Action(item.id, section.id, choice, gain))
    order = {item.id: index for index, item in enumerate(rubric.items)}
    return tuple(sorted(found, key=lambda action: (-action.gain, order[action.item_id])))


# ---- waivers -----------------------------------------------------------------------------------


def waiver_holds(expires_on: date, today: date) -> bool:
    """A waiver holds up to and including its expiry date."""
    return today <= expires_on


def waiver_expiry_problem(expires_on: date, today: date) -> str | None:
    """Why an expiry date cannot be accepted ("past", "too_far"), or None when it can."""
    if expires_on < today:
        return "past"
    if expires_on > today + timedelta(days=WAIVER_MAX_DAYS):
        return "too_far"
    return None


def plan_date_problem(target_date: date, today: date) -> str | None:
    """Why a plan's target date cannot be accepted ("past": not after today, "too_far": more
    than a year ahead), or None when it can."""
    if target_date <= today:
        return "past"
    if target_date > today + timedelta(days=PLAN_MAX_DAYS):
        return "too_far"
    return None


def expiring_soon(expires_on: date, today: date) -> bool:
    """Whether the summary should warn: the waiver holds and ends within the warning window."""
    return waiver_holds(expires_on, today) and (expires_on - today).days <= WAIVER_WARNING_DAYS


# ---- plans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    days_before: int
    due: datetime

    @property
    def key(self) -> str:
        """The reminder's period key in the deliveries table: "plan-14d", "plan-3d"."""
        return f"plan-{self.days_before}d"


def reminders(target_date: date, created_at: datetime) -> tuple[Reminder, ...]:
    """The reminders of a plan, in order: at 09:00 in the created-at time's zone, N days before
    the target date. A reminder whose time came before the plan was made is left out (a plan
    made 5 days before its target, or 14 days before it after 09:00, gets only the 3-day one)."""
    zone = created_at.tzinfo
    found = []
    for days in PLAN_REMINDER_DAYS:
        due = datetime.combine(target_date - timedelta(days=days), time(9, 0), tzinfo=zone)
        if due > created_at:  # one whose time had passed would go out with the plan's own DM
            found.append(Reminder(days, due))
    return tuple(found)


def next_reminder(
    target_date: date, created_at: datetime, now: datetime, sent: Collection[str] = ()
) -> Reminder | None:
    """The plan reminder to send at `now`: the latest one due and not sent yet (an earlier one
    missed while down is not sent as well: one reminder says the same), None before the first,
    after the target date, or when the latest due one went out."""
    if now.date() > target_date:
        return None
    due = [reminder for reminder in reminders(target_date, created_at) if reminder.due <= now]
    if not due or due[-1].key in sent:
        return None
    return due[-1]


@dataclass(frozen=True)
class BurnupPoint:
    at: datetime
    met: int


def items_met(
    rubric: Rubric, snapshot: Snapshot | None, items: Iterable[str], waived: Collection[str] = ()
) -> tuple[str, ...]:
    """The plan items done in the snapshot (or waived), in the order given."""
    return tuple(
        item_id
        for item_id in items
        if item_id in waived or (snapshot is not None and is_done(rubric, snapshot.choice(item_id)))
    )


def burnup(
    rubric: Rubric,
    items: Sequence[str],
    created_at: datetime,
    history: Sequence[tuple[datetime, Snapshot]],
    now: datetime,
    *,
    met_now: int | None = None,
) -> tuple[BurnupPoint, ...]:
    """Items met over time: one point when the plan was made (from the assessment in force
    then), one per assessment after it, and one at `now`, each counting the items done.

    `met_now`: the items met today as the plan counts them (its claims, the evidence policy
    and the waivers in force), so that the chart ends where the plan's list stands."""
    before = [snap for at, snap in history if at <= created_at]
    current = before[-1] if before else None
    points_: list[BurnupPoint] = [BurnupPoint(created_at, len(items_met(rubric, current, items)))]
    for at, snap in history:
        if created_at < at <= now:
            current = snap
            points_.append(BurnupPoint(at, len(items_met(rubric, current, items))))
    last = points_[-1].met if met_now is None else met_now
    if now > points_[-1].at:
        points_.append(BurnupPoint(now, last))
    else:
        points_[-1] = BurnupPoint(points_[-1].at, last)
    return tuple(points_)
