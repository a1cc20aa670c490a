"""A routine check-in: which items need a look before "nothing changed" can be taken as is, and
which most likely changed since the last agreed answers.

Pure: the caller passes the claims as they stand, the gap report, the claims the evidence policy
lowered, and the stale items (rubric.evidence.stale_items at the moment of the check-in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rubric.evidence import Claim, Downgrade
from rubric.gaps import GapReport
from rubric.model import Rubric


def _in_rubric_order(rubric: Rubric, ids: Iterable[str]) -> tuple[str, ...]:
    wanted = set(ids)
    return tuple(item.id for item in rubric.items if item.enabled and item.id in wanted)


def needs_review(
    rubric: Rubric,
    claims: Mapping[str, Claim],
    *,
    stale: Iterable[str],
    downgrades: Iterable[Downgrade],
) -> tuple[str, ...]:
    """Items a one-click "nothing changed" must not simply re-confirm, in rubric order: claims
    past their freshness window, mandatory claims lacking the link the policy requires, and
    claims whose last CI result failed (re-confirming them would drop the failure unseen)."""
    failing = (item_id for item_id, claim in claims.items() if claim.failing)
    return _in_rubric_order(rubric, [*stale, *(d.item_id for d in downgrades), *failing])


def likely_changed(
    rubric: Rubric,
    claims: Mapping[str, Claim],
    *,
    stale: Iterable[str],
    downgrades: Iterable[Downgrade],
    gaps: GapReport,
) -> tuple[str, ...]:
    """What the "Update" page starts with, in rubric order: everything `needs_review` names,
    and the open gaps (mandatory items not met at the stage), where work is expected."""
    review = needs_review(rubric, claims, stale=stale, downgrades=downgrades)
    return _in_rubric_order(rubric, [*review, *(gap.item_id for gap in gaps.gaps)])
