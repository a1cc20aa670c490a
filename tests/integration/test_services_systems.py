"""A team's ML systems through the use cases, on SQLite and PostgreSQL: each system is found,
assessed, scored and staged on its own, and only admins add, rename or archive them."""

from __future__ import annotations

import threading

import pytest

from bot.db import repositories as repo
from bot.services import ChooseSystem, Conflict, Invalid, NotAllowed, NotFound, TeamRef
from rubric.model import Stage
from tests.support.world import (
    ADMIN,
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


def test_a_team_with_two_systems_gets_a_scorecard_and_gaps_for_each(world):
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(
        admin, world.directory, team.id, name="Fraud", stage=Stage.PRODUCTION
    )
    ranking = world.services.resolve_system(
        world.actor(LEAD), TeamRef(name="Vision", system="Vision")
    )

    world.submit_system(ranking, levels(FD1="automated", MD1="manual"), "k-ranking")
    world.clock.advance(minutes=5)
    world.submit_system(fraud, levels(), "k-fraud")

    ranking_card = world.services.scorecard(
        world.actor(LEAD), world.directory, team.id, ranking.system_id
    )
    fraud_card = world.services.scorecard(
        world.actor(LEAD), world.directory, team.id, fraud.system_id
    )
    assert ranking_card is not None
    assert fraud_card is not None
    assert ranking_card.team.stage is Stage.RESEARCH
    assert fraud_card.team.stage is Stage.PRODUCTION
    assert ranking_card.snapshot.answers["FD1"].choice == "automated"
    assert fraud_card.snapshot.answers["FD1"].choice == "not_done"
    assert fraud_card.team.label == "Vision/Fraud"
    # Production asks for more than research: the fraud model has more gaps.
    assert len(fraud_card.gaps.gaps) > len(ranking_card.gaps.gaps)
    lines = world.services.system_lines(world.actor(LEAD), world.directory, team.id)
    assert [line.system.system_name for line in lines] == ["Fraud", "Vision"]
    assert [line.system.stage for line in lines] == [Stage.PRODUCTION, Stage.RESEARCH]


def test_a_name_finds_the_team_its_system_or_asks_which(world):
    vision = world.team("Vision")
    search = world.team("Search", SEARCH_CHANNEL)
    admin = world.actor(ADMIN)
    lead = world.actor(LEAD, channel_id=VISION_CHANNEL)

    # One system: the team's name (or its channel) means it, as before systems.
    only = world.services.resolve_system(lead, None)
    assert (only.id, only.system_name) == (vision.id, "Vision")

    world.services.add_system(admin, world.directory, vision.id, name="Fraud")
    with pytest.raises(ChooseSystem) as asked:
        world.services.resolve_system(lead, None)
    assert sorted(c.system_name or "" for c in asked.value.choices) == ["Fraud", "Vision"]
    assert world.services.resolve_system(lead, None, team_ok=True).system_id is None

    fraud = world.services.resolve_system(lead, TeamRef(name="fraud"))
    assert (fraud.id, fraud.system_name) == (vision.id, "Fraud")
    # Two teams with a system of the same name: the bare name is ambiguous.
    world.services.add_system(admin, world.directory, search.id, name="Fraud")
    with pytest.raises(ChooseSystem) as ambiguous:
        world.services.resolve_system(lead, TeamRef(name="Fraud"))
    assert sorted(c.label for c in ambiguous.value.choices) == ["Search/Fraud", "Vision/Fraud"]
    assert (
        world.services.resolve_system(lead, TeamRef(name="search", system="FRAUD")).id == search.id
    )
    with pytest.raises(NotFound):
        world.services.resolve_system(lead, TeamRef(name="Vision", system="Nope"))


def test_only_admins_add_rename_or_archive_a_system(world):
    team = world.team("Vision")
    lead = world.actor(LEAD)
    with pytest.raises(NotAllowed):
        world.services.add_system(lead, world.directory, team.id, name="Fraud")
    fraud = world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="Fraud")
    assert fraud.system_id is not None
    with pytest.raises(NotAllowed):
        world.services.rename_system(lead, world.directory, fraud.system_id, "Risk")
    with pytest.raises(NotAllowed):
        world.services.archive_system(lead, world.directory, fraud.system_id)
    with pytest.raises(Conflict):
        world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="fraud")
    with pytest.raises(Invalid):
        world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="a/b")
    renamed = world.services.rename_system(
        world.actor(ADMIN), world.directory, fraud.system_id, "Risk"
    )
    assert renamed.system_name == "Risk"


def test_archiving_a_system_keeps_its_history_and_the_last_one_stays(world):
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(admin, world.directory, team.id, name="Fraud")
    world.submit_system(fraud, levels(FD1="manual"), "k1")

    archived = world.services.archive_system(admin, world.directory, fraud.system_id)

    assert archived.archived
    card = world.services.scorecard(world.actor(LEAD), world.directory, team.id, fraud.system_id)
    assert card is not None
    assert card.snapshot.answers["FD1"].choice == "manual"
    lines = world.services.system_lines(
        world.actor(LEAD), world.directory, team.id, include_archived=True
    )
    assert [(line.system.system_name, line.archived) for line in lines] == [
        ("Vision", False),
        ("Fraud", True),
    ]
    primary = world.services.resolve_system(world.actor(LEAD, channel_id=VISION_CHANNEL), None)
    assert primary.system_name == "Vision"
    with pytest.raises(Invalid):
        world.services.archive_system(admin, world.directory, primary.system_id)


