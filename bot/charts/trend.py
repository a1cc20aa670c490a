"""Team trend: the final score (bold) and the section scores over time, over the paper's bands.

A skipped period, or one without a score, becomes NaN in the plotted arrays, so the line breaks
there instead of dropping to zero; the period is also hatched and labelled "skipped".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.charts import labels, palette
from bot.charts.render import (
    WIDE,
    Chart,
    axes_rect,
    figure,
    section_max,
    title_block,
    to_png,
    top_legend,
    wrap,
)
from rubric.model import Rubric, Stage
from rubric.trends import Trend, TrendPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

MAX_X_LABELS = 10
RIGHT_PX = 226  # band names live in the right margin
BAND_CHARS = 25


@dataclass(frozen=True)
class SectionSeries:
    section_id: str
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class TrendSeries:
    """Exactly what the trend chart plots; NaN marks a gap (skipped or unscored), never 0."""

    x_labels: tuple[str, ...]
    final: tuple[float, ...]
    sections: tuple[SectionSeries, ...]
    skipped_spans: tuple[tuple[int, int], ...]
    stage_marks: tuple[tuple[int, Stage], ...]
    y_max: float


def _value(value: float | None, skipped: bool) -> float:
    return math.nan if skipped or value is None else float(value)


def _spans(indices: list[int]) -> tuple[tuple[int, int], ...]:
    """Consecutive indices merged into inclusive (first, last) spans."""
    spans: list[tuple[int, int]] = []
    for index in indices:
        if spans and spans[-1][1] == index - 1:
            spans[-1] = (spans[-1][0], index)
        else:
            spans.append((index, index))
    return tuple(spans)


def _stage_marks(trend: Trend) -> tuple[tuple[int, Stage], ...]:
    """The first known stage and every change after it, derived from the points themselves."""
    marks: list[tuple[int, Stage]] = []
    current: Stage | None = None
    for index, point in enumerate(trend.points):
        if point.stage is not None and point.stage != current:
            marks.append((index, point.stage))
            current = point.stage
    return tuple(marks)


def _x_labels(trend: Trend, language: str) -> tuple[str, ...]:
    out: list[str] = []
    year: int | None = None
    for point in trend.points:
        text = labels.short_date(point.at, language)
        if point.at.year != year:
            text = f"{text}\n{point.at.year}"
            year = point.at.year
        out.append(text)
    return tuple(out)


def trend_series(trend: Trend, rubric: Rubric, *, language: str = "en") -> TrendSeries:
    """The arrays behind the trend chart (pure: no matplotlib)."""
    names = {
        section.id: section.name.get(labels.language_of(language)) for section in rubric.sections
    }
    sections = tuple(
        SectionSeries(
            section_id=section_id,
            name=names.get(section_id, section_id),
            values=tuple(
                _value(point.sections.get(section_id), point.skipped) for point in trend.points
            ),
        )
        for section_id in trend.section_ids
    )
    final = tuple(_value(point.final, point.skipped) for point in trend.points)
    observed = [v for v in final if not math.isnan(v)] + [
        v for s in sections for v in s.values if not math.isnan(v)
    ]
    return TrendSeries(
        x_labels=_x_labels(trend, language),
        final=final,
        sections=sections,
        skipped_spans=_spans([i for i, p in enumerate(trend.points) if p.skipped]),
        stage_marks=_stage_marks(trend),
        y_max=max([section_max(rubric), *observed]),
    )


def trend_alt_text(trend: Trend, rubric: Rubric, *, team: str, language: str = "en") -> str:
    """One sentence with the key fact: the score now, its change, and the weakest section."""
    rubric_name = labels.rubric_name(rubric, labels.language_of(language))
    scored = [p for p in trend.points if not p.skipped and p.final is not None]
    if not scored:
        return labels.label("trend_alt_empty", language, rubric=rubric_name, team=team)
    first, last = scored[0], scored[-1]
    assert last.final is not None  # filtered above
    assert first.final is not None
    names = {
        section.id: section.name.get(labels.language_of(language)) for section in rubric.sections
    }
    section_scores = [
        (value, names.get(section_id, section_id))
        for section_id in trend.section_ids
        if (value := last.sections.get(section_id)) is not None
    ]
    weakest = min(section_scores, key=lambda pair: pair[0])[1] if section_scores else "-"
    values = {
        "rubric": rubric_name,
        "team": team,
        "score": labels.score(last.final, language),
        "section": weakest,
    }
    if first is last:
        date = labels.short_date(first.at, language)
        return labels.label("trend_alt_first", language, date=date, **values)
    delta = last.final - first.final
    since = labels.short_date(first.at, language)
    if abs(delta) < 1e-9:
        change = labels.label("change_same", language, date=since)
    else:
        key = "change_up" if delta > 0 else "change_down"
        change = labels.label(key, language, delta=labels.score(abs(delta), language), date=since)
    return labels.label("trend_alt", language, change=change, **values)


def render_trend(
    trend: Trend, rubric: Rubric, *, team: str, language: str = "en", dpi: int = 100
) -> Chart:
    """The team's trend chart. `dpi` scales the pixel size (1000x560 at 100) but not the layout."""
    lang = labels.language_of(language)
    series = trend_series(trend, rubric, language=lang)
    rubric_name = labels.rubric_name(rubric, lang)
    title = labels.label("trend_title", lang, rubric=rubric_name, team=team)
    subtitle_parts = []
    if trend.points:
        subtitle_parts.append(labels.long_date(trend.points[-1].at, lang))
    if series.stage_marks:
        stage = series.stage_marks[-1][1]
        subtitle_parts.append(
            f"{labels.label('stage_prefix', lang)}: {labels.stage_label(rubric, stage, lang)}"
        )
    subtitle = " \u00b7 ".join(subtitle_parts)
    alt_text = trend_alt_text(trend, rubric, team=team, language=lang)

    with figure(*WIDE, dpi=dpi) as fig:
        _draw(fig, series, rubric, lang)
        title_block(fig, title, subtitle)
        png, width, height = to_png(fig)
    full_title = f"{title} \u00b7 {subtitle_parts[0]}" if subtitle_parts else title
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=full_title)


