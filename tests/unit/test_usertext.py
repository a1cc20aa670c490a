"""Names people type are stored as they look; NUL is found wherever it hides."""

from __future__ import annotations

import unicodedata

import pytest

from bot.db.repositories.teams import name_key
from bot.usertext import clean_name, has_nul


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Vi\u0301sion", "V\u00edsion"),  # NFD -> NFC
        ("  Fraud   models ", "Fraud models"),
        ("Ops\u202elive", "Opslive"),  # right-to-left override
        ("\u2066Ranking\u2069", "Ranking"),  # isolates
        ("Vi\u200bsion\u200d\ufeff", "Vision"),  # zero-width space, joiner, BOM
        ("soft\u00adhyphen", "softhyphen"),
        ("tab\tand\nline", "tab and line"),
        ("\u3164Hangul filler", "Hangul filler"),
        ("\u200b\u202e\u2066 \u3164", ""),  # nothing visible
        ("Équipe 🚀", "Équipe 🚀"),
    ],
)
def test_a_name_is_stored_as_it_looks(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored
    assert unicodedata.is_normalized("NFC", clean_name(typed))


def test_names_that_look_the_same_have_the_same_key() -> None:
    assert name_key("Vi\u0301sion") == name_key("V\u00edsion") == name_key("VÍSION\u200b")
    assert name_key("Vision") != name_key("Visi0n")


def test_nul_is_found_in_any_of_the_texts() -> None:
    assert has_nul("fine", None, "a\x00b")
    assert not has_nul("fine", None, "")
