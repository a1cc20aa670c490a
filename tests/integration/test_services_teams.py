"""Teams through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import event

from bot.db import repositories as repo
from bot.limits import TEAM_NAME_MAX_CHARS
from bot.services import Conflict, Invalid, NotAllowed, NotFound, TeamRef
from rubric.model import Stage
from rubric.periods import Cadence, Schedule
from tests.support.world import (
    ADMIN,
    CONFIG_ADMIN,
    LEAD,
    OUTSIDER,
    SEARCH_CHANNEL,
    VISION_CHANNEL,
    World,
    levels,
)


@pytest.fixture
def world(db) -> World:
    return World(db)


def test_workspace_for_returns_the_same_id_for_the_same_slack_team(world):
    assert world.services.workspace_for("TALPHA") == world.workspace
    assert world.services.workspace_for("TNEW") not in {world.workspace, world.other_workspace}


def test_an_admin_creates_a_team_with_the_configured_defaults(world):
    team = world.team("Vision")

    assert team.name == "Vision"
    assert team.channel_id == VISION_CHANNEL
    assert team.stage is Stage.RESEARCH
    assert team.rubric_id == "ml-test-score"
    assert team.language == "es"
    assert team.schedule == Schedule(
        cadence=Cadence.WEEKLY, weekday=0, at=time(10, 0), tz="Europe/Madrid"
    )
    with world.db.read() as session:
        entries = repo.list_audit(session, workspace_id=world.workspace, action="team.created")
        history = repo.stage_history(session, workspace_id=world.workspace, team_id=team.id)
    assert [(e.actor, e.target) for e in entries] == [(ADMIN, f"team:{team.id}")]
    assert [h.stage for h in history] == ["research"]


def test_a_user_in_the_configured_admin_list_may_create_a_team(world):
    team = world.services.create_team(
        world.actor(CONFIG_ADMIN), world.directory, name="Search", channel_id=SEARCH_CHANNEL
    )
    assert team.name == "Search"


def test_a_non_admin_cannot_create_a_team_and_nothing_is_stored(world):
    with pytest.raises(NotAllowed) as error:
        world.services.create_team(
            world.actor(LEAD), world.directory, name="Vision", channel_id=VISION_CHANNEL
        )
    assert error.value.key == "refused.create_team"
    assert world.services.list_teams(world.actor(ADMIN), world.directory) == []


def test_a_taken_name_is_a_conflict_whatever_its_case(world):
    world.team("Vision")
    with pytest.raises(Conflict) as error:
        world.team("VISION", channel_id=SEARCH_CHANNEL)
    assert error.value.key == "error.team_exists"
    assert error.value.params == {"name": "VISION", "team": "VISION"}


def test_a_channel_already_bound_to_a_team_is_a_conflict(world):
    world.team("Vision")
    with pytest.raises(Conflict) as error:
        world.team("Other", channel_id=VISION_CHANNEL)
    assert error.value.key == "error.channel_taken"
    assert error.value.params == {"channel": VISION_CHANNEL, "team": "Vision"}
    assert [
        s.team.name for s in world.services.list_teams(world.actor(ADMIN), world.directory)
    ] == ["Vision"]


def test_team_names_are_trimmed_and_limited_in_length(world):
    with pytest.raises(Invalid) as error:
        world.team("x" * (TEAM_NAME_MAX_CHARS + 1))
    assert error.value.key == "error.team_name_too_long"
    with pytest.raises(Invalid) as empty:
        world.team("   ")
    assert empty.value.key == "error.team_name_empty"
    assert world.team("  Computer   vision ").name == "Computer vision"


def test_a_team_is_resolved_by_name_by_channel_mention_and_by_the_current_channel(world):
    vision = world.team("Vision")
    search = world.team("Search", channel_id=SEARCH_CHANNEL)
    in_vision = world.actor(LEAD, channel_id=VISION_CHANNEL)

    assert world.services.resolve_team(in_vision, TeamRef(name="search")).id == search.id
    assert world.services.resolve_team(in_vision, TeamRef(channel_id=SEARCH_CHANNEL)).id == (
        search.id
    )
    assert world.services.resolve_team(in_vision, None).id == vision.id


def test_an_unknown_team_name_and_a_channel_without_team_are_not_found(world):
    world.team("Vision")
    with pytest.raises(NotFound) as unknown:
        world.services.resolve_team(world.actor(LEAD), TeamRef(name="Nope"))
    assert unknown.value.key == "error.unknown_team"
    assert unknown.value.params == {"name": "Nope", "team": "Nope"}

    with pytest.raises(NotFound) as empty_channel:
        world.services.resolve_team(world.actor(LEAD, channel_id="CRANDOM"), None)
    assert empty_channel.value.key == "error.no_team_in_channel"
    assert empty_channel.value.params == {"channel": "CRANDOM"}

    with pytest.raises(NotFound) as no_channel:
        world.services.resolve_team(world.actor(LEAD), None)
    assert no_channel.value.key == "error.no_team_in_channel"


def test_only_admins_change_the_stage_and_each_change_joins_the_history(world):
    team = world.team()
    with pytest.raises(NotAllowed):
        world.services.set_stage(world.actor(LEAD), world.directory, team.id, Stage.ROADMAP)

    world.clock.advance(days=1)
    moved = world.services.set_stage(world.actor(ADMIN), world.directory, team.id, Stage.PRODUCTION)

    assert moved.stage is Stage.PRODUCTION
    with world.db.read() as session:
        history = repo.stage_history(session, workspace_id=world.workspace, team_id=team.id)
        audit = repo.list_audit(session, workspace_id=world.workspace, action="team.stage_changed")
    assert [(h.previous_stage, h.stage, h.changed_by) for h in history] == [
        (None, "research", ADMIN),
        ("research", "production", ADMIN),
    ]
    assert audit[0].detail == {"before": "research", "after": "production"}


def test_members_and_admins_set_the_language_others_cannot(world):
    team = world.team()
    assert (
        world.services.set_language(world.actor(LEAD), world.directory, team.id, "en").language
        == "en"
    )
    assert (
        world.services.set_language(world.actor(ADMIN), world.directory, team.id, "es").language
        == "es"
    )
    with pytest.raises(NotAllowed) as error:
        world.services.set_language(world.actor(OUTSIDER), world.directory, team.id, "en")
    assert error.value.key == "refused.language"
    with pytest.raises(Invalid) as unknown:
        world.services.set_language(world.actor(LEAD), world.directory, team.id, "fr")
    assert unknown.value.params == {"language": "fr"}
    assert world.services.get_team(world.workspace, team.id).language == "es"


def test_a_schedule_can_be_changed_and_turned_off(world):
    team = world.team()
    monthly = Schedule(cadence=Cadence.MONTHLY, weekday=2, at=time(9, 30), tz="America/Sao_Paulo")

    changed = world.services.set_schedule(world.actor(LEAD), world.directory, team.id, monthly)
    assert changed.schedule == Schedule(
        cadence=Cadence.MONTHLY, weekday=2, at=time(9, 30), tz="America/Sao_Paulo"
    )

    off = world.services.set_schedule(world.actor(LEAD), world.directory, team.id, None)
    assert off.schedule is None
    with pytest.raises(NotAllowed):
        world.services.set_schedule(world.actor(OUTSIDER), world.directory, team.id, None)


def test_list_teams_summarises_each_team_in_a_fixed_number_of_queries(world):
    vision = world.team("Vision")
    world.team("Search", channel_id=SEARCH_CHANNEL)
    world.submit(
        vision, levels(FD5="manual", MD1="automated", MD5="automated", I1="manual", Mo1="manual")
    )
    world.clock.advance(days=7)
    world.submit(vision, levels(FD5="automated", MD1="automated", I1="manual", Mo1="manual"))
    for n in range(5):
        world.team(f"Extra {n}", channel_id=f"CEXTRA{n}")

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", count)
    try:
        summaries = world.services.list_teams(world.actor(ADMIN), world.directory)
    finally:
        event.remove(world.db.engine, "before_cursor_execute", count)

    by_name = {s.team.name: s for s in summaries}
    assert [s.team.name for s in summaries] == sorted(by_name, key=str.casefold)
    # latest: FD 1.0, MD 1.0, I 0.5, Mo 0.5 -> final 0.5; research mandatory FD5, MD1, MD5 ->
    # MD5 is the one open gap, 2 of 3 met
    assert by_name["Vision"].final_score == 0.5
    assert by_name["Vision"].open_gaps == 1
    assert by_name["Vision"].readiness == pytest.approx(2 / 3)
    assert by_name["Vision"].last_assessed_at == world.clock.now
    assert by_name["Search"].final_score is None
    assert by_name["Search"].open_gaps is None
    # teams, latest assessments and answers, criteria, systems, the waivers in force, the
    # evidence policy and the CI pushes since the assessments
    assert len(statements) <= 9


def test_teams_for_user_lists_the_teams_of_their_channels_and_all_for_admins(world):
    world.team("Vision")
    world.team("Search", channel_id=SEARCH_CHANNEL)

    mine = world.services.teams_for_user(world.actor(LEAD), world.directory)
    everything = world.services.teams_for_user(world.actor(ADMIN), world.directory)
    nothing = world.services.teams_for_user(world.actor(OUTSIDER), world.directory)

    assert [s.team.name for s in mine] == ["Vision"]
    assert [s.team.name for s in everything] == ["Search", "Vision"]
    assert nothing == []
