"""The digest's lines about away and skipped teams, added to the message build_digest makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.slack.blocks.common import MESSAGE_MAX_BLOCKS, context, escape
from bot.slack.i18n import format_date, t


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
            t("digest.away_team", language, team=escape(name), date=format_date(day, language))
            for name, day in away
        ]
        lines.append(t("digest.away", language, teams=", ".join(names)))
    if skipped:
        names = [escape(name) for name in skipped]
        lines.append(t("digest.skipped", language, teams=", ".join(names)))
    if requested_by:
        lines.append(t("digest.on_demand", language, user=requested_by))
    blocks = list(payload["blocks"])
    if not lines or len(blocks) >= MESSAGE_MAX_BLOCKS:
        return payload
    note = context(*lines)
    last = blocks[-1] if blocks else None
    at = len(blocks) - 1 if last is not None and last.get("type") == "context" else len(blocks)
    blocks.insert(at, note)
    return {**payload, "blocks": blocks}
