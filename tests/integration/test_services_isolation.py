"""A team of one workspace is invisible from another, whatever id a request carries."""

from __future__ import annotations

import pytest

from bot.services import DraftState, NotFound, TeamRef
from rubric.model import Stage
from tests.support.world import ADMIN, LEAD, VISION_CHANNEL, World, answered_state, levels


@pytest.fixture
def world(db) -> World:
    return World(db)


@pytest.fixture
def team(world):
    """Vision in workspace A, assessed once; B's admin and B's "lead" are in the same Slack
    channel id (ids are only unique within a workspace)."""
    vision = world.team("Vision")
    world.submit(vision, levels(FD1="automated"))
    return vision


def from_b(world: World, user_id: str, **kwargs):
    return world.actor(user_id, workspace_id=world.other_workspace, **kwargs)


def test_a_foreign_team_cannot_be_resolved_by_name_or_channel(world, team):
    with pytest.raises(NotFound):
        world.services.resolve_team(from_b(world, LEAD), TeamRef(name="Vision"))
    with pytest.raises(NotFound):
        world.services.resolve_team(from_b(world, LEAD, channel_id=VISION_CHANNEL), None)
    with pytest.raises(NotFound):
        world.services.get_team(world.other_workspace, team.id)


def test_a_foreign_team_cannot_be_assessed_or_drafted(world, team):
    admin_b = from_b(world, ADMIN)
    with pytest.raises(NotFound) as error:
        world.services.start_assessment(admin_b, world.directory, team.id)
    assert error.value.key == "error.team_not_found"
    with pytest.raises(NotFound):
        world.services.submit(
            admin_b, world.directory, team.id, answered_state(levels()), submission_key="k"
        )
    with pytest.raises(NotFound):
        world.services.save_draft(admin_b, team.id, DraftState(stage=Stage.RESEARCH))
    assert world.services.scorecard(world.actor(ADMIN), world.directory, team.id).score.final == 0.0


def test_a_foreign_team_cannot_be_scored_listed_or_changed(world, team):
    b = world.other_workspace
    with pytest.raises(NotFound):
        world.services.scorecard(world.actor(ADMIN, workspace_id=b), world.directory, team.id)
    with pytest.raises(NotFound):
        world.services.trend(world.actor(ADMIN, workspace_id=b), world.directory, team.id)
    assert world.services.list_teams(world.actor(ADMIN, workspace_id=b), world.directory) == []
    with pytest.raises(NotFound):
        world.services.set_stage(from_b(world, ADMIN), world.directory, team.id, Stage.ROADMAP)
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH


def test_a_foreign_team_cannot_be_erased_or_exported(world, team):
    admin_b = from_b(world, ADMIN)
    with pytest.raises(NotFound):
        world.services.erase_team(admin_b, world.directory, team.id)
    with pytest.raises(NotFound):
        world.services.export(admin_b, world.directory, team.id, "json")
    assert world.services.scorecard(world.actor(ADMIN), world.directory, team.id) is not None


def test_the_same_name_and_channel_can_exist_in_two_workspaces(world, team):
    other = world.services.create_team(
        from_b(world, ADMIN), world.directory, name="Vision", channel_id=VISION_CHANNEL
    )
    assert other.workspace_id == world.other_workspace
    assert other.id != team.id
    assert (
        world.services.scorecard(
            world.actor(ADMIN, workspace_id=world.other_workspace), world.directory, other.id
        )
        is None
    )
