"""Scoring cost: `rubric.scoring.score` and a trend over two years of weekly assessments.

`score` sums points as exact fractions so that 0.5 + 0.5 + ... never drifts. The baseline is the
same sums done with plain floats (`math.fsum` over the points of each section), interleaved in
the same run. A trend of 104 weekly assessments is what `/mlscore scorecard` and `trend` score
on every call.

    .venv/bin/python -m bench.bench_scoring [--n 2000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, ratio
from rubric.catalog import default_rubric
from rubric.model import Answer, Rubric, Snapshot, Stage
from rubric.scoring import points, score
from rubric.trends import HistoryEntry, build_trend

LEVELS = ("not_done", "manual", "automated")


def answers_for(rubric: Rubric, seed: int) -> dict[str, Answer]:
    return {
        item.id: Answer(item_id=item.id, choice=LEVELS[(index * 7 + seed) % 3])
        for index, item in enumerate(rubric.items)
    }


def float_sums(rubric: Rubric, answers: dict[str, Answer]) -> float:
    """The baseline: the same section sums and minimum, in floats."""
    sums = [
        math.fsum(points(rubric, answers[item.id].choice) for item in section.items)
        for section in rubric.sections
    ]
    return min(sums)


def per_call(function: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - started) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per measurement")
    args = parser.parse_args()
    print(f"bench_scoring: {machine()}")
    rubric = default_rubric()
    answers = answers_for(rubric, seed=1)

    ours, base = [], []
    for _ in range(5):  # interleaved, so both see the same load
        ours.append(per_call(lambda: score(rubric, answers), args.n))
        base.append(per_call(lambda: float_sums(rubric, answers), args.n))
    ours_us, base_us = statistics.median(ours) * 1e6, statistics.median(base) * 1e6
    print(f"score(), 28 items: {ours_us:.0f} us per call; float sums {base_us:.0f} us")
    print(f"  ratio {ratio(ours_us, base_us):.2f}")

    start = datetime(2024, 12, 2, 9, tzinfo=UTC)
    history = [
        HistoryEntry(
            period=f"week-{week}",
            at=start + timedelta(weeks=week),
            snapshot=Snapshot(stage=Stage.PRODUCTION, answers=answers_for(rubric, week)),
        )
        for week in range(104)
    ]
    trend = statistics.median(per_call(lambda: build_trend(rubric, history), 20) for _ in range(5))
    print(f"build_trend, 104 weekly assessments: {trend * 1000:.1f} ms")
    print(f"  per assessment {trend / 104 * 1e6:.0f} us, {ratio(trend / 104, base_us / 1e6):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
