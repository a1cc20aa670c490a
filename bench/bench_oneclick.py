"""What a routine check-in sends to Slack: the one-page check-in against the paged modal.

The baseline is the paged modal of the same rubric and answers (four pages, one per section),
built in the same run. Printed: views, blocks and bytes a person's screen receives to see every
item, and the time to build them, as ratios against the baseline.

    .venv/bin/python -m bench.bench_oneclick
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, ratio
from bot.slack.blocks.assessment import AssessmentMeta, ItemInput, build_assessment_page, pages
from bot.slack.blocks.quick import build_one_page
from rubric.catalog import default_rubric
from rubric.model import Stage

RUNS = 200


def main() -> int:
    rubric = default_rubric()
    answers = {
        item.id: ItemInput("manual", "schema checked in CI", "https://ci.example/job/1", "CI")
        for item in rubric.items
    }

    def paged() -> list[dict[str, object]]:
        return [
            build_assessment_page(
                rubric,
                meta=AssessmentMeta("7", page=page.index, period="2026-W02"),
                team_name="Vision",
                language="en",
                stage=Stage.PRODUCTION,
                answers=answers,
            )
            for page in pages(rubric)
        ]

    def one_page(focus: tuple[str, ...]) -> list[dict[str, object]]:
        meta = AssessmentMeta("7", period="2026-W02", focus=focus)
        return [
            build_one_page(rubric, meta=meta, team_name="Vision", language="en", answers=answers)
        ]

    cases = {
        "paged modal (baseline)": paged,
        "one page, nothing to focus on (all 28)": lambda: one_page(()),
        "one page, 3 likely changes": lambda: one_page(("FD1", "MD4", "Mo3")),
    }
    print(f"bench_oneclick: {machine()}")
    base_bytes = base_time = 0.0
    for label, build in cases.items():
        views = build()
        size = sum(len(json.dumps(view)) for view in views)
        blocks = sum(len(view["blocks"]) for view in views)  # type: ignore[arg-type]
        started = time.perf_counter()
        for _ in range(RUNS):
            build()
        seconds = (time.perf_counter() - started) / RUNS
        if not base_bytes:
            base_bytes, base_time = size, seconds
        print(
            f"  {label}: {len(views)} view(s), {blocks} blocks, {size} bytes "
            f"(x{ratio(size, base_bytes):.2f}), built in {seconds * 1000:.2f} ms "
            f"(x{ratio(seconds, base_time):.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
