"""The vocabulary of the domain: rubrics, their items and scales, stages and requirements.

Everything here is plain data validated by pydantic. Nothing knows about Slack, storage or
charts, and nothing reads the clock.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(Frozen):
    """A user-facing string in every language the bot speaks."""

    en: Annotated[str, Field(min_length=1)]
    es: Annotated[str, Field(min_length=1)]

    def get(self, language: str) -> str:
        return self.es if language == "es" else self.en


class Level(StrEnum):
    """How far a team has taken one test (the 2017 paper's scale)."""

    NOT_DONE = "not_done"
    MANUAL = "manual"
    AUTOMATED = "automated"


class Stage(StrEnum):
    """Where a team's project is; the order is the order of advancement."""

    RESEARCH = "research"
    ROADMAP = "roadmap"
    PRODUCTION = "production"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


class Requirement(StrEnum):
    """How much a test matters at a stage; the order is from loosest to strictest."""

    NOT_APPLICABLE = "not_applicable"
    POOR_VALUE = "poor_value"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"

    @property
    def rank(self) -> int:
        return list(Requirement).index(self)


class ScaleLevel(Frozen):
    """One choice on a level scale, with the points it is worth."""

    key: Annotated[str, Field(min_length=1, max_length=64)]
    points: float
    label: Text
    done: bool = Field(
        default=True, description="whether choosing this level counts as having done the test"
    )
    complete: bool = Field(
        default=False, description="whether this is the fully automated, nothing-left level"
    )
    description: Text | None = Field(
        default=None, description="what choosing this level means, shown next to the label"
    )


class LevelScale(Frozen):
    kind: Literal["levels"] = "levels"
    levels: Annotated[tuple[ScaleLevel, ...], Field(min_length=2)]

    @model_validator(mode="after")
    def _unique_keys(self) -> LevelScale:
        keys = [level.key for level in self.levels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"level keys must be unique, got {keys}")
        return self


class RangeScale(Frozen):
    """A numeric scale such as the seed deck's 1-10 self-assessment."""

    kind: Literal["range"] = "range"
    min: float
    max: float
    step: float = 1.0
    done_at: float | None = Field(
        default=None, description="the value from which a test counts as done (default: midpoint)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> RangeScale:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.step <= 0:
            raise ValueError("step must be positive")
        return self


Scale = Annotated[LevelScale | RangeScale, Field(discriminator="kind")]


class Item(Frozen):
    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]
    name: Text
    guidance: Text
    paper_ref: str | None = None
    enabled: bool = True


class Section(Frozen):
    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]
    name: Text
    items: Annotated[tuple[Item, ...], Field(min_length=1)]


class Band(Frozen):
    """A range of final scores with its meaning; `upper` is inclusive, None means unbounded."""

    upper: float | None
    label: Text


class StageInfo(Frozen):
    stage: Stage
    label: Text
    description: Text


class ItemCriteria(Frozen):
    """The requirement level of one item at every stage, with why."""

    research: Requirement
    roadmap: Requirement
    production: Requirement
    rationale: Text | None = None

    def at(self, stage: Stage) -> Requirement:
        requirement: Requirement = getattr(self, stage.value)
        return requirement


class Criteria(Frozen):
    """The stage x item matrix that gaps are measured against."""

    version: int = 1
    items: dict[str, ItemCriteria]

    def requirement(self, item_id: str, stage: Stage) -> Requirement:
        cell = self.items.get(item_id)
        return cell.at(stage) if cell else Requirement.OPTIONAL


class Freshness(Frozen):
    """How long a claim stays fresh, in days: by level key, overridden per item and level.

    A claim older than its window is stale (rubric.evidence.is_stale). Levels not named (and
    "not done") never go stale."""

    levels: dict[str, Annotated[int, Field(gt=0)]] = Field(
        default_factory=lambda: {"manual": 180, "automated": 90}
    )
    items: dict[str, dict[str, Annotated[int, Field(gt=0)]]] = Field(default_factory=dict)

    def days(self, item_id: str, level_key: str) -> int | None:
        own = self.items.get(item_id, {})
        return own.get(level_key, self.levels.get(level_key))


class Rubric(Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    version: Annotated[str, Field(min_length=1, max_length=32)]
    name: Text
    citation: str | None = None
    scale: Scale
    sections: Annotated[tuple[Section, ...], Field(min_length=1)]
    bands: tuple[Band, ...] = ()
    stages: tuple[StageInfo, ...] = ()
    criteria: Criteria | None = None
    freshness: Freshness = Field(default_factory=Freshness)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"item id {item.id!r} appears twice")
            seen.add(item.id)
        if self.criteria is not None:
            unknown = sorted(set(self.criteria.items) - seen)
            if unknown:
                raise ValueError(f"criteria name unknown items: {', '.join(unknown)}")
        unknown_fresh = sorted(set(self.freshness.items) - seen)
        if unknown_fresh:
            raise ValueError(f"freshness names unknown items: {', '.join(unknown_fresh)}")
        return self

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)


class Answer(Frozen):
    """What a person chose for one item: a level key, or a number on a range scale.

    The choice is stored as given; points are derived from the rubric's scale when scoring.
    """

    item_id: str
    choice: str
    note: str = ""
    evidence_url: str = ""
    """Where the documentation or the automation is (an http(s) URL), or empty."""
    evidence_label: str = ""


class Snapshot(Frozen):
    """One assessment as the domain sees it: the stage, the answers by item id, the overall note."""

    stage: Stage
    answers: dict[str, Answer] = Field(default_factory=dict)
    note: str = ""

    def choice(self, item_id: str) -> str | None:
        answer = self.answers.get(item_id)
        return answer.choice if answer else None
