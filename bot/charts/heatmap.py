"""Item heatmap: every test down the side, every assessment across, one colour per level.

The grid is a single image (one imshow), not a patch per cell, and cells carry no text: with
28 x 52 cells both would cost more than the rest of the chart together. Cells whose level moved
since the previous assessment get a small triangle (one scatter per direction).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.charts import labels, palette
from bot.charts.render import (
    TALL,
    Chart,
    axes_rect,
    cell_grid,
    column_labels,
    draw_item_rows,
    figure,
    item_rows,
    title_block,
    to_png,
    top_legend,
)
from rubric.model import LevelScale, RangeScale, Rubric
from rubric.scoring import format_number, range_values
from rubric.trends import Trend

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SKIPPED = -2
NO_ANSWER = -1
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class HeatmapGrid:
    """What the heatmap plots: codes[row][column] is a category index, NO_ANSWER or SKIPPED."""

    item_ids: tuple[str, ...]
    codes: tuple[tuple[int, ...], ...]
    categories: tuple[Category, ...]
    moved_up: tuple[tuple[int, int], ...]  # (row, column)
    moved_down: tuple[tuple[int, int], ...]
    compared_with: int | None  # column the last answered column was compared with


def categories(rubric: Rubric, language: str) -> tuple[Category, ...]:
    """The levels in increasing order of points, each with its ramp colour."""
    if isinstance(rubric.scale, LevelScale):
        levels = sorted(rubric.scale.levels, key=lambda level: level.points)
        keys = [level.key for level in levels]
        names = [labels.level_label(rubric, key, language) for key in keys]
    else:
        keys = [format_number(value) for value in range_values(rubric.scale)]
        names = keys
    # Start the ramp a little above its lightest end so "lowest level" never reads as "empty".
    count = len(keys)
    colours = [palette.ramp_at(0.18 + 0.82 * i / max(count - 1, 1)) for i in range(count)]
    return tuple(Category(k, n, c) for k, n, c in zip(keys, names, colours, strict=True))


def _code(rubric: Rubric, choice: str | None, index: dict[str, int]) -> int:
    if choice is None:
        return NO_ANSWER
    if isinstance(rubric.scale, RangeScale):
        try:
            value = float(choice)
        except ValueError:
            return NO_ANSWER
        steps = round((value - rubric.scale.min) / rubric.scale.step)
        return steps if 0 <= steps < len(index) else NO_ANSWER
    return index.get(choice, NO_ANSWER)


def heatmap_grid(trend: Trend, rubric: Rubric, *, language: str = "en") -> HeatmapGrid:
    """The codes behind the heatmap (pure: no matplotlib)."""
    cats = categories(rubric, language)
    index = {cat.key: i for i, cat in enumerate(cats)}
    rows = item_rows(rubric)
    codes = tuple(
        tuple(
            SKIPPED if point.skipped else _code(rubric, point.levels.get(item.id), index)
            for point in trend.points
        )
        for _, item in rows
    )
    answered = [
        column
        for column, point in enumerate(trend.points)
        if not point.skipped and any(row[column] >= 0 for row in codes)
    ]
    up: list[tuple[int, int]] = []
    down: list[tuple[int, int]] = []
    for before, after in itertools.pairwise(answered):
        for row, cells in enumerate(codes):
            if cells[before] >= 0 and cells[after] >= 0 and cells[before] != cells[after]:
                (up if cells[after] > cells[before] else down).append((row, after))
    return HeatmapGrid(
        item_ids=tuple(item.id for _, item in rows),
        codes=codes,
        categories=cats,
        moved_up=tuple(up),
        moved_down=tuple(down),
        compared_with=answered[-2] if len(answered) > 1 else None,
    )


def heatmap_alt_text(trend: Trend, rubric: Rubric, *, team: str, language: str = "en") -> str:
    """Level counts at the latest answered assessment, and how many tests moved since the last."""
    grid = heatmap_grid(trend, rubric, language=language)
    columns = [c for c in range(len(trend.points)) if any(row[c] >= 0 for row in grid.codes)]
    if not columns:
        return labels.label("heatmap_alt_empty", language, team=team, items=len(grid.item_ids))
    last = columns[-1]
    counts = Counter(row[last] for row in grid.codes if row[last] >= 0)
    phrases = [
        labels.count_phrase(cat.key, counts[i], language, fallback=cat.label)
        for i, cat in reversed(list(enumerate(grid.categories)))
    ]
    moved = ""
    if grid.compared_with is not None:
        up = sum(1 for _, column in grid.moved_up if column == last)
        down = sum(1 for _, column in grid.moved_down if column == last)
        moved = labels.label(
            "heatmap_alt_moved",
            language,
            date=labels.short_date(trend.points[grid.compared_with].at, language),
            up=up,
            down=down,
        )
    return labels.label(
        "heatmap_alt",
        language,
        team=team,
        items=len(grid.item_ids),
        columns=len(trend.points),
        counts=", ".join(phrases),
        moved=moved,
    )


def render_heatmap(
    trend: Trend, rubric: Rubric, *, team: str, language: str = "en", dpi: int = 100
) -> Chart:
    """The team's item heatmap (1000x780 at dpi 100)."""
    lang = labels.language_of(language)
    grid = heatmap_grid(trend, rubric, language=lang)
    rubric_name = labels.rubric_name(rubric, lang)
    title = labels.label("heatmap_title", lang, rubric=rubric_name, team=team)
    date = labels.long_date(trend.points[-1].at, lang) if trend.points else ""
    alt_text = heatmap_alt_text(trend, rubric, team=team, language=lang)
    with figure(*TALL, dpi=dpi) as fig:
        _draw(fig, grid, trend, rubric, lang)
        title_block(fig, title, date)
        png, width, height = to_png(fig)
    return Chart(
        png=png,
        alt_text=alt_text,
        width=width,
        height=height,
        title=f"{title} \u00b7 {date}" if date else title,
    )


