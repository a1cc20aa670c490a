"""Colours for every chart, chosen to stay distinct under the common colour-vision deficiencies.

Lines use the Okabe-Ito qualitative palette. Ordered categories (levels, requirements, bands,
scores) use a single-hue blue ramp whose lightness rises monotonically, so order survives in
grey-scale and for every type of colour blindness. Orange is kept apart for "look here" marks
(gaps, stage changes) because it contrasts with every blue of the ramp.
"""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO_BLUE = "#0072B2"
OKABE_ITO_ORANGE = "#E69F00"
OKABE_ITO_GREEN = "#009E73"
OKABE_ITO_PURPLE = "#CC79A7"
OKABE_ITO_VERMILLION = "#D55E00"
OKABE_ITO_SKY = "#56B4E9"

SECTION_LINES: tuple[str, ...] = (
    OKABE_ITO_BLUE,
    OKABE_ITO_ORANGE,
    OKABE_ITO_GREEN,
    OKABE_ITO_PURPLE,
    OKABE_ITO_SKY,
    OKABE_ITO_VERMILLION,
)
FINAL_LINE = "#111111"

INK = "#222222"  # titles, labels
MUTED = "#5f5f5f"  # subtitles, notes
GRID = "#e3e3e3"
NO_ANSWER = "#f1f1f1"  # an empty cell: near-white grey, lighter than any level
SKIPPED = "#c9c9c9"  # a skipped period: neutral grey, also hatched so it never reads as a level
SKIPPED_HATCH = "#8c8c8c"
HIGHLIGHT = OKABE_ITO_ORANGE
MARK_EDGE = "#111111"

# Light to dark; sampled from a perceptually ordered blue ramp (ColorBrewer "Blues" endpoints).
_RAMP_LIGHT: tuple[float, float, float] = (0xE3, 0xEE, 0xF9)
_RAMP_DARK: tuple[float, float, float] = (0x08, 0x40, 0x8C)


RGB = tuple[float, float, float]


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c) for c in rgb))


def _mix(a: RGB, b: RGB, t: float) -> str:
    return _hex((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t))


def ramp(n: int) -> tuple[str, ...]:
    """`n` colours from light to dark; consecutive steps differ clearly in lightness."""
    if n < 1:
        return ()
    if n == 1:
        return (_hex(_RAMP_DARK),)
    return tuple(ramp_at(i / (n - 1)) for i in range(n))


def ramp_at(fraction: float) -> str:
    """The ramp colour at `fraction` in [0, 1] (clamped)."""
    return _mix(_RAMP_LIGHT, _RAMP_DARK, min(1.0, max(0.0, fraction)))


_BAND_LIGHT: RGB = (0xF7, 0xF7, 0xF7)
_BAND_DARK: RGB = (0xCF, 0xDF, 0xEE)


def band_shades(n: int) -> tuple[str, ...]:
    """Very light, ordered shades for the score bands behind the trend lines."""
    if n < 1:
        return ()
    if n == 1:
        return (_hex(_BAND_LIGHT),)
    return tuple(_mix(_BAND_LIGHT, _BAND_DARK, i / (n - 1)) for i in range(n))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a #rrggbb colour, to pick black or white text on it."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour`."""
    return "#ffffff" if luminance(colour) < 0.25 else INK