def systems_trend_alt_text(
    systems: Sequence[tuple[str, Trend]], rubric: Rubric, *, team: str, language: str = "en"
) -> str:
    """Each system's latest final score, and the weakest system."""
    rubric_name = labels.rubric_name(rubric, labels.language_of(language))
    latest = [
        (name, scored[-1])
        for name, trend in systems
        if (scored := [p.final for p in trend.points if not p.skipped and p.final is not None])
    ]
    if not latest:
        return labels.label("systems_trend_alt_empty", language, rubric=rubric_name, team=team)
    scores = ", ".join(f"{name} {labels.score(value, language)}" for name, value in latest)
    weakest = min(latest, key=lambda pair: pair[1])[0]
    return labels.label(
        "systems_trend_alt",
        language,
        rubric=rubric_name,
        team=team,
        scores=scores,
        weakest=weakest,
    )


def render_systems_trend(
    systems: Sequence[tuple[str, Trend]],
    rubric: Rubric,
    *,
    team: str,
    language: str = "en",
    dpi: int = 100,
) -> Chart:
    """A team's ML systems side by side: each system's final score over time, one line each
    (a colour of the palette per system, named in the legend), over the paper's bands. A
    skipped period is a gap in its system's line, never a zero."""
    lang = labels.language_of(language)
    moments = sorted({point.at for _, trend in systems for point in trend.points})
    index = {at: position for position, at in enumerate(moments)}
    observed = [
        point.final
        for _, trend in systems
        for point in trend.points
        if point.final is not None and not point.skipped
    ]
    frame = TrendSeries(
        x_labels=_x_labels(Trend(tuple(_moment(at) for at in moments), ()), lang),
        final=(),
        sections=(),
        skipped_spans=(),
        stage_marks=(),
        y_max=max([section_max(rubric), *observed]),
    )
    rubric_name = labels.rubric_name(rubric, lang)
    title = labels.label("systems_trend_title", lang, rubric=rubric_name, team=team)
    subtitle = labels.long_date(moments[-1], lang) if moments else ""
    alt_text = systems_trend_alt_text(systems, rubric, team=team, language=lang)
    with figure(*WIDE, dpi=dpi) as fig:
        ax = fig.add_axes(axes_rect(fig, left_px=58, right_px=RIGHT_PX, top_px=128, bottom_px=54))
        ax.set_xlim(-0.5, max(len(moments), 1) - 0.5)
        top = frame.y_max + 0.25
        ax.set_ylim(-0.25, top)
        _draw_bands(ax, rubric, frame, lang, top=top)
        ax.set_yticks(range(math.floor(frame.y_max) + 1))
        ax.set_ylabel(labels.label("score_axis", lang))
        ax.tick_params(axis="both", length=0, pad=6)
        ax.spines["left"].set_visible(False)
        handles = []
        for number, (name, trend) in enumerate(systems):
            colour = palette.SECTION_LINES[number % len(palette.SECTION_LINES)]
            xs = [index[point.at] for point in trend.points]
            ys = [_value(point.final, point.skipped) for point in trend.points]
            (line,) = ax.plot(xs, ys, color=colour, lw=2.6, marker="o", ms=6, label=name, zorder=3)
            handles.append(line)
        ticks = _thinned(len(moments))
        ax.set_xticks(ticks)
        ax.set_xticklabels([frame.x_labels[i] for i in ticks])
        if handles:
            top_legend(fig, handles, ncol=min(len(handles), 4))
        title_block(fig, title, subtitle)
        png, width, height = to_png(fig)
    full_title = f"{title} \u00b7 {subtitle}" if subtitle else title
    return Chart(png=png, alt_text=alt_text, width=width, height=height, title=full_title)


