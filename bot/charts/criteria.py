"""Criteria matrix: each test down the side, each stage across, coloured by requirement level.

The requirement levels are ordered (does not make sense < poor value < optional < mandatory), so
they get the ordered blue ramp. When the survey's votes are given, each cell also shows the vote
count for every level in that same order, as small text.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    wrap,
)
from rubric.model import Criteria, Requirement, Rubric, Stage

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Votes = Mapping[tuple[str, Stage], Mapping[Requirement, int]]


def requirement_colours() -> dict[Requirement, str]:
    ramp = palette.ramp(len(Requirement))
    return dict(zip(Requirement, ramp, strict=True))


def criteria_alt_text(rubric: Rubric, criteria: Criteria, *, language: str = "en") -> str:
    """How many tests are mandatory at each stage."""
    rows = item_rows(rubric)
    counts = ", ".join(
        labels.label(
            "criteria_alt_stage",
            language,
            stage=labels.stage_label(rubric, stage, language),
            mandatory=sum(
                1
                for _, item in rows
                if criteria.requirement(item.id, stage) is Requirement.MANDATORY
            ),
        )
        for stage in Stage
    )
    return labels.label(
        "criteria_alt",
        language,
        rubric=labels.rubric_name(rubric, language),
        items=len(rows),
        counts=counts,
    )


def render_criteria(
    rubric: Rubric,
    criteria: Criteria,
    *,
    votes: Votes | None = None,
    language: str = "en",
    dpi: int = 100,
) -> Chart:
    """The stage x item requirement matrix (1000x780 at dpi 100)."""
    lang = labels.language_of(language)
    title = labels.label("criteria_title", lang, rubric=labels.rubric_name(rubric, lang))
    alt_text = criteria_alt_text(rubric, criteria, language=lang)
    with figure(*TALL, dpi=dpi) as fig:
        _draw(fig, rubric, criteria, votes, lang)
        title_block(fig, title, "")
        png, width, height = to_png(fig)
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=title)


def _draw(
    fig: Figure, rubric: Rubric, criteria: Criteria, votes: Votes | None, language: str
) -> None:
    import numpy as np
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    rows = item_rows(rubric)
    stages = list(Stage)
    colours = requirement_colours()
    bottom = 52 if votes else 30
    ax = fig.add_axes(axes_rect(fig, left_px=440, right_px=136, top_px=134, bottom_px=bottom))
    cells = [
        [colours[criteria.requirement(item.id, stage)] for stage in stages] for _, item in rows
    ]
    image = np.array([[to_rgb(c) for c in row] for row in cells], dtype=float)
    ax.imshow(image, aspect="auto", interpolation="nearest", resample=False)
    cell_grid(ax, len(rows), len(stages), lw=2.0)
    draw_item_rows(ax, rows, len(stages), language, chars=53)

    if votes:
        order = list(Requirement)
        for row, (_, item) in enumerate(rows):
            for column, stage in enumerate(stages):
                counts = votes.get((item.id, stage))
                if not counts:
                    continue
                ax.text(
                    column,
                    row,
                    "  \u00b7  ".join(str(counts.get(level, 0)) for level in order),
                    ha="center",
                    va="center",
                    fontsize=10,
                    color=palette.text_on(cells[row][column]),
                )
        fig.text(
            24 / (fig.get_figwidth() * 100),
            14 / (fig.get_figheight() * 100),
            labels.label(
                "votes_note",
                language,
                order=" \u00b7 ".join(labels.requirement_name(level, language) for level in order),
            ),
            fontsize=10,
            color=palette.MUTED,
        )

    column_labels(
        ax,
        range(len(stages)),
        [wrap(labels.stage_label(rubric, stage, language), 18) for stage in stages],
        top=True,
        fontsize=10.5,
    )

    handles = [
        Patch(
            facecolor=colours[level],
            edgecolor="#b0b0b0",
            lw=0.6,
            label=labels.requirement_name(level, language),
        )
        for level in Requirement  # same order as the vote counts in the cells
    ]
    top_legend(
        fig, handles, ncol=len(handles), handlelength=1.4, handleheight=1.1, columnspacing=1.6
    )
