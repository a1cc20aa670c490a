"""Modals that walk the rubric page by page (the assessment, the criteria survey): how the rubric
splits into pages, and what every page has (Back from the second page on, Next until the last
page, which submits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from bot.slack.blocks.common import Block, actions, button, modal
from bot.slack.i18n import t
from bot.slack.ids import BlockId

if TYPE_CHECKING:
    from rubric.model import Item, Rubric, Section

P = TypeVar("P")


def section_pages(rubric: Rubric, per_page: int) -> list[tuple[Section, tuple[Item, ...]]]:
    """Each section's enabled items in order, at most `per_page` on a page; a longer section
    takes several pages, a section with none takes no page."""
    result: list[tuple[Section, tuple[Item, ...]]] = []
    for section in rubric.sections:
        enabled = [item for item in section.items if item.enabled]
        for start in range(0, len(enabled), per_page):
            result.append((section, tuple(enabled[start : start + per_page])))
    return result


def page_at(pages: Sequence[P], index: int) -> P:
    if not 0 <= index < len(pages):
        raise ValueError(f"page {index} out of range 0..{len(pages) - 1}")
    return pages[index]


def page_modal(
    *,
    index: int,
    total: int,
    blocks: Sequence[Block],
    callback_id: str,
    title: str,
    back_action: str,
    close: str,
    private_metadata: str,
    language: str,
    footer: Sequence[Block] = (),
) -> dict[str, Any]:
    """Page `index` of `total`: its blocks, a Back button (value: the page before) unless it is
    the first, then `footer`; Next, or Submit on the last page. Closing it is notified, so
    the page on screen can be kept."""
    navigation: list[Block] = []
    if index > 0:
        back = button(t("common.back", language), back_action, str(index - 1))
        navigation.append(actions([back], block_id=BlockId.NAV))
    is_last = index == total - 1
    return modal(
        callback_id=callback_id,
        title=title,
        blocks=[*blocks, *navigation, *footer],
        submit=t("common.submit" if is_last else "common.next", language),
        close=close,
        private_metadata=private_metadata,
        notify_on_close=True,
    )