def _moment(at: datetime) -> TrendPoint:
    return TrendPoint(period="", at=at, stage=None, final=None)


def _thinned(count: int) -> list[int]:
    """At most MAX_X_LABELS tick positions, always the last."""
    step = max(1, math.ceil(count / MAX_X_LABELS))
    return sorted({*range(count - 1, -1, -step)})


def _draw(fig: Figure, series: TrendSeries, rubric: Rubric, language: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    count = len(series.final)
    ax = fig.add_axes(axes_rect(fig, left_px=58, right_px=RIGHT_PX, top_px=128, bottom_px=54))
    ax.set_xlim(-0.5, max(count, 1) - 0.5)
    top = series.y_max + 0.25  # room for markers on the maximum
    ax.set_ylim(-0.25, top)

    _draw_bands(ax, rubric, series, language, top=top)
    ax.set_yticks(range(math.floor(series.y_max) + 1))
    ax.set_ylabel(labels.label("score_axis", language))
    ax.tick_params(axis="both", length=0, pad=6)
    ax.spines["left"].set_visible(False)

    handles: list[Line2D | Patch] = []
    for span_first, span_last in series.skipped_spans:
        ax.axvspan(
            span_first - 0.5,
            span_last + 0.5,
            facecolor="#ffffff",
            hatch="///",
            edgecolor=palette.SKIPPED_HATCH,
            lw=0,
            zorder=0.6,
        )

    if count == 1 and not math.isnan(series.final[0]):
        handles += _draw_one_assessment(ax, series, language)
    else:
        handles += _draw_lines(ax, series, language)

    _draw_stage_marks(ax, series, rubric, language)
    if len(series.stage_marks) > 1:
        handles.append(
            Line2D(
                [],
                [],
                color=palette.HIGHLIGHT,
                lw=1.6,
                ls=(0, (4, 3)),
                label=labels.label("stage_change", language),
            )
        )
    if series.skipped_spans:
        handles.append(
            Patch(
                facecolor="#ffffff",
                hatch="///",
                edgecolor=palette.SKIPPED_HATCH,
                lw=0,
                label=labels.label("skipped", language),
            )
        )

    fit = max(1, min(MAX_X_LABELS, int(ax.bbox.width / (64 * fig.dpi / 100))))
    step = max(1, math.ceil(count / fit))
    ticks = list(range(0, count, step))
    ax.set_xticks(ticks, [series.x_labels[i] for i in ticks])

    top_legend(
        fig,
        handles,
        ncol=4,
        handlelength=2.2,
        columnspacing=1.6,
    )


def _draw_lines(ax: Axes, series: TrendSeries, language: str) -> list[Line2D | Patch]:
    """A line per section and a bold one for the final score, a marker per assessment."""
    count = len(series.final)
    handles: list[Line2D | Patch] = []
    x = list(range(count))
    small = count > 26
    for index, section in enumerate(series.sections):
        colour = palette.SECTION_LINES[index % len(palette.SECTION_LINES)]
        (line,) = ax.plot(
            x,
            section.values,
            color=colour,
            lw=1.8,
            marker="o",
            ms=3 if small else 5,
            label=section.name,
            zorder=2,
            solid_capstyle="round",
        )
        handles.append(line)
    (final,) = ax.plot(
        x,
        series.final,
        color=palette.FINAL_LINE,
        lw=3.4,
        marker="o",
        ms=5 if small else 7.5,
        label=labels.label("final_score", language),
        zorder=3,
        solid_capstyle="round",
    )
    handles.insert(0, final)
    return handles


def _draw_one_assessment(ax: Axes, series: TrendSeries, language: str) -> list[Line2D | Patch]:
    """The first assessment: no line to draw yet, so each section is a bar with its score, and
    the final score (the weakest section) a bold rule across them. Markers alone would hide the
    weakest section under the final score's."""
    from matplotlib.patches import Patch

    handles: list[Line2D | Patch] = []
    width = 0.8 / max(len(series.sections), 1)
    for index, section in enumerate(series.sections):
        value = section.values[0]
        if math.isnan(value):
            continue
        colour = palette.SECTION_LINES[index % len(palette.SECTION_LINES)]
        x = -0.4 + width * (index + 0.5)
        ax.bar(x, value, width=width * 0.7, color=colour, zorder=2)
        ax.text(
            x,
            value + 0.06,
            labels.score(value, language),
            ha="center",
            va="bottom",
            fontsize=11,
            color=palette.INK,
            zorder=4,
        )
        handles.append(Patch(facecolor=colour, label=section.name))
    (final,) = ax.plot(
        [-0.45, 0.45],
        [series.final[0]] * 2,
        color=palette.FINAL_LINE,
        lw=3.4,
        label=labels.label("final_score", language),
        zorder=3,
        solid_capstyle="butt",
    )
    handles.insert(0, final)
    return handles


def _draw_bands(
    ax: Axes, rubric: Rubric, series: TrendSeries, language: str, *, top: float
) -> None:
    # Bands: the paper's meaning of a final score, shaded behind everything, named on the right.
    bands = sorted(rubric.bands, key=lambda b: math.inf if b.upper is None else b.upper)
    shades = palette.band_shades(len(bands))
    lower = 0.0
    edges: list[float] = []
    for band, shade in zip(bands, shades, strict=True):
        upper = series.y_max if band.upper is None else min(band.upper, series.y_max)
        if upper > lower:
            shade_top = top if band.upper is None else upper
            ax.axhspan(lower, shade_top, color=shade, lw=0, zorder=0)
            edges.append(upper)
        if upper >= lower and lower < series.y_max:
            ax.text(
                1.015,
                (lower + upper) / 2,
                wrap(band.label.get(language), BAND_CHARS, lines=_band_lines(upper - lower)),
                transform=ax.get_yaxis_transform(),
                va="center",
                ha="left",
                fontsize=10,
                color=palette.MUTED,
                linespacing=1.1,
            )
        lower = max(lower, upper)

    if edges:
        # White rules between bands (not a grid: a rule inside a band would split it).
        ax.hlines(edges[:-1], *ax.get_xlim(), colors="#ffffff", lw=1.2, zorder=0.5)


def _band_lines(height: float) -> int:
    """How many lines a band's name may take: ~50 px a score point, 15 px a line of 10 pt."""
    if height < 0.9:
        return 1
    return 2 if height < 1.9 else 4


def _draw_stage_marks(ax: Axes, series: TrendSeries, rubric: Rubric, language: str) -> None:
    count = max(len(series.final), 1)
    # Stage: the first one named at the left, each change a dashed line plus the new stage.
    # Names that would overlap drop to a second row, and are left out if that is taken too.
    units_per_char = 6.2 * ax.figure.dpi / 72 / (ax.bbox.width / count)
    row_ends = [-math.inf, -math.inf]
    for index, stage in series.stage_marks:
        if index > 0:
            ax.axvline(index - 0.5, color=palette.HIGHLIGHT, lw=1.6, ls=(0, (4, 3)), zorder=1.5)
        name = " " + labels.stage_label(rubric, stage, language)
        start = index - 0.5
        row = next((r for r in (0, 1) if row_ends[r] <= start), None)
        if row is None:
            continue
        row_ends[row] = start + len(name) * units_per_char
        ax.text(
            start,
            0.985 - 0.065 * row,
            name,
            transform=ax.get_xaxis_transform(),
            va="top",
            ha="left",
            fontsize=10,
            color=palette.INK,
            zorder=4,
        )
