"""Points for a choice, section sums, the final score and its band.

The 2017 paper (Breck et al., "The ML Test Score", IEEE BigData 2017) scores a test 0.5 when it is
done by hand with results documented and 1 when it is automated; the final score is the minimum of
the four section sums. This module is the one place where a stored choice becomes points.

Sums are kept as exact fractions so that 0.5 steps (or a custom scale's 0.1 steps) never pick up
binary rounding on the way to a band edge.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from rubric.model import Answer, Band, LevelScale, RangeScale, Rubric, ScaleLevel


@functools.lru_cache(maxsize=4096)
def exact(value: float) -> Fraction:
    """The decimal a float was written as (0.1 -> 1/10), not its binary approximation.

    Cached: a rubric has a handful of point values, and parsing the decimal anew for every
    answer was most of a trend's cost (docs/performance.md, finding 12).
    """
    return Fraction(repr(value))


def level_for(rubric: Rubric, choice: str | None) -> ScaleLevel | None:
    """The scale level a choice names, or None for no answer, an unknown key or a range scale."""
    scale = rubric.scale
    if choice is None or not isinstance(scale, LevelScale):
        return None
    for level in scale.levels:
        if level.key == choice:
            return level
    return None


def range_value(scale: RangeScale, choice: str) -> float:
    """Parse a choice on a numeric scale; a comma decimal separator is accepted ("7,5")."""
    text = choice.strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{choice!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{choice!r} is not a finite number")
    if not scale.min <= value <= scale.max:
        low, high = format_number(scale.min), format_number(scale.max)
        raise ValueError(f"{choice!r} is outside the scale {low}-{high}")
    return value


def range_values(scale: RangeScale) -> tuple[float, ...]:
    """Every value a range scale offers, lowest first: min, min + step, ..., max.

    Rounded to 6 decimal places, so that 0.1 steps give 0.3 rather than 0.30000000000000004.
    """
    steps = round((scale.max - scale.min) / scale.step)
    return tuple(round(scale.min + index * scale.step, 6) for index in range(steps + 1))


def done_threshold(scale: RangeScale) -> float:
    """The value from which a range answer counts as done: `done_at`, or the scale's midpoint."""
    if scale.done_at is not None:
        return scale.done_at
    return float((exact(scale.min) + exact(scale.max)) / 2)


def points(rubric: Rubric, choice: str | None) -> float:
    """Points a choice is worth. No answer counts 0.

    Level scale: an unknown key counts 0 (an answer stored under an older scale must not break a
    report). Range scale: the number itself; a non-number or a value outside the scale raises
    ValueError, since that answer should never have been accepted.
    """
    scale = rubric.scale
    if choice is None:
        return 0.0
    if isinstance(scale, RangeScale):
        return range_value(scale, choice)
    level = level_for(rubric, choice)
    return level.points if level else 0.0


def is_done(rubric: Rubric, choice: str | None) -> bool:
    """Whether the test counts as done: a level marked done, or at least `done_at` on a range."""
    scale = rubric.scale
    if choice is None:
        return False
    if isinstance(scale, RangeScale):
        return range_value(scale, choice) >= done_threshold(scale)
    level = level_for(rubric, choice)
    return level is not None and level.done


def is_complete(rubric: Rubric, choice: str | None) -> bool:
    """Whether nothing is left to do: a level marked complete, or the top of a range."""
    scale = rubric.scale
    if choice is None:
        return False
    if isinstance(scale, RangeScale):
        return range_value(scale, choice) == scale.max
    level = level_for(rubric, choice)
    return level is not None and level.complete


def max_points(rubric: Rubric) -> float:
    """The most one item can be worth on this rubric's scale."""
    scale = rubric.scale
    if isinstance(scale, RangeScale):
        return scale.max
    return max(level.points for level in scale.levels)


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    score: float
    maximum: float


@dataclass(frozen=True)
class Score:
    """A scored assessment. `weakest` names every section at the minimum, in rubric order."""

    sections: tuple[SectionScore, ...]
    final: float
    weakest: tuple[str, ...]
    band: Band | None

    def section(self, section_id: str) -> SectionScore:
        for section in self.sections:
            if section.section_id == section_id:
                return section
        raise KeyError(section_id)


def score(rubric: Rubric, answers: Mapping[str, Answer]) -> Score:
    """Score answers (by item id) against a rubric.

    Disabled items are left out of sums and maxima; a section whose items are all disabled is left
    out altogether, so it can neither be the weakest nor drag the final score to 0. Missing answers
    count 0. With no section left the final score is 0.
    """
    top = exact(max_points(rubric))
    sums: list[tuple[str, Fraction, Fraction]] = []
    for section in rubric.sections:
        enabled = [item for item in section.items if item.enabled]
        if not enabled:
            continue
        # Summed per distinct choice: a section has a few of them, and Fraction arithmetic is
        # slow enough (in pure Python) to dominate a trend over months of assessments.
        chosen = Counter(_choice(answers.get(item.id)) for item in enabled)
        total = sum(
            (exact(points(rubric, choice)) * count for choice, count in chosen.items()),
            start=Fraction(0),
        )
        sums.append((section.id, total, top * len(enabled)))
    final = min((total for _, total, _ in sums), default=Fraction(0))
    weakest = tuple(section_id for section_id, total, _ in sums if total == final)
    return Score(
        sections=tuple(
            SectionScore(section_id=section_id, score=float(total), maximum=float(maximum))
            for section_id, total, maximum in sums
        ),
        final=float(final),
        weakest=weakest,
        band=band_for(rubric, float(final)),
    )


def band_for(rubric: Rubric, final: float) -> Band | None:
    """The band a final score falls in. Upper edges are inclusive: with the paper's bands 0 is the
    first band, 0.5 and 1 are (0, 1], 5 is (3, 5] and anything above 5 is the unbounded band.
    None when the rubric has no band for the score."""
    value = exact(final)
    for band in sorted_bands(rubric.bands):
        if band.upper is None or value <= exact(band.upper):
            return band
    return None


def sorted_bands(bands: Iterable[Band]) -> tuple[Band, ...]:
    """Bands from the lowest upper edge up, the unbounded one last."""
    return tuple(
        sorted(
            bands,
            key=lambda band: (band.upper is None, band.upper if band.upper is not None else 0.0),
        )
    )


def _choice(answer: Answer | None) -> str | None:
    return answer.choice if answer else None


def format_number(value: float) -> str:
    """A scale value as a person would write it (7, not 7.0; 7.5 stays 7.5)."""
    return str(int(value)) if value == int(value) else repr(value)
