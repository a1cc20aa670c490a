"""What the services say about a period's several respondents (plain data for the builders)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChoiceCount:
    choice: str
    count: int
    people: tuple[str, ...]
    """Who chose it; empty in anonymous mode."""


@dataclass(frozen=True)
class DisputedItem:
    item_id: str
    full: bool
    """The answers span the whole scale (not done vs automated)."""
    choices: tuple[ChoiceCount, ...]
    proposed: str
    """The consensus rule's choice (the resolution modal's default)."""
    agreed: str | None = None
    """The agreed choice now (a lead's resolution, when there is one)."""
    resolved_by: str | None = None


@dataclass(frozen=True)
class PeriodResponses:
    """A system's responses for one period: how many, and where they differ."""

    period_key: str
    rule: str
    anonymous: bool
    respondents: tuple[str, ...]
    """Who answered, oldest first; empty in anonymous mode."""
    count: int
    items: tuple[DisputedItem, ...]
    """The disputed items; empty when the breakdown is hidden."""
    hidden: bool = False
    """Anonymous with fewer than 3 responses: no breakdown at all."""
    spread: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    """Per item: (choice, how many), lowest first; empty when hidden."""

    @property
    def disputed(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)

    @property
    def unresolved(self) -> tuple[DisputedItem, ...]:
        return tuple(item for item in self.items if item.resolved_by is None)


@dataclass(frozen=True)
class CheckinMessage:
    """Where a system's check-in of a period was posted, and who has answered it so far."""

    channel_id: str
    message_ts: str
    period_key: str
    button_key: str
    """The team (or `team:system`) its buttons carry, as the scheduler built them."""
    cadence: str
    respondents: tuple[str, ...]
    confirmed: tuple[str, ...] = ()
    """Those of `respondents` whose answer is a "nothing changed" click."""
    anonymous: bool = False