def test_two_admins_archiving_a_teams_last_two_systems_at_once_leave_one_active(world):
    if world.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs concurrent writers")
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(admin, world.directory, team.id, name="Fraud")
    primary = world.services.resolve_system(
        world.actor(LEAD), TeamRef(name="Vision", system="Vision")
    )
    outcome: list[BaseException | None] = []
    # The other admin's archive of Fraud, caught between its change and its commit.
    with world.db.engine.connect() as other:
        other.exec_driver_sql(
            "SELECT id FROM teams WHERE id = %(team)s FOR UPDATE", {"team": team.id}
        )
        other.exec_driver_sql(
            "UPDATE systems SET archived_at = now() WHERE id = %(system)s",
            {"system": fraud.system_id},
        )

        def archive_primary() -> None:
            try:
                world.services.archive_system(admin, world.directory, primary.system_id)
                outcome.append(None)
            except BaseException as error:  # handed to the test thread
                outcome.append(error)

        racer = threading.Thread(target=archive_primary)
        racer.start()
        racer.join(timeout=2)
        other.commit()
    racer.join(timeout=10)

    assert len(outcome) == 1
    assert isinstance(outcome[0], Invalid), outcome
    lines = world.services.system_lines(world.actor(LEAD), world.directory, team.id)
    assert [line.system.system_name for line in lines] == ["Vision"]


def test_another_workspaces_system_id_is_not_found(world):
    team = world.team("Vision")
    fraud = world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="Fraud")
    stranger = world.actor(ADMIN, workspace_id=world.other_workspace)
    with pytest.raises(NotFound):
        world.services.get_system(world.other_workspace, fraud.system_id)
    with pytest.raises(NotFound):
        world.services.archive_system(stranger, world.directory, fraud.system_id)
    with pytest.raises(NotFound):
        world.services.scorecard(world.actor(ADMIN), world.directory, team.id, 10_000)


def test_a_system_stage_moves_alone(world):
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(admin, world.directory, team.id, name="Fraud")
    with pytest.raises(NotAllowed):
        world.services.set_stage(
            world.actor(OUTSIDER), world.directory, team.id, Stage.ROADMAP, fraud.system_id
        )
    moved = world.services.set_stage(
        admin, world.directory, team.id, Stage.PRODUCTION, fraud.system_id
    )
    assert moved.stage is Stage.PRODUCTION
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH
    with world.db.read() as session:
        history = repo.stage_history(
            session, workspace_id=world.workspace, team_id=team.id, system_id=fraud.system_id
        )
    assert [(h.previous_stage, h.stage) for h in history] == [
        (None, "research"),
        ("research", "production"),
    ]


PERIOD = "2025-W10"


def _open_checkins(world: World, team_id: int, *system_ids: int | None) -> None:
    """The period's check-in of each system (None: the team's primary one), open."""
    with world.db.write() as session:
        for system_id in system_ids:
            repo.upsert_checkin(
                session,
                workspace_id=world.workspace,
                team_id=team_id,
                period_key=PERIOD,
                now=world.clock.now,
                system_id=system_id,
            )


def _answer(world: World, team_id: int, system_id: int | None = None) -> None:
    with world.db.write() as session:
        repo.mark_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team_id,
            period_key=PERIOD,
            status="answered",
            now=world.clock.now,
            system_id=system_id,
        )


def _statuses(world: World) -> dict[tuple[int, str], str]:
    with world.db.read() as session:
        return repo.checkin_statuses(session, workspace_id=world.workspace, period_keys=[PERIOD])


def test_a_team_period_stays_open_while_one_of_its_systems_has_not_answered(world):
    team = world.team("Vision")
    fraud = world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="Fraud")
    _open_checkins(world, team.id, None, fraud.system_id)
    _answer(world, team.id, fraud.system_id)
    one_open = _statuses(world)
    _answer(world, team.id)
    all_answered = _statuses(world)
    assert one_open == {(team.id, PERIOD): "open"}
    assert all_answered == {(team.id, PERIOD): "answered"}


def test_an_archived_systems_open_check_in_keeps_no_period_open(world):
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(admin, world.directory, team.id, name="Fraud")
    _open_checkins(world, team.id, None, fraud.system_id)
    _answer(world, team.id)
    world.services.archive_system(admin, world.directory, fraud.system_id)

    assert _statuses(world) == {(team.id, PERIOD): "answered"}


def test_an_archived_systems_old_check_in_button_opens_nothing(world):
    team = world.team("Vision")
    admin = world.actor(ADMIN)
    fraud = world.services.add_system(admin, world.directory, team.id, name="Fraud")
    _open_checkins(world, team.id, fraud.system_id)
    opened = world.services.start_assessment(
        world.actor(LEAD),
        world.directory,
        team.id,
        period_key=PERIOD,
        system_id=fraud.system_id,
    )
    world.services.archive_system(admin, world.directory, fraud.system_id)

    assert opened.rubric is not None
    with pytest.raises(NotFound):
        world.services.start_assessment(
            world.actor(LEAD),
            world.directory,
            team.id,
            period_key=PERIOD,
            system_id=fraud.system_id,
        )
