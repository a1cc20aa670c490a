"""The rubric registry, and a team on a rubric other than the ML Test Score."""

from __future__ import annotations

import json

import pytest

from bot.rubric_registry import RubricRegistry, UnknownRubric
from bot.services import Invalid, NotFound
from rubric.model import Requirement, Stage
from tests.support.world import ADMIN, World, answered_state


@pytest.fixture
def world(db) -> World:
    return World(db)


def test_the_registry_holds_the_builtins_and_the_configured_file(tmp_path):
    builtin = RubricRegistry().default()
    custom = builtin.model_dump(mode="json", exclude={"criteria"})
    custom["id"] = "our-rubric"
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(custom), encoding="utf-8")

    registry = RubricRegistry(path)

    assert registry.get("our-rubric").sections == builtin.sections
    # New teams get the organisation's own rubric; the built-ins stay for existing teams.
    assert registry.default().id == "our-rubric"
    assert {"ml-test-score", "seed-aspects", "our-rubric"} <= set(registry.ids())
    with pytest.raises(UnknownRubric):
        registry.get("nope")


def test_default_criteria_are_version_0_and_optional_without_a_matrix():
    registry = RubricRegistry()
    paper = registry.default()
    own = registry.default_criteria(paper)
    assert own.version == 0
    assert paper.criteria is not None
    assert own.items == paper.criteria.items

    aspects = registry.get("seed-aspects")
    assert aspects.criteria is None
    fallback = registry.default_criteria(aspects)
    assert fallback.version == 0
    assert {fallback.requirement(item.id, stage) for item in aspects.items for stage in Stage} == {
        Requirement.OPTIONAL
    }


def test_a_team_on_a_one_to_ten_scale_is_validated_and_scored_on_that_scale(world):
    team = world.services.create_team(
        world.actor(ADMIN),
        world.directory,
        name="Aspects",
        channel_id="CASP",
        rubric_id="seed-aspects",
    )
    chosen = {
        "testing": "7,5",
        "code": "4",
        "infra": "10",
        "data": "6",
        "metrics": "2",
        "bias": "1",
    }

    with pytest.raises(Invalid) as error:
        world.services.submit(
            world.actor(ADMIN),
            world.directory,
            team.id,
            answered_state({**chosen, "bias": "11"}),
            submission_key="bad",
        )
    assert error.value.params == {"item": "bias", "choice": "11"}

    card = world.services.submit(
        world.actor(ADMIN), world.directory, team.id, answered_state(chosen), submission_key="ok"
    ).scorecard
    # eng: 7.5 + 4 + 10 = 21.5; ml: 6 + 2 + 1 = 9 (monitoring is disabled) -> final 9
    assert {s.section_id: s.score for s in card.score.sections} == {"eng": 21.5, "ml": 9.0}
    assert card.score.final == 9.0
    assert card.gaps.gaps == ()


def test_an_unknown_rubric_cannot_be_given_to_a_team(world):
    with pytest.raises(NotFound) as error:
        world.services.create_team(
            world.actor(ADMIN), world.directory, name="X", channel_id="CX", rubric_id="nope"
        )
    assert error.value.key == "error.unknown_rubric"
    assert error.value.params == {"rubric": "nope"}
