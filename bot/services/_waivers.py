"""Which items of a system are waived on a date: what every gap report leaves out."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.db import repositories as repo


def waived_items(session: Session, *, workspace_id: int, system_id: int, today: date) -> set[str]:
    """The items of the system under an approved waiver that holds `today` (its expiry date
    included); an expired or pending one waives nothing."""
    rows = repo.approved_waivers(
        session, workspace_id=workspace_id, system_ids=[system_id], today=today
    )
    return {row.item_id for row in rows}
