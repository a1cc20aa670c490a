"""Several people's answers for one period -> the agreed answer per item, and where they differ.

Pure: the responses, the team's rule and its leads come in; choices come out. Scoring the agreed
result stays in rubric.scoring (the agreed choices are just another set of answers).

Rules (per team):
- ``lowest``: each item's lowest answer (the cautious reading).
- ``median``: each item's median answer; with an even number of answers the lower of the two
  middle ones, so a tie never rounds a team up.
- ``lead``: where everyone agrees, that answer; where they differ, a lead's own answer when a
  lead responded, else the lowest, until a lead confirms. A lead's resolution overrides any rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rubric.model import LevelScale, Rubric
from rubric.scoring import range_value


class Rule(StrEnum):
    LEAD = "lead"
    LOWEST = "lowest"
    MEDIAN = "median"


def default_rule(leads: Sequence[str]) -> Rule:
    """A team with leads has them confirm; a team without takes the median."""
    return Rule.LEAD if leads else Rule.MEDIAN


@dataclass(frozen=True)
class Response:
    """One person's answers for the period: item id -> choice."""

    respondent: str
    choices: Mapping[str, str]


@dataclass(frozen=True)
class Disagreement:
    item_id: str
    full: bool
    """The answers span the whole scale (not done vs automated), not just one step."""
    by_choice: tuple[tuple[str, tuple[str, ...]], ...]
    """(choice, who chose it), lowest choice first; respondents in response order."""

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        return tuple((choice, len(people)) for choice, people in self.by_choice)


def rank(rubric: Rubric, choice: str) -> float:
    """Where a choice sits on the scale, lowest first: a level's position, or a range's value.
    An unknown level key ranks below every level (it scores 0)."""
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        keys = [level.key for level in scale.levels]
        return float(keys.index(choice)) if choice in keys else -1.0
    return range_value(scale, choice)


def _ordered(rubric: Rubric, choices: Sequence[str]) -> list[str]:
    return sorted(choices, key=lambda choice: rank(rubric, choice))


def _answers_for(responses: Sequence[Response], item_id: str) -> list[tuple[str, str]]:
    return [(r.respondent, r.choices[item_id]) for r in responses if item_id in r.choices]


def _lowest(rubric: Rubric, choices: Sequence[str]) -> str:
    return _ordered(rubric, choices)[0]


def _median(rubric: Rubric, choices: Sequence[str]) -> str:
    ordered = _ordered(rubric, choices)
    return ordered[(len(ordered) - 1) // 2]


def proposal(
    rubric: Rubric,
    rule: Rule,
    responses: Sequence[Response],
    leads: Sequence[str] = (),
) -> dict[str, str]:
    """The rule's choice for every item someone answered (before any lead's resolution)."""
    items = [item.id for item in rubric.items if any(item.id in r.choices for r in responses)]
    result: dict[str, str] = {}
    for item_id in items:
        answers = _answers_for(responses, item_id)
        choices = [choice for _, choice in answers]
        if rule is Rule.LOWEST:
            result[item_id] = _lowest(rubric, choices)
        elif rule is Rule.MEDIAN:
            result[item_id] = _median(rubric, choices)
        elif len({rank(rubric, c) for c in choices}) == 1:
            result[item_id] = choices[-1]
        else:
            by_lead = [choice for who, choice in answers if who in leads]
            result[item_id] = by_lead[0] if by_lead else _lowest(rubric, choices)
    return result


def agree(
    rubric: Rubric,
    rule: Rule,
    responses: Sequence[Response],
    leads: Sequence[str] = (),
    resolution: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The agreed choice per item: the rule's proposal, with a lead's resolution over it."""
    agreed = proposal(rubric, rule, responses, leads)
    for item_id, choice in (resolution or {}).items():
        if item_id in agreed:
            agreed[item_id] = choice
    return agreed


def answers_mark(responses: Sequence[Response], item_id: str) -> str:
    """The item's answers as a settlement saw them: their levels, sorted, without names (a
    settlement applies only while they stay the same)."""
    return ",".join(sorted(choice for _, choice in _answers_for(responses, item_id)))


def disagreements(rubric: Rubric, responses: Sequence[Response]) -> list[Disagreement]:
    """Every item (in rubric order) where the respondents did not all give the same level."""
    scale = rubric.scale
    found: list[Disagreement] = []
    for item in rubric.items:
        answers = _answers_for(responses, item.id)
        distinct = {rank(rubric, choice): choice for _, choice in answers}
        if len(distinct) < 2:
            continue
        ranks = sorted(distinct)
        if isinstance(scale, LevelScale):
            full = ranks[0] <= 0 and ranks[-1] >= len(scale.levels) - 1
        else:
            full = ranks[0] <= scale.min and ranks[-1] >= scale.max
        by_choice = tuple(
            (
                distinct[value],
                tuple(who for who, choice in answers if rank(rubric, choice) == value),
            )
            for value in ranks
        )
        found.append(Disagreement(item_id=item.id, full=full, by_choice=by_choice))
    return found


def spread(rubric: Rubric, responses: Sequence[Response]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Per item answered (rubric order): how many chose each choice, lowest first."""
    result: dict[str, tuple[tuple[str, int], ...]] = {}
    for item in rubric.items:
        choices = [choice for _, choice in _answers_for(responses, item.id)]
        if not choices:
            continue
        counted: dict[str, int] = {}
        for choice in _ordered(rubric, choices):
            counted[choice] = counted.get(choice, 0) + 1
        result[item.id] = tuple(counted.items())
    return result
