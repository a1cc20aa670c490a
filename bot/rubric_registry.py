"""The rubrics this deployment knows: the built-in ones plus an optional file of its own.

Stored assessments name their rubric by id, so a rubric that cannot be found is an error a person
must fix (restore the file), never a silent fallback to another rubric.
"""

from __future__ import annotations

from pathlib import Path

from rubric.catalog import available_rubrics, default_rubric, load_rubric
from rubric.model import Criteria, ItemCriteria, Requirement, Rubric

DEFAULT_CRITERIA_VERSION = 0
"""The version reported for a rubric's own criteria, before a workspace adopts any of its own."""


class UnknownRubric(LookupError):
    def __init__(self, rubric_id: str, known: list[str]) -> None:
        super().__init__(f"unknown rubric {rubric_id!r}; known rubrics: {', '.join(known)}")
        self.rubric_id = rubric_id


class RubricRegistry:
    """Rubrics by id. The extra file (MLSCORE_RUBRIC_FILE) is read and checked once, here, so a
    broken file stops the bot at start-up rather than in the middle of someone's assessment."""

    def __init__(self, extra_file: Path | None = None) -> None:
        extra = (extra_file,) if extra_file is not None else ()
        self._rubrics: dict[str, Rubric] = available_rubrics(extra)
        # An organisation that points the bot at its own rubric wants new teams to use it.
        self._default = load_rubric(extra_file) if extra_file is not None else default_rubric()

    def get(self, rubric_id: str) -> Rubric:
        try:
            return self._rubrics[rubric_id]
        except KeyError:
            raise UnknownRubric(rubric_id, sorted(self._rubrics)) from None

    def default(self) -> Rubric:
        return self._default

    def ids(self) -> list[str]:
        return sorted(self._rubrics)

    @staticmethod
    def default_criteria(rubric: Rubric) -> Criteria:
        """The rubric's own stage x item matrix as version 0; a rubric without one makes every
        item optional, so gaps stay empty until a workspace adopts criteria."""
        if rubric.criteria is not None:
            return rubric.criteria.model_copy(update={"version": DEFAULT_CRITERIA_VERSION})
        return optional_everywhere(rubric)


def optional_everywhere(rubric: Rubric) -> Criteria:
    cell = ItemCriteria(
        research=Requirement.OPTIONAL,
        roadmap=Requirement.OPTIONAL,
        production=Requirement.OPTIONAL,
    )
    return Criteria(
        version=DEFAULT_CRITERIA_VERSION, items={item.id: cell for item in rubric.items}
    )
