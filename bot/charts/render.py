"""What every chart shares: the Chart value, the render lock, lazy matplotlib, Figure -> PNG.

matplotlib is imported on first render only, so commands that draw nothing never pay for it.
Its global state (rcParams, font cache, text layout cache) is not thread-safe, so every render
runs under one module-level lock; Bolt's worker threads then simply queue (threads give Agg no
speed-up anyway). Figures are created directly, never through pyplot, so no manager
keeps them alive: each one is cleared and dropped before the render returns.
"""

from __future__ import annotations

import io
import struct
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from bot.charts import palette
from rubric.model import Item, Rubric, Section
from rubric.scoring import max_points

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

DPI: Final = 100
# ~16:9 at Slack's preview width; the long side shrinks to 600-800 px there, so fonts are >= 10 pt.
WIDE: Final = (1000, 560)
TALL: Final = (1000, 780)

_RENDER_LOCK = threading.Lock()

TEXT_CACHE = True
"""Draw text through text_cache's cache (False: matplotlib's stock path; tests compare the two)."""

# Applied with rc_context inside the lock, so nothing leaks into other users of matplotlib.
STYLE: Final[dict[RcKeyType, Any]] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.labelsize": 10.5,
    "axes.edgecolor": "#b8b8b8",
    "axes.labelcolor": palette.INK,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": palette.MUTED,
    "ytick.color": palette.MUTED,
    "xtick.labelcolor": palette.INK,
    "ytick.labelcolor": palette.INK,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "text.color": palette.INK,
    "hatch.color": palette.SKIPPED_HATCH,
    "hatch.linewidth": 0.8,
}

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
PNG_COMPRESS_LEVEL: Final = 1


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes plus the words that say what it shows (for alt text)."""

    png: bytes
    alt_text: str
    width: int
    height: int
    title: str


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; ValueError if `png` is not a PNG."""
    if len(png) < 24 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


@contextmanager
def figure(width_px: int, height_px: int, *, dpi: int = DPI) -> Iterator[Figure]:
    """A fresh Agg-backed Figure of width_px x height_px at DPI 100, under the render lock.

    Another `dpi` scales the pixels (dpi 50: half the width and height) with the same layout.

    Build the chart inside the block and call `to_png` before it ends.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.charts import text_cache

    with _RENDER_LOCK, rc_context(STYLE):
        fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=dpi, facecolor="white")
        if TEXT_CACHE and text_cache.SUPPORTED:
            text_cache.CachingCanvasAgg(fig)
        else:
            FigureCanvasAgg(fig)
        try:
            yield fig
        finally:
            # Break the figure's reference cycles now rather than waiting for the collector.
            fig.clear()


def to_png(fig: Figure) -> tuple[bytes, int, int]:
    """Draw `fig` and return the PNG bytes with their pixel size."""
    buffer = io.BytesIO()
    # No bbox_inches="tight": layout is fixed so the size is exact and nothing is measured twice.
    # zlib level 1: flat-colour charts compress almost as well as at the default 6, in less time
    # under the lock (figures in docs/performance.md).
    fig.savefig(
        buffer,
        format="png",
        metadata={"Software": None},
        pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
    )
    png = buffer.getvalue()
    width, height = png_size(png)
    return png, width, height


def _ref_size(fig: Figure) -> tuple[float, float]:
    """The figure's size in layout pixels (pixels at DPI 100), whatever dpi it renders at."""
    return fig.get_figwidth() * DPI, fig.get_figheight() * DPI


def fig_x(fig: Figure, px: float) -> float:
    """Figure fraction for `px` layout pixels from the left edge."""
    return px / _ref_size(fig)[0]


def fig_y(fig: Figure, px: float) -> float:
    """Figure fraction for `px` layout pixels down from the top edge."""
    return 1 - px / _ref_size(fig)[1]


def axes_rect(
    fig: Figure, *, left_px: float, right_px: float, top_px: float, bottom_px: float
) -> tuple[float, float, float, float]:
    """A figure-fraction rectangle from fixed margins in layout pixels.

    Fixed margins instead of a layout engine: tight/constrained layout measure every text twice.
    """
    width, height = _ref_size(fig)
    return (
        left_px / width,
        bottom_px / height,
        1 - (left_px + right_px) / width,
        1 - (top_px + bottom_px) / height,
    )


