"""Organisation overview: a team x section grid with the score in each cell, for the weekly summary.

Cells are shaded on the ordered blue ramp by score (0 to the section maximum); the final score
gets its own column. An orange badge with a count marks a section where the team has gaps against
the requirements of its stage. Up to MAX_TEAMS teams fit one chart; callers page beyond that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.charts import labels, palette
from bot.charts.render import (
    Chart,
    axes_rect,
    column_labels,
    ellipsize,
    fig_x,
    fig_y,
    figure,
    section_max,
    title_block,
    to_png,
    wrap,
)
from rubric.model import Rubric, Stage

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_TEAMS = 20
"""Most teams one overview chart shows legibly (28 px a row: 1000x584 for 15 teams, 1000x724 for
20). Callers split longer lists into pages."""

WIDTH = 1000
ROW_PX = 28  # at 15 teams; fewer teams get taller rows, up to the minimum grid height
MIN_GRID_PX = 264
TOP_PX = 118  # title, legend line, column headers
BOTTOM_PX = 46  # footnote
LEFT_PX = 420  # team name and stage columns
RIGHT_PX = 24


@dataclass(frozen=True)
class TeamOverview:
    """One team's row: its stage, section scores by section id, final score, gaps per section."""

    name: str
    stage: Stage
    sections: Mapping[str, float]
    final: float | None
    gaps_by_section: Mapping[str, int] = field(default_factory=dict)
    team: str | None = None
    """For one system of a team with several: the team's name (its rows are drawn together,
    set apart from the next team's); None for a team with one system."""


def grouped(teams: Sequence[TeamOverview]) -> list[TeamOverview]:
    """The rows with each team's systems together, where its first row was (otherwise in the
    order given)."""
    first: dict[str, int] = {}
    keyed: list[tuple[int, int, TeamOverview]] = []
    for position, row in enumerate(teams):
        group = position if row.team is None else first.setdefault(row.team, position)
        keyed.append((group, position, row))
    return [row for _, _, row in sorted(keyed, key=lambda entry: entry[:2])]


def overview_height(teams: int) -> int:
    """Pixel height at dpi 100: 584 for 15 teams, 724 for MAX_TEAMS."""
    return TOP_PX + BOTTOM_PX + max(ROW_PX * teams, MIN_GRID_PX)


def overview_alt_text(
    teams: Sequence[TeamOverview], rubric: Rubric, *, language: str = "en"
) -> str:
    """Highest and lowest final score, and how many teams have gaps (and in which section most)."""
    rubric_name = labels.rubric_name(rubric, language)
    scored = [team for team in teams if team.final is not None]
    if not scored:
        return labels.label("overview_alt_empty", language, rubric=rubric_name, teams=len(teams))
    best = max(scored, key=lambda team: team.final or 0.0)
    worst = min(scored, key=lambda team: team.final or 0.0)
    with_gaps = sum(1 for team in teams if any(n > 0 for n in team.gaps_by_section.values()))
    per_section = {
        section.id: sum(team.gaps_by_section.get(section.id, 0) for team in teams)
        for section in rubric.sections
    }
    most = ""
    if any(per_section.values()):
        top = max(rubric.sections, key=lambda section: per_section[section.id])
        most = labels.label("overview_alt_most", language, section=top.name.get(language))
    assert best.final is not None  # filtered above
    assert worst.final is not None
    return labels.label(
        "overview_alt",
        language,
        rubric=rubric_name,
        teams=len(teams),
        best=best.name,
        best_score=labels.score(best.final, language),
        worst=worst.name,
        worst_score=labels.score(worst.final, language),
        with_gaps=with_gaps,
        most=most,
    )


def render_overview(
    teams: Sequence[TeamOverview],
    rubric: Rubric,
    *,
    language: str = "en",
    title: str | None = None,
    subtitle: str = "",
    dpi: int = 100,
) -> Chart:
    """The overview grid for up to MAX_TEAMS teams (ValueError beyond: page the list)."""
    if len(teams) > MAX_TEAMS:
        raise ValueError(f"{len(teams)} teams exceed {MAX_TEAMS} per overview chart; page them")
    lang = labels.language_of(language)
    rubric_name = labels.rubric_name(rubric, lang)
    heading = title or labels.label("overview_title", lang, rubric=rubric_name)
    alt_text = overview_alt_text(teams, rubric, language=lang)
    teams = grouped(teams)
    with figure(WIDTH, overview_height(len(teams)), dpi=dpi) as fig:
        _draw(fig, teams, rubric, lang)
        title_block(fig, heading, subtitle)
        png, width, height = to_png(fig)
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=heading)


