"""What changed between two assessments of the same team."""

from __future__ import annotations

from dataclasses import dataclass

from rubric.model import Criteria, Requirement, Rubric, Snapshot, Stage
from rubric.scoring import exact, is_done, points, score


@dataclass(frozen=True)
class ItemChange:
    item_id: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Diff:
    """Changes from `before` to `after`; item ids and changes are in rubric order.

    `improved` and `regressed` hold items answered before whose points went up or down (an answer
    that disappears counts as a drop to 0); `newly_answered` holds items that had no answer before,
    so the three never overlap. `newly_met` and `newly_gapped` are measured against the criteria
    at the after-stage, and are empty without criteria.
    """

    improved: tuple[ItemChange, ...]
    regressed: tuple[ItemChange, ...]
    newly_answered: tuple[ItemChange, ...]
    notes_changed: tuple[str, ...]
    overall_note_changed: bool
    stage_before: Stage | None
    stage_after: Stage
    score_before: float | None
    score_after: float
    score_delta: float | None
    newly_met: tuple[str, ...] = ()
    newly_gapped: tuple[str, ...] = ()

    @property
    def stage_changed(self) -> bool:
        """The stage moved (a first assessment has nothing to move from)."""
        return self.stage_before is not None and self.stage_before != self.stage_after

    @property
    def changed(self) -> bool:
        """Anything at all differs."""
        return bool(
            self.improved
            or self.regressed
            or self.newly_answered
            or self.notes_changed
            or self.overall_note_changed
            or self.stage_changed
        )


def diff(
    rubric: Rubric, before: Snapshot | None, after: Snapshot, criteria: Criteria | None = None
) -> Diff:
    """Compare two snapshots. `before` None is a first assessment: every answer is new.

    Disabled items are ignored. Without `criteria` the rubric's own criteria are used, if any.
    """
    improved: list[ItemChange] = []
    regressed: list[ItemChange] = []
    newly_answered: list[ItemChange] = []
    notes_changed: list[str] = []
    newly_met: list[str] = []
    newly_gapped: list[str] = []
    matrix = criteria if criteria is not None else rubric.criteria
    for item in rubric.items:
        if not item.enabled:
            continue
        old_answer = before.answers.get(item.id) if before else None
        new_answer = after.answers.get(item.id)
        old = old_answer.choice if old_answer else None
        new = new_answer.choice if new_answer else None
        change = ItemChange(item_id=item.id, before=old, after=new)
        if old is None and new is not None:
            newly_answered.append(change)
        elif old is not None:
            old_points, new_points = points(rubric, old), points(rubric, new)
            if new_points > old_points:
                improved.append(change)
            elif new_points < old_points:
                regressed.append(change)
        old_note = old_answer.note if old_answer else ""
        new_note = new_answer.note if new_answer else ""
        if old_note != new_note:
            notes_changed.append(item.id)
        if matrix is not None and matrix.requirement(item.id, after.stage) is Requirement.MANDATORY:
            was_met, is_met = is_done(rubric, old), is_done(rubric, new)
            if is_met and not was_met:
                newly_met.append(item.id)
            elif was_met and not is_met:
                newly_gapped.append(item.id)

    score_after = score(rubric, after.answers).final
    score_before = score(rubric, before.answers).final if before else None
    return Diff(
        improved=tuple(improved),
        regressed=tuple(regressed),
        newly_answered=tuple(newly_answered),
        notes_changed=tuple(notes_changed),
        overall_note_changed=(before.note if before else "") != after.note,
        stage_before=before.stage if before else None,
        stage_after=after.stage,
        score_before=score_before,
        score_after=score_after,
        score_delta=(
            None if score_before is None else float(exact(score_after) - exact(score_before))
        ),
        newly_met=tuple(newly_met),
        newly_gapped=tuple(newly_gapped),
    )
