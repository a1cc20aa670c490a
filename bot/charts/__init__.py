"""Charts as PNG bytes with alt text: team trend, item heatmap, organisation overview, criteria.

Importing this package does not import matplotlib; the first render does (see render.py).
"""

from __future__ import annotations

from bot.charts.burnup import render_burnup
from bot.charts.criteria import render_criteria
from bot.charts.heatmap import render_heatmap
from bot.charts.overview import MAX_TEAMS as MAX_OVERVIEW_TEAMS
from bot.charts.overview import TeamOverview, render_overview
from bot.charts.render import Chart, png_size
from bot.charts.trend import render_systems_trend, render_trend

__all__ = [
    "MAX_OVERVIEW_TEAMS",
    "Chart",
    "TeamOverview",
    "png_size",
    "render_burnup",
    "render_criteria",
    "render_heatmap",
    "render_overview",
    "render_systems_trend",
    "render_trend",
]
