"""History of assessments -> plain series for charts and trend text.

The data shapes here are the contract between the domain and bot/charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rubric.model import Stage


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
