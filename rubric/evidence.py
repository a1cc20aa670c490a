"""Claims, their evidence and their freshness, and the evidence policy of a stage.

A claim is an item's level as a system last stated it, with the link that backs it, when it
was last confirmed (a check-in that kept it, or a passing CI push) and by whom. Everything here
is pure: `now` is always passed in, so "is this claim stale at time t" can be asked of any
moment (the scheduler's simulated clock, a report of the past).

The paper's score is never changed by evidence or freshness: the policy only changes how a
claim counts in the gaps, and staleness is reported beside the score.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from rubric.model import LevelScale, Requirement, Rubric, Snapshot, Stage
from rubric.scoring import is_complete, is_done

URL_MAX = 2000
LABEL_MAX = 100


class PushResult(StrEnum):
    PASSED = "pass"
    FAILED = "fail"


def valid_evidence_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no spaces or control characters."""
    if not url or len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Claim:
    """One item's standing claim for a system."""

    item_id: str
    choice: str
    confirmed_at: datetime
    confirmed_by: str
    """A Slack user id, or "token:<id>" for a CI push."""
    evidence_url: str = ""
    evidence_label: str = ""
    failing: bool = False
    """The last CI result for this item was a fail (and no pass came after it)."""

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url)


@dataclass(frozen=True)
class Push:
    """A result a CI pipeline sent for one item."""

    item_id: str
    level: str
    url: str
    result: PushResult
    at: datetime
    by: str


def freshness_days(rubric: Rubric, item_id: str, choice: str) -> int | None:
    """The claim's window in days, or None when it never goes stale (not done, unknown).

    On a range scale the top counts as "automated" and any other done value as "manual"."""
    if not is_done(rubric, choice):
        return None
    key = choice
    if not isinstance(rubric.scale, LevelScale):
        key = "automated" if is_complete(rubric, choice) else "manual"
    return rubric.freshness.days(item_id, key)


def stale_since(rubric: Rubric, claim: Claim) -> datetime | None:
    """When the claim goes (or went) stale; None when it never does."""
    days = freshness_days(rubric, claim.item_id, claim.choice)
    return None if days is None else claim.confirmed_at + timedelta(days=days)


def is_stale(rubric: Rubric, claim: Claim, now: datetime) -> bool:
    """Whether the claim is older than its freshness window at `now`."""
    expires = stale_since(rubric, claim)
    return expires is not None and now >= expires


def stale_items(
    rubric: Rubric, claims: Mapping[str, Claim], now: datetime, *, waived: Collection[str] = ()
) -> tuple[str, ...]:
    """The enabled items whose claims are stale at `now`, in rubric order. A `waived` item is
    left out: until its waiver ends the team need not keep it up."""
    return tuple(
        item.id
        for item in rubric.items
        if item.enabled
        and item.id in claims
        and item.id not in waived
        and is_stale(rubric, claims[item.id], now)
    )


def _level_rank(rubric: Rubric, key: str) -> int:
    scale = rubric.scale
    if not isinstance(scale, LevelScale):
        return -1
    keys = [level.key for level in scale.levels]
    return keys.index(key) if key in keys else -1


def apply_pushes(
    rubric: Rubric,
    claims: Mapping[str, Claim],
    pushes: Iterable[Push],
    *,
    allow_upgrade: bool,
) -> dict[str, Claim]:
    """The claims with the CI pushes that came after them laid over, oldest push first.

    A pass at the claimed level or above confirms the claim (its time, link and confirmer);
    at a higher level it raises the claim only with `allow_upgrade`. A pass below the claim
    confirms nothing. A fail marks the claim failing until a later pass. A push for an item
    with no claim yet starts one only when it passes and upgrades are allowed.
    """
    result = dict(claims)
    for push in sorted(pushes, key=lambda p: p.at):
        claim = result.get(push.item_id)
        if claim is not None and push.at < claim.confirmed_at:
            continue
        if push.result is PushResult.FAILED:
            if claim is not None:
                result[push.item_id] = replace(claim, failing=True)
            continue
        push_rank = _level_rank(rubric, push.level)
        if claim is None:
            if allow_upgrade and push_rank >= 0:
                result[push.item_id] = Claim(
                    push.item_id, push.level, push.at, push.by, push.url, "CI"
                )
            continue
        claim_rank = _level_rank(rubric, claim.choice)
        if push_rank < claim_rank or push_rank < 0:
            continue
        choice = push.level if (push_rank > claim_rank and allow_upgrade) else claim.choice
        result[push.item_id] = replace(
            claim,
            choice=choice,
            confirmed_at=push.at,
            confirmed_by=push.by,
            evidence_url=push.url,
            evidence_label=claim.evidence_label if claim.evidence_url == push.url else "CI",
            failing=False,
        )
    return result


