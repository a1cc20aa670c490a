"""The digest's words about away and skipped teams, which bot.slack.blocks.digest does not
render yet; kept here in both languages (candidates for bot.slack.i18n) and added to the
message that build_digest makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.slack.blocks.common import MESSAGE_MAX_BLOCKS, context, escape
from bot.slack.i18n import MESSAGES, format_date, t

EXTRA_MESSAGES: dict[str, dict[str, str]] = {
    "digest.away": {
        "en": "Away: {teams}",
        "es": "Ausentes: {teams}",
    },
    "digest.away_team": {"en": "{team} (until {date})", "es": "{team} (hasta el {date})"},
    "digest.skipped": {
        "en": "Skipped this period: {teams}",
        "es": "Se saltan este periodo: {teams}",
    },
    "digest.on_demand": {
        "en": "Posted on request by <@{user}>.",
        "es": "Publicado a petición de <@{user}>.",
    },
}


def text(key: str, language: str, /, **params: object) -> str:
    """t() from the shared catalog, falling back to EXTRA_MESSAGES for the keys it lacks."""
    if key in MESSAGES:
        return t(key, language, **params)
    entry = EXTRA_MESSAGES[key]
    template = entry["es"] if language == "es" else entry["en"]
    return template.format(**params) if params else template


def add_standing_notes(
    payload: dict[str, Any],
    *,
    away: Sequence[tuple[str, date]],
    skipped: Sequence[str],
    requested_by: str | None,
    language: str,
) -> dict[str, Any]:
    """Add one context block (before the chart note, which stays last) saying who is away and
    who skipped, and who asked for an on-demand digest."""
    lines = []
    if away:
        names = [
            text("digest.away_team", language, team=escape(name), date=format_date(day, language))
            for name, day in away
        ]
        lines.append(text("digest.away", language, teams=", ".join(names)))
    if skipped:
        names = [escape(name) for name in skipped]
        lines.append(text("digest.skipped", language, teams=", ".join(names)))
    if requested_by:
        lines.append(text("digest.on_demand", language, user=requested_by))
    blocks = list(payload["blocks"])
    if not lines or len(blocks) >= MESSAGE_MAX_BLOCKS:
        return payload
    note = context(*lines)
    last = blocks[-1] if blocks else None
    at = len(blocks) - 1 if last is not None and last.get("type") == "context" else len(blocks)
    blocks.insert(at, note)
    return {**payload, "blocks": blocks}
