"""Charts: valid PNGs of the promised size, alt text with the key fact, both languages, gaps for
skipped periods, thread safety, lazy matplotlib, and reference images against accidental change."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.charts import (
    MAX_OVERVIEW_TEAMS,
    Chart,
    TeamOverview,
    labels,
    palette,
    png_size,
    render,
    render_criteria,
    render_heatmap,
    render_overview,
    render_systems_trend,
    render_trend,
)
from bot.charts.heatmap import NO_ANSWER, SKIPPED, heatmap_grid
from bot.charts.overview import grouped, overview_height
from bot.charts.trend import trend_series
from rubric.model import Requirement, Stage
from rubric.trends import Trend
from tests.support.charts_factory import sample_criteria, sample_rubric, sample_trend, sample_votes

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "charts"
REGEN = os.environ.get("MLSCORE_REGEN_CHARTS") == "1"


@pytest.fixture(scope="module")
def rubric():
    return sample_rubric()


@pytest.fixture(scope="module")
def trend(rubric):
    return sample_trend(rubric, weeks=8, skipped=(3,), stage_change_at=5)


def teams(rubric, count: int = 6) -> list[TeamOverview]:
    out = []
    for k in range(count):
        sections = {s.id: ((k * 3 + j * 5) % 15) / 2 for j, s in enumerate(rubric.sections)}
        out.append(
            TeamOverview(
                name=f"Team {k}",
                stage=list(Stage)[k % 3],
                sections=sections,
                final=min(sections.values()),
                gaps_by_section={s.id: (k + j) % 3 for j, s in enumerate(rubric.sections)},
            )
        )
    return out


def assert_png(chart: Chart, width: int, height: int) -> None:
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.png[12:16] == b"IHDR"
    assert png_size(chart.png) == (width, height)
    assert (chart.width, chart.height) == (width, height)
    assert chart.png.rstrip().endswith(b"IEND\xaeB`\x82")


# --- size and validity -------------------------------------------------------------------------


def test_trend_is_a_png_of_1000_by_560(rubric, trend):
    assert_png(render_trend(trend, rubric, team="Vision"), 1000, 560)


def test_heatmap_is_a_png_of_1000_by_780(rubric, trend):
    assert_png(render_heatmap(trend, rubric, team="Vision"), 1000, 780)


def test_overview_height_grows_with_the_number_of_teams(rubric):
    assert_png(render_overview(teams(rubric, 4), rubric), 1000, overview_height(4))
    assert_png(render_overview(teams(rubric, 15), rubric), 1000, overview_height(15))
    assert overview_height(15) < overview_height(MAX_OVERVIEW_TEAMS) <= 800


def test_criteria_is_a_png_of_1000_by_780_with_and_without_votes(rubric):
    criteria = sample_criteria(rubric)
    assert_png(render_criteria(rubric, criteria), 1000, 780)
    assert_png(render_criteria(rubric, criteria, votes=sample_votes(rubric)), 1000, 780)


def test_dpi_scales_pixels_but_not_layout(rubric, trend):
    assert_png(render_trend(trend, rubric, team="Vision", dpi=50), 500, 280)


def test_png_size_rejects_bytes_that_are_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(30))


def test_overview_refuses_more_teams_than_it_can_show(rubric):
    with pytest.raises(ValueError, match="page"):
        render_overview(teams(rubric, MAX_OVERVIEW_TEAMS + 1), rubric)


def test_charts_render_with_no_history(rubric):
    empty = Trend(points=(), section_ids=tuple(s.id for s in rubric.sections))
    trend_chart = render_trend(empty, rubric, team="New")
    assert_png(trend_chart, 1000, 560)
    assert "no scored assessment" in trend_chart.alt_text
    assert_png(render_heatmap(empty, rubric, team="New"), 1000, 780)
    assert_png(render_overview([], rubric), 1000, overview_height(0))


# --- alt text and titles -----------------------------------------------------------------------


def test_trend_alt_text_gives_score_change_and_weakest_section(rubric, trend):
    chart = render_trend(trend, rubric, team="Vision")
    scored = [p for p in trend.points if p.final is not None]
    last, first = scored[-1], scored[0]
    weakest = min(rubric.sections, key=lambda s: last.sections[s.id])
    assert chart.alt_text.startswith("ML Test Score trend for Vision: ")
    assert f"{last.final:.1f} now" in chart.alt_text
    assert f"up {last.final - first.final:.1f} since 1 Sep" in chart.alt_text
    assert f"weakest section {weakest.name.en}" in chart.alt_text
    assert "Vision" in chart.title
    assert "20 Oct 2025" in chart.title  # the latest period's date


def test_trend_alt_text_says_down_when_the_score_fell(rubric, trend):
    points = list(trend.points)
    points[-1] = dataclasses.replace(points[-1], final=0.5)
    chart = render_trend(dataclasses.replace(trend, points=tuple(points)), rubric, team="V")
    assert "0.5 now, down 0.5 since 1 Sep" in chart.alt_text


def test_heatmap_alt_text_counts_levels_at_the_latest_assessment(rubric, trend):
    chart = render_heatmap(trend, rubric, team="Vision")
    latest = trend.points[-1].levels
    automated = sum(1 for level in latest.values() if level == "automated")
    assert f"now {automated} automated" in chart.alt_text
    assert "28 tests over 8 assessments" in chart.alt_text


def test_overview_alt_text_names_the_highest_and_lowest_team(rubric):
    group = teams(rubric, 6)
    chart = render_overview(group, rubric)
    best = max(group, key=lambda t: t.final or 0.0)
    worst = min(group, key=lambda t: t.final or 0.0)
    assert f"highest {best.name} {best.final:.1f}" in chart.alt_text
    assert f"lowest {worst.name} {worst.final:.1f}" in chart.alt_text


def test_criteria_alt_text_counts_mandatory_tests_per_stage(rubric):
    criteria = sample_criteria(rubric)
    chart = render_criteria(rubric, criteria)
    production = sum(
        1
        for item in rubric.items
        if criteria.requirement(item.id, Stage.PRODUCTION) is Requirement.MANDATORY
    )
    assert f"In production {production} mandatory" in chart.alt_text


# --- languages ---------------------------------------------------------------------------------


def test_spanish_charts_use_spanish_words_and_the_decimal_comma(rubric, trend):
    chart = render_trend(trend, rubric, team="Visión", language="es")
    last = [p for p in trend.points if p.final is not None][-1]
    assert chart.alt_text.startswith("Evolución del ML Test Score de Visión: ")
    assert f"{last.final:.1f}".replace(".", ",") + " ahora" in chart.alt_text
    weakest = min(rubric.sections, key=lambda s: last.sections[s.id])
    assert f"sección más débil: {weakest.name.es}." in chart.alt_text
    assert "20 oct 2025" in chart.title
    heat = render_heatmap(trend, rubric, team="Visión", language="es")
    assert "pruebas de Visión" in heat.alt_text
    crit = render_criteria(rubric, sample_criteria(rubric), language="es-ES")
    assert "obligatorias" in crit.alt_text


def test_spanish_and_english_pngs_differ(rubric, trend):
    english = render_trend(trend, rubric, team="Vision", language="en")
    spanish = render_trend(trend, rubric, team="Vision", language="es")
    assert english.png != spanish.png


def test_every_english_label_has_a_spanish_one():
    assert set(labels.LABELS["en"]) == set(labels.LABELS["es"])
    for table in (labels.STAGES, labels.REQUIREMENTS):
        assert set(table["en"]) == set(table["es"])
    assert labels.label("skipped", "es") == "omitido"
    assert labels.requirement_name(Requirement.MANDATORY, "es") == "Obligatorio"
    assert labels.short_date(sample_trend(sample_rubric()).points[0].at, "es") == "1 sept"


def test_unknown_locales_fall_back_to_english():
    assert labels.language_of("es-ES") == "es"
    assert labels.language_of("es_MX") == "es"
    assert labels.language_of("fr-FR") == "en"
    assert labels.score(1.5, "es") == "1,5"
    assert labels.score(1.5, "en") == "1.5"


# --- skipped periods ---------------------------------------------------------------------------


def test_skipped_period_is_plotted_as_a_gap_not_a_zero(rubric, trend):
    series = trend_series(trend, rubric)
    assert math.isnan(series.final[3])
    assert all(math.isnan(s.values[3]) for s in series.sections)
    assert not math.isnan(series.final[2])
    assert series.skipped_spans == ((3, 3),)


def test_trend_with_a_skipped_period_differs_from_one_with_a_zero(rubric, trend):
    zeroed = list(trend.points)
    zeroed[3] = dataclasses.replace(
        zeroed[3], skipped=False, final=0.0, sections={s.id: 0.0 for s in rubric.sections}
    )
    as_zero = dataclasses.replace(trend, points=tuple(zeroed))
    assert trend_series(as_zero, rubric).final[3] == 0.0
    skipped_png = render_trend(trend, rubric, team="Vision").png
    zero_png = render_trend(as_zero, rubric, team="Vision").png
    assert skipped_png != zero_png


def test_heatmap_marks_skipped_and_unanswered_cells_and_moves(rubric, trend):
    grid = heatmap_grid(trend, rubric)
    assert all(row[3] == SKIPPED for row in grid.codes)
    unanswered = [
        (r, c)
        for r, item_id in enumerate(grid.item_ids)
        for c, point in enumerate(trend.points)
        if not point.skipped and item_id not in point.levels
    ]
    assert unanswered
    assert all(grid.codes[r][c] == NO_ANSWER for r, c in unanswered)
    assert grid.moved_up  # the sample team improves week after week
    for row, column in grid.moved_up:
        previous = max(c for c in range(column) if grid.codes[row][c] >= 0)
        assert grid.codes[row][column] > grid.codes[row][previous]


def test_stage_changes_are_derived_from_the_points(rubric, trend):
    marks = trend_series(trend, rubric).stage_marks
    assert marks == ((0, Stage.ROADMAP), (5, Stage.PRODUCTION))


# --- colour ------------------------------------------------------------------------------------


def test_ordered_ramps_get_darker_at_every_step():
    for count in (3, 4, 6):
        shades = palette.ramp(count)
        darkness = [palette.luminance(c) for c in shades]
        assert darkness == sorted(darkness, reverse=True)
        assert len(set(shades)) == count
    bands = [palette.luminance(c) for c in palette.band_shades(6)]
    assert bands == sorted(bands, reverse=True)


# --- matplotlib hygiene ------------------------------------------------------------------------


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_charts_does_not_import_matplotlib():
    run_python("import bot.charts, sys; assert 'matplotlib' not in sys.modules")


def test_rendering_never_imports_pyplot():
    run_python(
        "import sys\n"
        "from tests.support.charts_factory import sample_rubric, sample_trend\n"
        "from bot.charts import render_trend, render_heatmap\n"
        "r = sample_rubric(); t = sample_trend(r)\n"
        "render_trend(t, r, team='x'); render_heatmap(t, r, team='x')\n"
        "assert 'matplotlib' in sys.modules\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )


def test_rendering_leaves_global_rcparams_untouched(rubric, trend):
    import matplotlib

    before = dict(matplotlib.rcParams)
    render_trend(trend, rubric, team="Vision")
    assert dict(matplotlib.rcParams) == before


def test_eight_threads_rendering_at_once_all_get_valid_pngs(rubric, trend):
    results: dict[int, Chart] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(index: int) -> None:
        try:
            start.wait()
            if index % 2:
                results[index] = render_trend(trend, rubric, team=f"T{index}")
            else:
                results[index] = render_heatmap(trend, rubric, team=f"T{index}")
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index, chart in results.items():
        assert_png(chart, 1000, 560 if index % 2 else 780)
    assert len(results) == 8


def test_cached_text_draws_the_same_pixels_as_matplotlib(rubric, trend, tmp_path, monkeypatch):
    from matplotlib.testing.compare import compare_images

    cached = render_heatmap(trend, rubric, team="Visión", language="es").png
    monkeypatch.setattr(render, "TEXT_CACHE", False)
    stock = render_heatmap(trend, rubric, team="Visión", language="es").png
    (tmp_path / "stock.png").write_bytes(stock)
    (tmp_path / "cached.png").write_bytes(cached)
    assert compare_images(str(tmp_path / "stock.png"), str(tmp_path / "cached.png"), tol=1) is None


# --- reference images --------------------------------------------------------------------------


REFERENCES = {
    "trend_small.png": lambda r: render_trend(
        sample_trend(r, weeks=8), r, team="Visión", language="es", dpi=50
    ),
    "heatmap_small.png": lambda r: render_heatmap(
        sample_trend(r, weeks=6), r, team="Vision", dpi=40
    ),
    "overview_small.png": lambda r: render_overview(teams(r, 5), r, dpi=50),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_chart_matches_its_reference_image(rubric, name, tmp_path):
    """Set MLSCORE_REGEN_CHARTS=1 to rewrite the references after an intended change."""
    from matplotlib.testing.compare import compare_images

    png = REFERENCES[name](rubric).png
    reference = FIXTURES / name
    if REGEN:
        # Same pixels, stored with the strongest compression to keep the fixtures small.
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            image.convert("RGB").save(reference, format="png", optimize=True)
    assert reference.exists(), f"missing {reference}: run with MLSCORE_REGEN_CHARTS=1"
    assert reference.stat().st_size < 60_000
    actual = tmp_path / name
    actual.write_bytes(png)
    assert compare_images(str(reference), str(actual), tol=2) is None


# --- the real rubric ---------------------------------------------------------------------------


def test_charts_render_the_shipped_2017_rubric_in_both_languages():
    from rubric.catalog import default_rubric

    real = default_rubric()
    assert real.criteria is not None
    history = sample_trend(real, weeks=6)
    for language in ("en", "es"):
        trend_chart = render_trend(history, real, team="Visión", language=language)
        assert_png(trend_chart, 1000, 560)
        assert " El " not in trend_chart.alt_text  # the article is dropped inside sentences
        assert "The ML" not in trend_chart.alt_text
        assert_png(render_heatmap(history, real, team="Visión", language=language), 1000, 780)
        assert_png(render_criteria(real, real.criteria, language=language), 1000, 780)


def test_a_single_assessment_shows_each_section_as_a_bar_with_its_score(rubric):
    from datetime import UTC, datetime

    from bot.charts.render import WIDE, figure
    from bot.charts.trend import _draw
    from rubric.trends import TrendPoint

    ids = tuple(section.id for section in rubric.sections)
    scores = dict(zip(ids, (2.5, 1.5, 3.0, 2.0), strict=False))
    point = TrendPoint(
        period="2026-W10",
        at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        stage=Stage.ROADMAP,
        final=min(scores.values()),
        sections=scores,
    )
    series = trend_series(Trend(points=(point,), section_ids=ids), rubric)
    with figure(*WIDE) as fig:
        _draw(fig, series, rubric, "en")
        (ax,) = fig.axes
        bars = [patch.get_height() for patch in ax.patches if patch.get_width() < 0.5]
        texts = {text.get_text() for text in ax.texts}
    # Every section is visible, the weakest one too (a marker would hide it under the final).
    assert sorted(bars) == sorted(scores.values())
    assert {"2.5", "1.5", "3.0", "2.0"} <= texts


# --- a team's systems side by side -------------------------------------------------------------


def two_systems(trend: Trend) -> list[tuple[str, Trend]]:
    """Ranking (the sample) and Ads: assessed every other period, lower, its last skipped."""
    ads_points = [
        dataclasses.replace(point, final=max((point.final or 0.0) - 1.0, 0.0))
        for point in trend.points[::2]
    ]
    ads_points[-1] = dataclasses.replace(ads_points[-1], final=None, skipped=True)
    return [("Ranking", trend), ("Ads", dataclasses.replace(trend, points=tuple(ads_points)))]


def test_a_teams_systems_chart_is_a_png_with_each_systems_latest_score_in_its_alt_text(
    rubric, trend
):
    systems = two_systems(trend)
    chart = render_systems_trend(systems, rubric, team="Search")
    assert_png(chart, 1000, 560)
    ranking = [p.final for p in trend.points if p.final is not None][-1]
    ads = [p.final for p in systems[1][1].points if p.final is not None and not p.skipped][-1]
    assert chart.alt_text == (
        f"ML Test Score for Search, final score by ML system: Ranking {ranking:.1f}, "
        f"Ads {ads:.1f}; weakest Ads."
    )
    assert "by ML system" in chart.title
    spanish = render_systems_trend(systems, rubric, team="Search", language="es")
    assert f"Ads {ads:.1f}".replace(".", ",") in spanish.alt_text
    assert "por sistema de ML" in spanish.title
    assert spanish.png != chart.png


def test_a_systems_skipped_period_is_a_gap_in_its_line_not_a_zero(rubric, trend):
    systems = two_systems(trend)
    zero = [
        systems[0],
        (
            "Ads",
            dataclasses.replace(
                systems[1][1],
                points=(
                    *systems[1][1].points[:-1],
                    dataclasses.replace(systems[1][1].points[-1], final=0.0, skipped=False),
                ),
            ),
        ),
    ]
    gap = render_systems_trend(systems, rubric, team="Search")
    assert render_systems_trend(zero, rubric, team="Search").png != gap.png
    # One system alone draws a different picture from two.
    assert render_systems_trend(systems[:1], rubric, team="Search").png != gap.png


def test_a_teams_systems_chart_without_scores_says_so():
    rubric = sample_rubric()
    empty = Trend((), tuple(section.id for section in rubric.sections))
    chart = render_systems_trend([("Ranking", empty), ("Ads", empty)], rubric, team="Search")
    assert_png(chart, 1000, 560)
    assert chart.alt_text == "ML Test Score for Search: no ML system has a scored assessment yet."


def test_the_overview_draws_a_teams_systems_together_set_apart_from_other_teams(rubric):
    rows = teams(rubric, 4)
    ranking = dataclasses.replace(rows[0], name="Search/Ranking", team="Search")
    ads = dataclasses.replace(rows[2], name="Search/Ads", team="Search")
    given = [ranking, rows[1], ads, rows[3]]
    assert [row.name for row in grouped(given)] == [
        "Search/Ranking",
        "Search/Ads",
        rows[1].name,
        rows[3].name,
    ]
    chart = render_overview(given, rubric)
    assert_png(chart, chart.width, overview_height(4))
    # The same rows in the grouped order, but not marked as one team's: no rules between
    # groups, so a different picture; the alt text (about scores) is the same.
    plain = [dataclasses.replace(row, team=None) for row in grouped(given)]
    unmarked = render_overview(plain, rubric)
    assert unmarked.png != chart.png
    assert unmarked.alt_text == chart.alt_text
    # Marked rows given already together draw the same picture as when given apart.
    assert render_overview(grouped(given), rubric).png == chart.png
