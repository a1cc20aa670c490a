"""A plan's burn-up: the tests met over time (a step line: an assessment changes the count at
once), the plan's total as the goal line, and its target date as a dashed vertical line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.charts import labels, palette
from bot.charts.render import WIDE, Chart, axes_rect, figure, title_block, to_png, top_legend
from rubric.model import Rubric, Stage

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DAY_SECONDS = 86_400
MAX_TICKS = 8


@dataclass(frozen=True)
class BurnupSeries:
    """What the chart plots: days since the plan was made, and the tests met at each."""

    days: tuple[float, ...]
    met: tuple[int, ...]
    total: int
    target_day: float


def burnup_series(
    points: Sequence[tuple[datetime, int]], total: int, target_date: date
) -> BurnupSeries:
    start = points[0][0]
    target = datetime.combine(target_date, time(0, 0), tzinfo=start.tzinfo)
    return BurnupSeries(
        days=tuple((at - start).total_seconds() / DAY_SECONDS for at, _ in points),
        met=tuple(met for _, met in points),
        total=total,
        target_day=(target - start).total_seconds() / DAY_SECONDS,
    )


def burnup_alt_text(
    points: Sequence[tuple[datetime, int]],
    total: int,
    *,
    team: str,
    rubric: Rubric,
    stage: Stage,
    target_date: date,
    language: str = "en",
) -> str:
    lang = labels.language_of(language)
    return labels.label(
        "burnup_alt",
        lang,
        team=team,
        stage=labels.stage_name(stage, lang),
        met=points[-1][1],
        total=total,
        today=labels.long_date(points[-1][0], lang),
        start=points[0][1],
        created=labels.long_date(points[0][0], lang),
        date=labels.long_date(datetime.combine(target_date, time(0, 0)), lang),
    )


def render_burnup(
    points: Sequence[tuple[datetime, int]],
    total: int,
    *,
    team: str,
    rubric: Rubric,
    stage: Stage,
    target_date: date,
    language: str = "en",
    dpi: int = 100,
) -> Chart:
    """The plan's burn-up chart; `points` are (when, tests met), oldest first, at least one."""
    if not points:
        raise ValueError("a burn-up needs at least the plan's first point")
    lang = labels.language_of(language)
    series = burnup_series(points, total, target_date)
    title = labels.label("burnup_title", lang, team=team, stage=labels.stage_name(stage, lang))
    subtitle = labels.long_date(points[-1][0], lang)
    alt_text = burnup_alt_text(
        points,
        total,
        team=team,
        rubric=rubric,
        stage=stage,
        target_date=target_date,
        language=lang,
    )
    with figure(*WIDE, dpi=dpi) as fig:
        _draw(fig, series, points[0][0], lang)
        title_block(fig, title, subtitle)
        png, width, height = to_png(fig)
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=title)


def _draw(fig: Figure, series: BurnupSeries, start: datetime, language: str) -> None:
    ax = fig.add_axes(axes_rect(fig, left_px=64, right_px=40, top_px=110, bottom_px=54))
    right = max(series.target_day, series.days[-1]) * 1.04 + 0.5
    ax.set_xlim(-0.5, right)
    ax.set_ylim(0, max(series.total, 1) * 1.12)
    ax.grid(axis="y", color=palette.GRID, lw=0.8)
    ax.set_axisbelow(True)
    ax.set_ylabel(labels.label("burnup_axis", language))
    ax.tick_params(axis="both", length=0, pad=6)
    goal = ax.axhline(
        series.total,
        color=palette.MUTED,
        lw=1.2,
        ls=":",
        label=labels.label("burnup_goal", language, total=series.total),
    )
    target = ax.axvline(
        series.target_day,
        color=palette.HIGHLIGHT,
        lw=2,
        ls="--",
        label=labels.label("burnup_target", language),
    )
    (line,) = ax.step(
        series.days,
        series.met,
        where="post",
        color=palette.OKABE_ITO_BLUE,
        lw=2.6,
        label=labels.label("burnup_met", language),
        zorder=3,
    )
    ax.plot(series.days, series.met, ls="none", marker="o", ms=6, color=palette.OKABE_ITO_BLUE)
    step = max(1, round(right / MAX_TICKS))
    ticks = list(range(0, int(right) + 1, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels.short_date(start + timedelta(days=day), language) for day in ticks])
    top_legend(fig, [line, target, goal], ncol=3)