def _draw(fig: Figure, teams: Sequence[TeamOverview], rubric: Rubric, language: str) -> None:
    import numpy as np
    from matplotlib.colors import to_rgb
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    top_score = section_max(rubric)
    sections = rubric.sections
    rows, columns = max(len(teams), 1), len(sections) + 1
    ax = fig.add_axes(
        axes_rect(fig, left_px=LEFT_PX, right_px=RIGHT_PX, top_px=TOP_PX, bottom_px=BOTTOM_PX)
    )
    cells: list[list[tuple[float, float, float]]] = []
    colours: list[list[str]] = []
    for team in teams:
        values = [team.sections.get(section.id) for section in sections] + [team.final]
        shades = [
            palette.NO_ANSWER if value is None else palette.ramp_at(value / top_score)
            for value in values
        ]
        colours.append(shades)
        cells.append([to_rgb(colour) for colour in shades])
    if not teams:
        cells = [[to_rgb(palette.NO_ANSWER)] * columns]
    ax.imshow(np.array(cells, dtype=float), aspect="auto", interpolation="nearest", resample=False)
    ax.vlines([c + 0.5 for c in range(columns - 2)], -0.5, rows - 0.5, colors="#ffffff", lw=2)
    ax.vlines([columns - 1.5], -0.5, rows - 0.5, colors="#ffffff", lw=8)
    ax.hlines([r + 0.5 for r in range(rows - 1)], -0.5, columns - 0.5, colors="#ffffff", lw=2)
    # A team's systems sit together; a rule sets them apart from the rows around them.
    edges = [
        row + 0.5
        for row in range(len(teams) - 1)
        if (teams[row].team or teams[row + 1].team) and teams[row].team != teams[row + 1].team
    ]
    if edges:
        ax.hlines(edges, -0.5, columns - 0.5, colors=palette.INK, lw=1.6, zorder=2)

    badges_x: list[float] = []
    badges_y: list[float] = []
    for row, team in enumerate(teams):
        values = [team.sections.get(section.id) for section in sections] + [team.final]
        for column, value in enumerate(values):
            gaps = team.gaps_by_section.get(sections[column].id, 0) if column < len(sections) else 0
            ax.text(
                column - (0.08 if gaps else 0),
                row,
                "\u2014" if value is None else labels.score(value, language),
                ha="center",
                va="center",
                fontsize=11,
                fontweight="bold" if column == len(sections) else "normal",
                color=palette.text_on(colours[row][column]),
            )
            if gaps:
                badges_x.append(column + 0.3)
                badges_y.append(row)
                ax.text(
                    column + 0.3,
                    row,
                    str(gaps),
                    ha="center",
                    va="center",
                    fontsize=9.5,
                    fontweight="bold",
                    color=palette.INK,
                    zorder=4,
                )
    badge_size = (ROW_PX * 0.74 * 72 / 100) ** 2  # points squared, independent of dpi
    if badges_x:
        ax.scatter(
            badges_x,
            badges_y,
            s=badge_size,
            c=palette.HIGHLIGHT,
            edgecolors="#ffffff",
            linewidths=1.0,
            zorder=3,
        )

    # Team and stage as two text columns in the left margin (plain texts, not ticks).
    team_x, stage_x = fig_x(fig, 24), fig_x(fig, 210)
    rows_transform = blended_transform_factory(fig.transFigure, ax.transData)
    for row, team in enumerate(teams):
        for x, text, colour in (
            (team_x, ellipsize(team.name, 22), palette.INK),
            (
                stage_x,
                ellipsize(labels.stage_label(rubric, team.stage, language), 24),
                palette.MUTED,
            ),
        ):
            ax.text(
                x, row, text, transform=rows_transform, va="center", fontsize=10.5, color=colour
            )
    header_y = blended_transform_factory(fig.transFigure, ax.transAxes)
    for x, key in ((team_x, "team"), (stage_x, "stage_prefix")):
        ax.text(
            x,
            1 + 5 / (ax.get_position().height * fig.get_figheight() * 100),
            labels.label(key, language),
            transform=header_y,
            va="bottom",
            fontsize=10,
            color=palette.MUTED,
        )
    headers = [section.name.get(language) for section in sections]
    headers.append(labels.label("final_score", language))
    column_labels(ax, range(columns), [wrap(h, 15, lines=2) for h in headers], top=True)
    ax.set_axis_off()
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)

    footnote = [
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=math.sqrt(badge_size),
            markerfacecolor=palette.HIGHLIGHT,
            markeredgecolor="#ffffff",
            label=labels.label("gaps_badge", language),
        )
    ]
    fig.legend(
        handles=footnote,
        loc="lower left",
        bbox_to_anchor=(fig_x(fig, 24), 1 - fig_y(fig, 0) + 12 / (fig.get_figheight() * 100)),
        borderaxespad=0,
        borderpad=0,
    )
