"""The spread of several people's answers for one period: a stacked bar per test.

Each bar counts the respondents per level, lowest level lightest (the ordered blue ramp, so the
order survives grey-scale and colour blindness); a test where the answers differ gets an orange
mark beside it, the palette's "look here" colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.charts import labels, palette
from bot.charts.render import (
    TALL,
    Chart,
    axes_rect,
    draw_item_rows,
    figure,
    item_rows,
    title_block,
    to_png,
    top_legend,
)
from rubric.model import LevelScale, Rubric

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

Spread = Mapping[str, Sequence[tuple[str, int]]]
"""item id -> (choice, how many chose it)."""


def _levels(rubric: Rubric, spread: Spread) -> list[str]:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        return [level.key for level in scale.levels]
    found = sorted({choice for counts in spread.values() for choice, _ in counts}, key=float)
    return found


def spread_alt_text(
    rubric: Rubric, spread: Spread, *, team: str, period: str, respondents: int, language: str
) -> str:
    disputed = [item for item, counts in spread.items() if len(counts) > 1]
    common = {"count": respondents, "items": len(spread), "team": team, "period": period}
    if not disputed:
        return labels.label("spread_alt_agree", language, **common)
    return labels.label(
        "spread_alt", language, disputed=len(disputed), tests=", ".join(disputed), **common
    )


def render_spread(
    rubric: Rubric,
    spread: Spread,
    *,
    team: str,
    period: str,
    respondents: int,
    language: str = "en",
    dpi: int = 100,
) -> Chart:
    """Per test, how many chose each level (1000x780 at dpi 100)."""
    lang = labels.language_of(language)
    title = labels.label("spread_title", lang, count=respondents, team=team, period=period)
    alt_text = spread_alt_text(
        rubric, spread, team=team, period=period, respondents=respondents, language=lang
    )
    with figure(*TALL, dpi=dpi) as fig:
        _draw(fig, rubric, spread, respondents, lang)
        title_block(fig, title, "")
        png, width, height = to_png(fig)
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=title)


def _draw(fig: Figure, rubric: Rubric, spread: Spread, respondents: int, language: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = item_rows(rubric)
    levels = _levels(rubric, spread)
    colours = dict(zip(levels, palette.ramp(len(levels)), strict=True))
    ax = fig.add_axes(axes_rect(fig, left_px=440, right_px=136, top_px=110, bottom_px=40))
    total = max(respondents, 1)
    for row, (_, item) in enumerate(rows):
        left = 0.0
        counts = dict(spread.get(item.id, ()))
        for level in levels:
            count = counts.get(level, 0)
            if not count:
                continue
            ax.barh(row, count, left=left, height=0.72, color=colours[level], edgecolor="white")
            ax.text(
                left + count / 2,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=9,
                color=palette.text_on(colours[level]),
            )
            left += count
        if len(counts) > 1:
            ax.plot([total + 0.25], [row], marker="D", color=palette.HIGHLIGHT, markersize=6)
    draw_item_rows(ax, rows, 1, language, chars=53)
    ax.set_xlim(0, total + 0.5)
    handles: list[Artist] = [
        Patch(
            facecolor=colours[level], edgecolor="#b0b0b0", label=labels.level_name(level, language)
        )
        for level in levels
    ]
    if any(len(counts) > 1 for counts in spread.values()):
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                linestyle="none",
                color=palette.HIGHLIGHT,
                label=labels.label("spread_disputed", language),
            )
        )
    top_legend(fig, handles, ncol=len(handles), handlelength=1.4, columnspacing=1.6)
