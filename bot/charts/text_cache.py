"""An Agg canvas that caches rendered text, because in matplotlib 3.11 text dominates render time.

matplotlib 3.11 draws text one glyph at a time from Python (a FreeType render and a blit per
glyph) and measures every string afresh on each new renderer. Our charts repeat the same strings
on every render (item names, section names, legend entries, numbers), so this canvas keeps:

- the rendered bitmap of each horizontal string, composited once from the same per-glyph calls
  matplotlib makes, and blitted in one call afterwards (the origin is rounded to a whole pixel,
  as matplotlib itself did before 3.11, instead of 1/64 px);
- each string's measured width, height and descent.

Both caches are bounded (entries and bytes) and only touched under the render lock. Rotated text,
math text and any matplotlib whose Agg internals differ fall back to the stock code path, so the
worst case is stock speed, never a wrong chart (a test compares both paths pixel by pixel).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import LoadFlags, RenderMode

if TYPE_CHECKING:
    from matplotlib.backend_bases import GraphicsContextBase
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text
    from numpy.typing import NDArray

MAX_ENTRIES: Final = 4096
MAX_BYTES: Final = 16 * 1024 * 1024
MAX_CHARS: Final = 160  # longer strings are rare and not worth keeping

# The private pieces of matplotlib's Agg text path this relies on; checked once at import.
SUPPORTED: Final = all(
    hasattr(RendererAgg, name) for name in ("_prepare_font", "_draw_text_glyphs_and_boxes")
)

_IDENTITY: Final = np.array([[0x10000, 0], [0, 0x10000]], dtype=int)  # 16.16 fixed point

Bitmap = tuple["NDArray[np.uint8]", int, int]  # alpha, left offset, top offset (FreeType, y up)


class _BitmapCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Bitmap] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[Any, ...]) -> Bitmap | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: Bitmap) -> None:
        self._entries[key] = entry
        self._bytes += entry[0].nbytes
        while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES:
            _, old = self._entries.popitem(last=False)
            self._bytes -= old[0].nbytes

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


BITMAPS: Final = _BitmapCache()
METRICS: Final[OrderedDict[tuple[Any, ...], tuple[float, float, float]]] = OrderedDict()


_hinting_flag = cast("Callable[[], LoadFlags]", get_hinting_flag)


def _measure(
    renderer: RendererAgg, s: str, prop: FontProperties, ismath: bool | str
) -> tuple[float, float, float]:
    """RendererAgg's own measurement (the stock, uncached path)."""
    width, height, descent = RendererAgg.get_text_width_height_descent(renderer, s, prop, ismath)  # type: ignore[no-untyped-call]  # backend_agg is untyped
    return float(width), float(height), float(descent)


class CachingRendererAgg(RendererAgg):
    """RendererAgg with cached text bitmaps and metrics (see the module docstring)."""

    def get_text_width_height_descent(
        self, s: str, prop: FontProperties, ismath: bool | str
    ) -> tuple[float, float, float]:
        if ismath:
            return _measure(self, s, prop, ismath)
        key = (s, prop, self.dpi, _hinting_flag())
        cached = METRICS.get(key)
        if cached is None:
            cached = _measure(self, s, prop, ismath)
            METRICS[(s, prop.copy(), self.dpi, key[3])] = cached
            if len(METRICS) > MAX_ENTRIES:
                METRICS.popitem(last=False)
        return cached

    def draw_text(  # noqa: PLR0917  the signature is RendererAgg.draw_text's
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: bool | str = False,
        mtext: Text | None = None,
    ) -> None:
        if ismath or angle != 0 or len(s) > MAX_CHARS:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]  # backend_agg is untyped
            return
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        antialiased = bool(gc.get_antialiased())
        # Position in 1/64 px (FreeType's 26.6 fixed point), split into a whole-pixel origin
        # and a sub-pixel phase; the phase is part of the key so glyphs land as stock puts them.
        x64, y64 = round(0x40 * x), round(0x40 * (self.height - y))
        phase = (x64 % 0x40, y64 % 0x40)
        key = (
            s,
            phase,
            prop,
            self.dpi,
            _hinting_flag(),
            antialiased,
            tuple(features) if features else None,
            language,
        )
        entry = BITMAPS.get(key)
        if entry is None:
            entry = self._render_string(
                s, prop, phase=phase, antialiased=antialiased, features=features, language=language
            )
            BITMAPS.put((s, phase, prop.copy(), *key[3:]), entry)
        alpha, left, top = entry
        if alpha.size == 0:
            return
        # matplotlib's y here is measured down from the top; FreeType's goes up from the bottom.
        origin_x, origin_y = x64 // 0x40, y64 // 0x40
        bottom_down = int(self.height) - (origin_y + top) + alpha.shape[0]
        self._renderer.draw_text_image(alpha, origin_x + left, bottom_down, 0, gc)

    def _render_string(
        self,
        s: str,
        prop: FontProperties,
        *,
        phase: tuple[int, int],
        antialiased: bool,
        features: Any,
        language: Any,
    ) -> Bitmap:
        """All glyphs of `s` composited into one alpha bitmap, origin at (0, 0) + `phase`/64."""
        flags = _hinting_flag()
        font = self._prepare_font(prop)  # type: ignore[no-untyped-call]  # backend_agg is untyped
        items = font._layout(s, flags=flags, features=features, language=language)
        size = prop.get_size_in_points()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        glyphs = []
        for item in items:
            glyph_font = item.ft_object
            glyph_font.set_size(size, self.dpi)
            glyph_font._set_transform(
                _IDENTITY, [phase[0] + round(0x40 * item.x), phase[1] + round(0x40 * item.y)]
            )
            bitmap = glyph_font._render_glyph(item.glyph_index, flags, mode)
            buffer = np.asarray(bitmap.buffer, dtype=np.uint8)
            if not antialiased:
                buffer = buffer * 0xFF
            if buffer.size:
                glyphs.append((buffer, int(bitmap.left), int(bitmap.top)))
        if not glyphs:
            return np.zeros((0, 0), dtype=np.uint8), 0, 0
        left = min(g[1] for g in glyphs)
        right = max(g[1] + g[0].shape[1] for g in glyphs)
        top = max(g[2] for g in glyphs)
        bottom = min(g[2] - g[0].shape[0] for g in glyphs)
        alpha = np.zeros((top - bottom, right - left), dtype=np.uint8)
        for buffer, glyph_left, glyph_top in glyphs:
            row, column = top - glyph_top, glyph_left - left
            view = alpha[row : row + buffer.shape[0], column : column + buffer.shape[1]]
            np.maximum(view, buffer, out=view)
        return alpha, left, top


class CachingCanvasAgg(FigureCanvasAgg):
    """FigureCanvasAgg whose renderer is a CachingRendererAgg."""

    def get_renderer(self) -> RendererAgg:
        width, height = self.get_width_height(physical=True)
        key = width, height, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachingRendererAgg(width, height, self.figure.dpi)  # type: ignore[no-untyped-call]  # backend_agg is untyped
            self._lastKey = key
        renderer: RendererAgg = self.renderer
        return renderer
