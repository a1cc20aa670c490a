"""Stage criteria x answers -> what a team still has to do for its stage.

A mandatory test that is not done is a gap; one done by hand only is a partial gap whose next step
is automation. Optional tests that are not done are listed apart: they never count against
readiness.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from rubric.model import Criteria, Item, LevelScale, Requirement, Rubric, Snapshot, Stage
from rubric.scoring import done_threshold, format_number, is_complete, is_done


class GapKind(StrEnum):
    MISSING = "missing"
    PARTIAL = "partial"


@dataclass(frozen=True)
class Gap:
    """One mandatory item short of its target.

    `next_step` is the choice to reach next: a level key on a level scale ("manual" for a missing
    test, "automated" for a manual one), or the value as a string on a range scale ("6", the
    done-at value, for a missing one; "10", the top, for a partial one).
    """

    item_id: str
    section_id: str
    kind: GapKind
    requirement: Requirement
    next_step: str


@dataclass(frozen=True)
class GapReport:
    """Where a team stands against its stage's criteria. Item ids are in rubric order."""

    stage: Stage
    mandatory: tuple[str, ...]
    gaps: tuple[Gap, ...]
    partial: tuple[Gap, ...]
    optional_open: tuple[str, ...]
    readiness: float
    waived: tuple[str, ...] = ()
    """Mandatory items under a waiver that holds: not gaps, and not counted in readiness."""

    @property
    def met(self) -> tuple[str, ...]:
        """Mandatory items that are done (by hand or automated)."""
        missing = {gap.item_id for gap in self.gaps}
        return tuple(item_id for item_id in self.mandatory if item_id not in missing)

    @property
    def ready(self) -> bool:
        """Every mandatory item is done (partial gaps allowed)."""
        return not self.gaps


def find_gaps(
    rubric: Rubric, criteria: Criteria, snapshot: Snapshot, waived: Collection[str] = ()
) -> GapReport:
    """Measure a snapshot against the criteria for the snapshot's stage.

    Disabled items are ignored, and so are `waived` mandatory items (listed apart): someone
    stood behind "this does not apply to this system" until a date. An item the criteria do
    not mention counts as optional (see Criteria.requirement). Readiness is the share of
    mandatory items that are done, 1.0 when nothing is mandatory.
    """
    stage = snapshot.stage
    mandatory: list[str] = []
    gaps: list[Gap] = []
    partial: list[Gap] = []
    optional_open: list[str] = []
    waived_mandatory: list[str] = []
    for section in rubric.sections:
        for item in section.items:
            if not item.enabled:
                continue
            requirement = criteria.requirement(item.id, stage)
            choice = snapshot.choice(item.id)
            done = is_done(rubric, choice)
            if requirement is Requirement.MANDATORY and item.id in waived:
                waived_mandatory.append(item.id)
            elif requirement is Requirement.MANDATORY:
                mandatory.append(item.id)
                if not done:
                    gaps.append(_gap(rubric, item, section.id, GapKind.MISSING, requirement))
                elif not is_complete(rubric, choice):
                    partial.append(_gap(rubric, item, section.id, GapKind.PARTIAL, requirement))
            elif requirement is Requirement.OPTIONAL and not done:
                optional_open.append(item.id)
    met = len(mandatory) - len(gaps)
    readiness = float(Fraction(met, len(mandatory))) if mandatory else 1.0
    return GapReport(
        stage=stage,
        mandatory=tuple(mandatory),
        gaps=tuple(gaps),
        partial=tuple(partial),
        optional_open=tuple(optional_open),
        readiness=readiness,
        waived=tuple(waived_mandatory),
    )


def next_step(rubric: Rubric, kind: GapKind) -> str:
    """The choice that closes a gap of this kind on the rubric's scale."""
    scale = rubric.scale
    if not isinstance(scale, LevelScale):
        target = done_threshold(scale) if kind is GapKind.MISSING else scale.max
        return format_number(target)
    # Scale order, not points order, decides "first": it is the order people see the levels in.
    top = max(scale.levels, key=lambda level: level.points)
    if kind is GapKind.MISSING:
        wanted = next((level for level in scale.levels if level.done), top)
    else:
        wanted = next((level for level in scale.levels if level.complete), top)
    return wanted.key


def _gap(
    rubric: Rubric, item: Item, section_id: str, kind: GapKind, requirement: Requirement
) -> Gap:
    return Gap(
        item_id=item.id,
        section_id=section_id,
        kind=kind,
        requirement=requirement,
        next_step=next_step(rubric, kind),
    )
