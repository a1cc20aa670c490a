"""The spread chart of several people's answers: a real PNG, colour-blind-safe colours, alt text."""

from __future__ import annotations

import io

from PIL import Image

from bot.charts import palette
from bot.charts.render import png_size
from bot.charts.spread import render_spread
from rubric.catalog import default_rubric
from rubric.consensus import Response, spread

RUBRIC = default_rubric()


def answers(changes: dict[str, str]) -> dict[str, str]:
    chosen = {item.id: "manual" for item in RUBRIC.items}
    chosen.update(changes)
    return chosen


def colours_in(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1_000_000) or []}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


THREE = [
    Response("A", answers({"FD1": "automated", "Mo3": "not_done"})),
    Response("B", answers({"FD1": "manual"})),
    Response("C", answers({"FD1": "not_done"})),
]


def test_spread_is_a_png_with_a_bar_colour_per_level_and_a_mark_where_answers_differ() -> None:
    chart = render_spread(
        RUBRIC, spread(RUBRIC, THREE), team="Vision", period="2026-W49", respondents=3
    )
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png_size(chart.png) == (chart.width, chart.height) == (1000, 780)
    found = colours_in(chart.png)
    for shade in palette.ramp(3):  # not done, manual, automated: the ordered blue ramp
        assert rgb(shade) in found
    assert rgb(palette.HIGHLIGHT) in found


def test_when_everyone_agrees_nothing_is_marked() -> None:
    same = [Response(who, answers({})) for who in "ABC"]
    chart = render_spread(
        RUBRIC, spread(RUBRIC, same), team="Vision", period="2026-W49", respondents=3
    )
    found = colours_in(chart.png)
    assert rgb(palette.HIGHLIGHT) not in found
    assert rgb(palette.ramp(3)[1]) in found  # the "manual" bars
    assert "same answers" in chart.alt_text


def test_alt_text_names_the_tests_people_differ_on_in_english_and_spanish() -> None:
    data = spread(RUBRIC, THREE)
    english = render_spread(RUBRIC, data, team="Vision", period="2026-W49", respondents=3)
    assert english.alt_text == (
        "How 3 people answered each of 28 tests of Vision in 2026-W49: they differ on 2 (FD1, Mo3)."
    )
    spanish = render_spread(
        RUBRIC, data, team="Vision", period="2026-W49", respondents=3, language="es"
    )
    assert spanish.alt_text.startswith("Cómo respondieron 3 personas")
    assert "FD1, Mo3" in spanish.alt_text
