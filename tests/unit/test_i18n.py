"""The message catalog: complete in both languages, placeholders in step, keys that exist."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.slack.i18n import (
    MESSAGES,
    Plural,
    format_date,
    format_datetime,
    format_delta,
    format_number,
    format_percent,
    language_of,
    plural_category,
    resolve_language,
    t,
    weekday_name,
)

SLACK_PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "slack"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def forms(template: str | Plural) -> list[str]:
    return [template.one, template.other] if isinstance(template, Plural) else [template]


def every_placeholder(template: str | Plural) -> set[str]:
    found = set().union(*(placeholders(form) for form in forms(template)))
    return found | ({template.by} if isinstance(template, Plural) else set())


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert set(entry) == {"en", "es"}
    for template in entry.values():
        assert all(form.strip() for form in forms(template))
    assert every_placeholder(entry["en"]) == every_placeholder(entry["es"])
    assert isinstance(entry["en"], Plural) == isinstance(entry["es"], Plural)


@pytest.mark.parametrize(
    "key", sorted(k for k, e in MESSAGES.items() if isinstance(e["en"], Plural))
)
def test_a_plural_writes_its_number_in_the_other_form(key):
    for template in MESSAGES[key].values():
        assert isinstance(template, Plural)
        assert template.by in placeholders(template.other)
        assert template.one != template.other


# Placeholders that hold a count of something, and English words that follow a number.
COUNTS = r"count|days|participants|changes|hidden|teams_count"


def test_no_plain_message_writes_a_count_before_a_plural_noun():
    """A count followed by a plural noun ("1 teams") must be a Plural, chosen by the catalog."""
    offenders = [
        (key, entry["en"])
        for key, entry in MESSAGES.items()
        if isinstance(entry["en"], str)
        and re.search(rf"\{{({COUNTS})\}} (\w+ )?\w+s\b", entry["en"])
        and not key.startswith("error.workspace_required")  # only ever said of 2 or more
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("count", "en", "es"),
    [(0, "0 teams", "0 equipos"), (1, "1 team", "1 equipo"), (2, "2 teams", "2 equipos")],
)
def test_plural_forms_follow_the_number(count, en, es):
    assert t("teams.fallback", "en", count=count) == en
    assert t("teams.fallback", "es", count=count) == es


def test_the_plural_category_of_a_number():
    assert [plural_category(n) for n in (1, 1.0, 0, 2, 1.5, 21, True)] == [
        "one",
        "one",
        "other",
        "other",
        "other",
        "other",
        "other",
    ]


def test_spanish_is_not_a_copy_of_english_for_sentences():
    copies = [
        key
        for key, entry in MESSAGES.items()
        if entry["en"] == entry["es"]
        and isinstance(entry["en"], str)
        and len(re.sub(r"\{\w+\}", "", entry["en"]).split()) > 3
    ]
    # Only the lines built around the product's name are the same in both languages.
    assert all("ML Test Score" in str(MESSAGES[key]["en"]) for key in copies), copies


def test_every_key_the_slack_code_uses_exists():
    used: set[str] = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.0-9]+)["']""")
    for path in SLACK_PACKAGE.rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no calls at all"
    assert sorted(used - set(MESSAGES)) == []


def test_t_fills_placeholders_and_falls_back_to_english_for_other_languages():
    assert t("info.stage_set", "es", team="A", stage="B") == "*A* está ahora en la etapa *B*."
    assert t("common.next", "fr") == "Next"


def test_t_raises_for_an_unknown_key():
    with pytest.raises(KeyError):
        t("no.such.key", "en")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("es-ES", "es"),
        ("es-419", "es"),
        ("es", "es"),
        ("ES_mx", "es"),
        ("en-US", "en"),
        ("fr-FR", None),
        ("", None),
        (None, None),
    ],
)
def test_language_of_reads_slack_locales(locale, expected):
    assert language_of(locale) == expected


def test_a_person_locale_wins_over_the_team_language():
    assert resolve_language("es-419", "en") == "es"
    assert resolve_language("en-GB", "es") == "en"


def test_an_unsupported_locale_falls_back_to_the_team_then_the_default():
    assert resolve_language("fr-FR", "es") == "es"
    assert resolve_language(None, None) == "en"
    assert resolve_language("de-DE", "xx", default="es") == "es"


@pytest.mark.parametrize(
    ("value", "en", "es"),
    [
        (0.5, "0.5", "0,5"),
        (2.0, "2", "2"),
        (1.25, "1.25", "1,25"),
        (0.0, "0", "0"),
        (-0.0, "0", "0"),
        (7.0, "7", "7"),
        (3.333333, "3.33", "3,33"),
    ],
)
def test_numbers_use_each_language_decimal_separator(value, en, es):
    assert format_number(value, "en") == en
    assert format_number(value, "es") == es


def test_deltas_carry_a_sign_and_zero_is_plus_minus():
    assert format_delta(0.5, "es") == "+0,5"
    assert format_delta(-1.0, "en") == "-1"
    assert format_delta(0.0, "en") == "±0"


def test_percentages_follow_each_language_style():
    assert format_percent(0.75, "en") == "75%"
    assert format_percent(0.75, "es") == "75 %"


def test_dates_and_times_in_both_languages():
    assert format_date(date(2025, 3, 5), "en") == "Mar 5, 2025"
    assert format_date(date(2025, 9, 15), "es") == "15 sept 2025"
    assert format_datetime(datetime(2025, 3, 5, 9, 7), "es") == "5 mar 2025, 09:07"


def test_weekdays_count_from_monday():
    assert weekday_name(0, "en") == "Monday"
    assert weekday_name(2, "es") == "miércoles"