def _draw(fig: Figure, grid: HeatmapGrid, trend: Trend, rubric: Rubric, language: str) -> None:
    import numpy as np
    from matplotlib.colors import to_rgb
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows, columns = len(grid.codes), max(len(trend.points), 1)
    ax = fig.add_axes(axes_rect(fig, left_px=384, right_px=136, top_px=104, bottom_px=52))
    colour_of = {i: to_rgb(cat.colour) for i, cat in enumerate(grid.categories)}
    colour_of[NO_ANSWER] = to_rgb(palette.NO_ANSWER)
    colour_of[SKIPPED] = to_rgb(palette.SKIPPED)
    empty = [[colour_of[NO_ANSWER]] for _ in grid.codes]  # no history yet: one blank column
    image = np.array(
        [[colour_of[code] for code in row] for row in grid.codes] if trend.points else empty,
        dtype=float,
    ).reshape(rows, columns, 3)
    ax.imshow(image, aspect="auto", interpolation="nearest", resample=False)
    cell_grid(ax, rows, columns, lw=1.0 if columns <= 26 else 0.6)

    skipped = [c for c, point in enumerate(trend.points) if point.skipped]
    for column in skipped:
        ax.axvspan(
            column - 0.5,
            column + 0.5,
            facecolor="none",
            hatch="///",
            edgecolor=palette.SKIPPED_HATCH,
            lw=0,
        )

    draw_item_rows(ax, item_rows(rubric), columns, language, chars=46)

    # Triangles for moved cells, sized to the cell so 52 columns stay legible.
    cell_pt = min(ax.bbox.width / columns, ax.bbox.height / max(rows, 1)) * 72 / fig.dpi
    size = (cell_pt * 0.62) ** 2
    marks = ((grid.moved_up, "^"), (grid.moved_down, "v"))
    for cells, marker in marks:
        if cells:
            ax.scatter(
                [column for _, column in cells],
                [row for row, _ in cells],
                s=size,
                marker=marker,
                c=palette.HIGHLIGHT,
                edgecolors=palette.MARK_EDGE,
                linewidths=0.6,
                zorder=3,
            )

    # As many date labels as fit side by side (about 64 px each), evenly spaced.
    fit = max(1, min(MAX_X_LABELS, int(ax.bbox.width / (64 * fig.dpi / 100))))
    step = max(1, math.ceil(columns / fit))
    ticks = list(range(0, len(trend.points), step))
    column_labels(
        ax, ticks, [labels.short_date(trend.points[c].at, language) for c in ticks], top=False
    )

    handles: list[Patch | Line2D] = [
        Patch(facecolor=cat.colour, label=labels.capitalised(cat.label)) for cat in grid.categories
    ]
    handles.append(
        Patch(
            facecolor=palette.NO_ANSWER,
            edgecolor="#b0b0b0",
            lw=0.8,
            label=labels.capitalised(labels.label("no_answer", language)),
        )
    )
    if skipped:
        handles.append(
            Patch(
                facecolor=palette.SKIPPED,
                hatch="///",
                edgecolor=palette.SKIPPED_HATCH,
                lw=0,
                label=labels.capitalised(labels.label("skipped", language)),
            )
        )
    for cells, marker, key in (
        (grid.moved_up, "^", "moved_up"),
        (grid.moved_down, "v", "moved_down"),
    ):
        if cells:
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker=marker,
                    ms=9,
                    markerfacecolor=palette.HIGHLIGHT,
                    markeredgecolor=palette.MARK_EDGE,
                    markeredgewidth=0.6,
                    label=labels.capitalised(labels.label(key, language)),
                )
            )
    top_legend(
        fig,
        handles,
        ncol=len(handles),
        handlelength=1.4,
        handleheight=1.1,
        columnspacing=1.4,
    )
