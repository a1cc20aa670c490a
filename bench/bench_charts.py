"""Chart render time against a bare matplotlib figure with the same data and size.

For each chart: the median of N renders, next to the median of N bare renders (one Figure of the
same pixel size and dpi, the same lines or cells drawn plainly, savefig to PNG), measured
interleaved in the same run so both see the same machine load. The target is ratio <= 1.5.
Also: cold `import bot.charts` (which must not import matplotlib) and the first render, each in a
fresh interpreter.

    .venv/bin/python bench/bench_charts.py [--n 15]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.charts import (  # noqa: E402  after the path tweak, so it runs from any directory
    TeamOverview,
    render_criteria,
    render_heatmap,
    render_overview,
    render_trend,
)
from bot.charts.heatmap import heatmap_grid  # noqa: E402
from bot.charts.trend import TrendSeries, trend_series  # noqa: E402
from rubric.model import Stage  # noqa: E402
from tests.support.charts_factory import (  # noqa: E402
    sample_criteria,
    sample_rubric,
    sample_trend,
    sample_votes,
)


def bare_figure(width: int, height: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bare_lines(
    series: TrendSeries, width: int, height: int, *, labelled: bool
) -> Callable[[], bytes]:
    """The same series as plain lines; `labelled` adds what identifies the data (dates, names)."""

    def run() -> bytes:
        fig = bare_figure(width, height)
        ax = fig.add_subplot()
        x = range(len(series.final))
        ax.plot(x, series.final, label="final")
        for section in series.sections:
            ax.plot(x, section.values, label=section.name)
        if labelled:
            ax.set_xticks(x, series.x_labels)
            ax.legend(loc="upper left")
        return save(fig)

    return run


def bare_cells(
    grid: list[list[float]],
    width: int,
    height: int,
    *,
    texts: Sequence[tuple[int, int, str]] = (),
    rows: Sequence[str] = (),
    columns: Sequence[str] = (),
) -> Callable[[], bytes]:
    """The same grid as one plain imshow, with the given cell texts and row/column tick labels."""

    def run() -> bytes:
        fig = bare_figure(width, height)
        ax = fig.add_subplot()
        ax.imshow(grid, aspect="auto")
        for row, column, text in texts:
            ax.text(column, row, text, ha="center", va="center")
        if rows:
            ax.set_yticks(range(len(rows)), rows)
        if columns:
            ax.set_xticks(range(len(columns)), columns)
        return save(fig)

    return run


def median_ms(fn: Callable[[], object], n: int) -> float:
    return statistics.median(_time(fn) for _ in range(n))


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def compare(
    name: str,
    chart: Callable[[], object],
    labelled: Callable[[], object],
    bare: Callable[[], object],
    n: int,
) -> float:
    """Median ms of the chart, the labelled bare figure and the unlabelled one, interleaved."""
    for fn in (chart, labelled, bare):
        fn()  # warm caches (fonts, glyph metrics) for every side
    times: list[list[float]] = [[], [], []]
    for _ in range(n):  # interleaved so all sides see the same machine load
        for side, fn in enumerate((chart, labelled, bare)):
            times[side].append(_time(fn))
    c, lab, b = (statistics.median(t) for t in times)
    print(
        f"{name:<34} chart {c:6.1f} ms | bare+labels {lab:6.1f} ms  ratio {c / lab:4.2f}"
        f" | bare {b:6.1f} ms  ratio {c / b:4.2f}"
    )
    return c / lab


COLD = """
import time, sys
t0 = time.perf_counter()
import bot.charts
t1 = time.perf_counter()
assert "matplotlib" not in sys.modules
from tests.support.charts_factory import sample_rubric, sample_trend
rubric = sample_rubric()
trend = sample_trend(rubric, weeks=12)
t2 = time.perf_counter()
bot.charts.render_trend(trend, rubric, team="Vision")
t3 = time.perf_counter()
bot.charts.render_trend(trend, rubric, team="Vision")
t4 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.1f} {(t3 - t2) * 1000:.1f} {(t4 - t3) * 1000:.1f}")
"""


def cold_start() -> None:
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append([float(v) for v in out.stdout.split()])
    imp, first, second = (statistics.median(r[i] for r in runs) for i in range(3))
    print(
        f"cold: import bot.charts {imp:.1f} ms (no matplotlib); "
        f"first render incl. matplotlib import {first:.1f} ms; second render {second:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=15)
    n = parser.parse_args().n

    rubric = sample_rubric()
    items = [f"{item.id}  {item.name.en}" for item in rubric.items]
    ratios = {}
    for weeks in (12, 52):
        trend = sample_trend(rubric, weeks=weeks, skipped=(3, 7) if weeks == 12 else (3, 10, 30))
        series = trend_series(trend, rubric)
        ratios[f"trend {weeks} periods"] = compare(
            f"trend, {weeks} periods x 5 lines",
            partial(render_trend, trend, rubric, team="Vision"),
            bare_lines(series, 1000, 560, labelled=True),
            bare_lines(series, 1000, 560, labelled=False),
            n,
        )
        codes = [[float(c) for c in row] for row in heatmap_grid(trend, rubric).codes]
        dates = [p.at.strftime("%d %b") for p in trend.points]
        ratios[f"heatmap {weeks}"] = compare(
            f"heatmap, 28 x {weeks} cells",
            partial(render_heatmap, trend, rubric, team="Vision"),
            bare_cells(codes, 1000, 780, rows=items, columns=dates),
            bare_cells(codes, 1000, 780),
            n,
        )

    teams = [
        TeamOverview(
            name=f"Team {k}",
            stage=list(Stage)[k % 3],
            sections={s.id: ((k * 3 + j * 5) % 15) / 2 for j, s in enumerate(rubric.sections)},
            final=((k * 3) % 15) / 2,
            gaps_by_section={s.id: (k + j) % 3 for j, s in enumerate(rubric.sections)},
        )
        for k in range(15)
    ]
    grid = [[*team.sections.values(), team.final or 0.0] for team in teams]
    texts = [(r, c, f"{v:.1f}") for r, row in enumerate(grid) for c, v in enumerate(row)]
    headers = [s.name.en for s in rubric.sections] + ["Final"]
    ratios["overview"] = compare(
        "overview, 15 teams x 5 + scores",
        lambda: render_overview(teams, rubric),
        bare_cells(grid, 1000, 584, texts=texts, rows=[t.name for t in teams], columns=headers),
        bare_cells(grid, 1000, 584, texts=texts),
        n,
    )

    criteria = sample_criteria(rubric)
    votes = sample_votes(rubric)
    cells = [
        [float(criteria.requirement(item.id, stage).rank) for stage in Stage]
        for item in rubric.items
    ]
    stages = [stage.value for stage in Stage]
    ratios["criteria"] = compare(
        "criteria, 28 x 3",
        lambda: render_criteria(rubric, criteria),
        bare_cells(cells, 1000, 780, rows=items, columns=stages),
        bare_cells(cells, 1000, 780),
        n,
    )
    vote_texts = [
        (r, c, " . ".join(str(v) for v in votes[(item.id, stage)].values()))
        for r, item in enumerate(rubric.items)
        for c, stage in enumerate(Stage)
    ]
    ratios["criteria+votes"] = compare(
        "criteria, 28 x 3 + 84 vote texts",
        lambda: render_criteria(rubric, criteria, votes=votes),
        bare_cells(cells, 1000, 780, texts=vote_texts, rows=items, columns=stages),
        bare_cells(cells, 1000, 780, texts=vote_texts),
        n,
    )
    cold_start()
    worst = max(ratios, key=lambda k: ratios[k])
    print(f"worst ratio vs bare+labels: {ratios[worst]:.2f} ({worst}); target <= 1.5")


if __name__ == "__main__":
    main()