def title_block(fig: Figure, title: str, subtitle: str, *, left_px: float = 24) -> None:
    """A bold title and a muted subtitle in the top-left corner, at fixed offsets."""
    x = fig_x(fig, left_px)
    fig.text(x, fig_y(fig, 14), title, fontsize=15, fontweight="bold", va="top", ha="left")
    if subtitle:
        fig.text(x, fig_y(fig, 40), subtitle, fontsize=10.5, color=palette.MUTED, va="top")


def top_legend(fig: Figure, handles: Sequence[Artist], *, ncol: int, **options: Any) -> None:
    """A frameless legend under the title, anchored at a fixed point (no "best" search)."""
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(fig_x(fig, 24), fig_y(fig, 62)),
        ncol=ncol,
        borderaxespad=0,
        borderpad=0,
        **options,
    )


def ellipsize(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def wrap(text: str, width: int, *, lines: int = 2) -> str:
    """`text` wrapped to `width` characters, at most `lines` lines (the last one ellipsized)."""
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], ellipsize(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


def section_max(rubric: Rubric) -> float:
    """The most points any section can reach (7 for the 2017 paper): the top of every y axis."""
    top = max_points(rubric)
    best = max(
        (sum(1 for item in section.items if item.enabled) for section in rubric.sections),
        default=0,
    )
    return float(top * best) if top * best > 0 else 1.0


def item_rows(rubric: Rubric) -> list[tuple[Section, Item]]:
    """The enabled items in rubric order, each with its section: the rows of the item charts."""
    return [
        (section, item) for section in rubric.sections for item in section.items if item.enabled
    ]


def draw_item_rows(
    ax: Axes, rows: list[tuple[Section, Item]], columns: int, language: str, *, chars: int
) -> None:
    """Item labels on the left, section names on the right, white rules between sections.

    `chars` caps a label's length: about (left margin - 20) / 7.8 at 10 pt, as Spanish runs wide.

    Labels are plain texts rather than ticks: a Tick is five artists, a Text is one.
    """
    left = ax.get_yaxis_transform()
    for row, (_, item) in enumerate(rows):
        ax.text(
            -0.012,
            row,
            ellipsize(f"{item.id}  {item.name.get(language)}", chars),
            transform=left,
            ha="right",
            va="center",
            fontsize=10,
        )
    starts = [row for row in range(len(rows)) if row == 0 or rows[row][0] is not rows[row - 1][0]]
    ends = [*starts[1:], len(rows)]
    if len(starts) > 1:
        ax.hlines(
            [start - 0.5 for start in starts[1:]], -0.5, columns - 0.5, colors="#ffffff", lw=4
        )
    for start, end in zip(starts, ends, strict=True):
        ax.text(
            1.015,
            (start + end - 1) / 2,
            wrap(rows[start][0].name.get(language), 16, lines=3),
            transform=left,
            ha="left",
            va="center",
            fontsize=10,
            color=palette.MUTED,
            linespacing=1.15,
        )
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_axis_off()  # no ticks or spines: labels are plain texts (a Tick is five artists)


def column_labels(
    ax: Axes,
    positions: Sequence[float],
    texts: Sequence[str],
    *,
    top: bool,
    pad_px: float = 6,
    fontsize: float = 10,
) -> None:
    """Labels above (or below) the given columns, as plain texts instead of ticks."""
    pad = pad_px * ax.figure.dpi / DPI / ax.bbox.height  # in axes fractions
    y = 1 + pad if top else -pad
    transform = ax.get_xaxis_transform()
    for x, text in zip(positions, texts, strict=True):
        ax.text(
            x,
            y,
            text,
            transform=transform,
            ha="center",
            va="bottom" if top else "top",
            fontsize=fontsize,
            linespacing=1.15,
        )


def cell_grid(ax: Axes, rows: int, columns: int, *, lw: float = 1.0) -> None:
    """Thin white lines between cells: two collections, not one patch per cell."""
    if columns > 1:
        ax.vlines([c + 0.5 for c in range(columns - 1)], -0.5, rows - 0.5, colors="#ffffff", lw=lw)
    if rows > 1:
        ax.hlines([r + 0.5 for r in range(rows - 1)], -0.5, columns - 0.5, colors="#ffffff", lw=lw)
