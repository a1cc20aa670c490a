"""History of assessments -> plain series for charts and trend text.

The data shapes here are the contract between the domain and bot/charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rubric.model import Rubric, Snapshot, Stage
from rubric.scoring import score


@dataclass(frozen=True)
class TrendPoint:
    """One period on a team's timeline.

    A skipped period has `skipped=True` and None scores: it is shown as a gap, never as a zero.
    """

    period: str
    at: datetime
    stage: Stage | None
    final: float | None
    sections: dict[str, float | None] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    skipped: bool = False


@dataclass(frozen=True)
class Trend:
    points: tuple[TrendPoint, ...]
    section_ids: tuple[str, ...]
    stage_changes: tuple[int, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    """One period of a team's history; `snapshot` None means the period was skipped."""

    period: str
    at: datetime
    snapshot: Snapshot | None


def build_trend(rubric: Rubric, entries: Sequence[HistoryEntry]) -> Trend:
    """Turn a history, in timeline order, into plain series.

    Every point carries the score of each scored section (those with an enabled item, as in
    `scoring.score`), the final score and the level chosen per enabled item. A skipped period
    keeps its place with None scores. `stage_changes` lists the indices of points whose stage
    differs from the last non-skipped point before them.
    """
    section_ids = tuple(
        section.id for section in rubric.sections if any(item.enabled for item in section.items)
    )
    enabled = tuple(item.id for item in rubric.items if item.enabled)
    points: list[TrendPoint] = []
    changes: list[int] = []
    last_stage: Stage | None = None
    for entry in entries:
        snapshot = entry.snapshot
        if snapshot is None:
            points.append(
                TrendPoint(
                    period=entry.period,
                    at=entry.at,
                    stage=None,
                    final=None,
                    sections=dict.fromkeys(section_ids),
                    skipped=True,
                )
            )
            continue
        result = score(rubric, snapshot.answers)
        if last_stage is not None and snapshot.stage != last_stage:
            changes.append(len(points))
        last_stage = snapshot.stage
        points.append(
            TrendPoint(
                period=entry.period,
                at=entry.at,
                stage=snapshot.stage,
                final=result.final,
                sections={section.section_id: section.score for section in result.sections},
                levels={
                    item_id: answer.choice
                    for item_id in enabled
                    if (answer := snapshot.answers.get(item_id)) is not None
                },
            )
        )
    return Trend(points=tuple(points), section_ids=section_ids, stage_changes=tuple(changes))
