"""Text people type: names made comparable, and the one character no database here can store.

Names are shown to others and compared with each other, so two names that look the same must
be the same: they are put in Unicode NFC form (an "é" typed as one code point or as "e" and a
combining accent is one name), and characters that show nothing are removed: format characters
(category Cf: zero-width spaces and joiners, the bidirectional marks, embeddings, overrides and
isolates that can make a name read backwards, the byte order mark, soft hyphens), control
characters, every default-ignorable code point (variation selectors, the combining grapheme
joiner, tags...), and the few blank letters Unicode keeps for Hangul and Braille. Runs of
whitespace become one space.

NUL (U+0000) is refused wherever text is stored: PostgreSQL's text types cannot hold it.
"""

from __future__ import annotations

import unicodedata

NUL = "\x00"

# Letters (not format characters) that render as nothing.
_BLANK_LETTERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})

# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): what a renderer
# shows nothing for. Most are format characters (Cf) and go with those; these ranges also
# cover the combining grapheme joiner, the variation selectors, Hangul and Khmer fillers, and
# the unassigned code points Unicode reserves as ignorable.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def _default_ignorable(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _DEFAULT_IGNORABLE)


def _visible(char: str) -> bool:
    if char in _BLANK_LETTERS or _default_ignorable(char):
        return False
    category = unicodedata.category(char)
    # Whitespace is a control character too (tab, newline); it is kept, then collapsed.
    return char.isspace() or category not in ("Cf", "Cc", "Cs")


def clean_name(text: str) -> str:
    """The name as it is stored and shown: NFC, without invisible characters, one space
    between words. Empty when nothing visible was typed."""
    normal = unicodedata.normalize("NFC", text)
    visible = "".join(char for char in normal if _visible(char))
    return " ".join(visible.split())


def name_key(name: str) -> str:
    """What names are compared by: the name as stored (clean_name), case folded and NFC again
    (folding can undo NFC), so "Vision", "VISION", "Vi\u200bsion" and "Straße"/"STRASSE" are
    each one name."""
    return unicodedata.normalize("NFC", clean_name(name).casefold())


def name_fits(name: str, limit: int) -> bool:
    """Whether a cleaned name, and what it is compared by, both fit in `limit` characters (case
    folding can lengthen a name: "ß" is "ss")."""
    return len(name) <= limit and len(name_key(name)) <= limit


def has_nul(*texts: str | None) -> bool:
    return any(text is not None and NUL in text for text in texts)