def carry_failing(before: Mapping[str, Claim], answered: Mapping[str, Claim]) -> dict[str, Claim]:
    """A new assessment's claims (`answered`), failing where the claim before it was failing
    and the new answer keeps its level and link: a check-in that did not touch the item fixes
    nothing; a later pass does, or someone changing the answer (a new claim to test)."""
    carried = dict(answered)
    for item_id, claim in answered.items():
        old = before.get(item_id)
        if old is None or not old.failing:
            continue
        if (old.choice, old.evidence_url) == (claim.choice, claim.evidence_url):
            carried[item_id] = replace(claim, failing=True)
    return carried


def claims_over(
    rubric: Rubric,
    assessments: Sequence[tuple[datetime, Mapping[str, Claim]]],
    pushes: Iterable[Push],
    *,
    allow_upgrade: bool,
) -> dict[str, Claim]:
    """The claims after a run of assessments (oldest first: when each was submitted and the
    claims its answers make) with the pushes received from the first one on: each assessment
    gets the pushes received until the next one (apply_pushes), and its failing marks carry
    into the next one where they still apply (carry_failing)."""
    ordered = sorted(pushes, key=lambda p: p.at)
    claims: dict[str, Claim] = {}
    for index, (at, answered) in enumerate(assessments):
        until = assessments[index + 1][0] if index + 1 < len(assessments) else None
        window = [p for p in ordered if p.at >= at and (until is None or p.at < until)]
        claims = apply_pushes(
            rubric, carry_failing(claims, answered), window, allow_upgrade=allow_upgrade
        )
    return claims


# ---- evidence policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidencePolicy:
    """Which levels need a link at each stage, for items mandatory there."""

    required: Mapping[Stage, frozenset[str]]

    def levels_at(self, stage: Stage) -> frozenset[str]:
        return self.required.get(stage, frozenset())


NO_POLICY = EvidencePolicy(required={})


@dataclass(frozen=True)
class Downgrade:
    """A claim that counts one level lower in the gaps because it lacks required evidence."""

    item_id: str
    claimed: str
    counted: str


def level_below(rubric: Rubric, key: str) -> str | None:
    scale = rubric.scale
    if not isinstance(scale, LevelScale):
        return None
    rank = _level_rank(rubric, key)
    return scale.levels[rank - 1].key if rank > 0 else None


def apply_policy(
    rubric: Rubric,
    requirement_of: Mapping[str, Requirement],
    policy: EvidencePolicy,
    snapshot: Snapshot,
    *,
    waived: Collection[str] = (),
) -> tuple[Snapshot, tuple[Downgrade, ...]]:
    """The snapshot as the gaps should count it under `policy`, and the claims it lowered.

    Only items mandatory at the snapshot's stage (`requirement_of`) are touched; a claim at a
    level that needs evidence and has no link counts as the level below. A `waived` item is
    not: the team need not do it while the waiver holds, let alone back it with a link."""
    needed = policy.levels_at(snapshot.stage)
    if not needed:
        return snapshot, ()
    answers = dict(snapshot.answers)
    lowered: list[Downgrade] = []
    for item in rubric.items:
        answer = answers.get(item.id)
        if answer is None or item.id in waived:
            continue
        if requirement_of.get(item.id) is not Requirement.MANDATORY:
            continue
        if answer.choice in needed and not answer.evidence_url:
            below = level_below(rubric, answer.choice)
            if below is None:
                continue
            answers[item.id] = answer.model_copy(update={"choice": below})
            lowered.append(Downgrade(item.id, answer.choice, below))
    return snapshot.model_copy(update={"answers": answers}), tuple(lowered)
