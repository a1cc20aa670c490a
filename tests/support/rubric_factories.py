"""Small rubrics built in code, so the domain tests do not depend on the shipped data file."""

from __future__ import annotations

from collections.abc import Mapping

from rubric.model import (
    Answer,
    Band,
    Criteria,
    Item,
    ItemCriteria,
    LevelScale,
    RangeScale,
    Requirement,
    Rubric,
    ScaleLevel,
    Section,
    Snapshot,
    Stage,
    Text,
)

SECTION_PREFIXES = {"data": "FD", "model": "MD", "infra": "I", "monitor": "Mo"}
LEVEL_POINTS = {"not_done": 0.0, "manual": 0.5, "automated": 1.0}
BAND_UPPERS = (0.0, 1.0, 2.0, 3.0, 5.0, None)


def text(value: str) -> Text:
    return Text(en=value, es=f"{value} (es)")


def level_scale() -> LevelScale:
    return LevelScale(
        levels=(
            ScaleLevel(key="not_done", points=0.0, label=text("Not done"), done=False),
            ScaleLevel(key="manual", points=0.5, label=text("Manual")),
            ScaleLevel(key="automated", points=1.0, label=text("Automated"), complete=True),
        )
    )


def bands() -> tuple[Band, ...]:
    return tuple(Band(upper=upper, label=text(f"up to {upper}")) for upper in BAND_UPPERS)


def item(item_id: str, *, enabled: bool = True) -> Item:
    return Item(id=item_id, name=text(f"Test {item_id}"), guidance=text("How to"), enabled=enabled)


def paper_rubric(
    *, disabled: frozenset[str] = frozenset(), criteria: Criteria | None = None
) -> Rubric:
    """A 2017-like rubric: sections data/model/infra/monitor with items FD1..FD7, MD1..MD7,
    I1..I7, Mo1..Mo7, levels not_done 0 / manual 0.5 / automated 1 and the paper's bands."""
    sections = tuple(
        Section(
            id=section_id,
            name=text(section_id.title()),
            items=tuple(
                item(f"{prefix}{n}", enabled=f"{prefix}{n}" not in disabled) for n in range(1, 8)
            ),
        )
        for section_id, prefix in SECTION_PREFIXES.items()
    )
    return Rubric(
        id="test-2017",
        version="2017",
        name=text("Test rubric"),
        scale=level_scale(),
        sections=sections,
        bands=bands(),
        criteria=criteria,
    )


def range_rubric(*, done_at: float | None = None) -> Rubric:
    """A seed-deck-like rubric: aspects scored 1-10 in two sections, one aspect disabled."""
    return Rubric(
        id="aspects",
        version="1",
        name=text("Aspects"),
        scale=RangeScale(min=1, max=10, step=1, done_at=done_at),
        sections=(
            Section(
                id="quality",
                name=text("Quality"),
                items=(item("testing"), item("docs"), item("legacy", enabled=False)),
            ),
            Section(id="ops", name=text("Ops"), items=(item("deploys"), item("alerts"))),
        ),
        bands=(
            Band(upper=4, label=text("low")),
            Band(upper=12, label=text("mid")),
            Band(upper=None, label=text("high")),
        ),
    )


def paper_item_ids() -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for prefix in SECTION_PREFIXES.values() for n in range(1, 8))


def answers(choices: Mapping[str, str | None], **notes: str) -> dict[str, Answer]:
    """Answers by item id; a None choice means the item is left unanswered."""
    return {
        item_id: Answer(item_id=item_id, choice=choice, note=notes.get(item_id, ""))
        for item_id, choice in choices.items()
        if choice is not None
    }


def snapshot(stage: Stage = Stage.PRODUCTION, note: str = "", **choices: str | None) -> Snapshot:
    return Snapshot(stage=stage, answers=answers(choices), note=note)


def uniform(choice: str, *, except_: Mapping[str, str | None] | None = None) -> dict[str, Answer]:
    """Every paper item answered with `choice`, with some overrides."""
    choices: dict[str, str | None] = dict.fromkeys(paper_item_ids(), choice)
    choices.update(except_ or {})
    return answers(choices)


def criteria(cells: Mapping[str, tuple[Requirement, Requirement, Requirement]]) -> Criteria:
    """Criteria from (research, roadmap, production) requirements per item id."""
    return Criteria(
        items={
            item_id: ItemCriteria(research=research, roadmap=roadmap, production=production)
            for item_id, (research, roadmap, production) in cells.items()
        }
    )
