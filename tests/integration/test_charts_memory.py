"""Rendering many charts must not leak: figures are dropped, caches are bounded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in its own interpreter so other tests' allocations do not blur the measurement.
SCRIPT = """
import ctypes, ctypes.util, gc, os
import matplotlib.figure
from bot.charts import TeamOverview, render_criteria, render_heatmap, render_overview, render_trend
from rubric.model import Stage
from tests.support.charts_factory import sample_criteria, sample_rubric, sample_trend, sample_votes

libc = ctypes.CDLL(ctypes.util.find_library("c"))

def rss_mb():
    # glibc keeps freed arenas mapped; without a trim RSS swings by 20-35 MB between two reads
    # while the Python heap stays flat, which made this test fail at random.
    gc.collect()
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

rubric = sample_rubric()
trends = [sample_trend(rubric, weeks=12, seed=seed) for seed in range(4)]
criteria, votes = sample_criteria(rubric), sample_votes(rubric)
teams = [
    TeamOverview(f"Team {k}", list(Stage)[k % 3], {s.id: k % 7 for s in rubric.sections}, k % 7,
                 {s.id: k % 2 for s in rubric.sections})
    for k in range(12)
]

def render(i):
    kind = i % 4
    if kind == 0:
        return render_trend(trends[i % 4], rubric, team=f"Team {i % 10}")
    if kind == 1:
        return render_heatmap(trends[i % 4], rubric, team=f"Team {i % 10}", language="es")
    if kind == 2:
        return render_overview(teams, rubric)
    return render_criteria(rubric, criteria, votes=votes)

for i in range(40):  # warm-up: imports, font cache, text cache, allocator pools
    render(i)
before = rss_mb()
for i in range(200):
    chart = render(i)
    assert chart.png.startswith(b"\\x89PNG")
del chart
gc.collect()  # figures sit in reference cycles until a collection; none may survive one
print(sum(isinstance(o, matplotlib.figure.Figure) for o in gc.get_objects()))
print(f"{rss_mb() - before:.2f}")
"""


def test_rendering_200_charts_grows_memory_by_less_than_10_mb():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    *_, live_figures, growth = result.stdout.strip().splitlines()
    assert int(live_figures) == 0, f"{live_figures} figures still alive after rendering"
    growth_mb = float(growth)
    assert growth_mb < 10, f"RSS grew {growth_mb:.1f} MB over 200 renders"
