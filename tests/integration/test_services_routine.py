""" "Nothing changed" through the use cases, on SQLite and PostgreSQL: one call stores the last
agreed answers as the person's response for the period while every claim is fresh; a stale
claim, a period the person answered or that was skipped, an archived system or a person outside
the team store nothing. Another person may still confirm a period someone else answered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import repositories as repo
from bot.services import Conflict, NotAllowed, NotFound, TeamInfo
from tests.support.world import (
    ADMIN,
    CONFIG_ADMIN,
    LEAD,
    OUTSIDER,
    VISION_CHANNEL,
    World,
    levels,
)

PERIOD = "2025-W10"
LAST_WEEK = "2025-W09"


@pytest.fixture
def world(db) -> World:
    return World(db)


def _open_checkin(
    world: World, team_id: int, system_id: int | None = None, *, posted: bool = False
) -> None:
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team_id,
            period_key=PERIOD,
            now=world.clock.now,
            channel_id=VISION_CHANNEL if posted else None,
            message_ts="1700000000.000100" if posted else None,
            system_id=system_id,
        )


def _assess_last_week(world: World, team: TeamInfo, chosen: dict[str, str], **kwargs) -> None:
    """The last agreed answers, from the period before PERIOD: nobody has answered PERIOD."""
    world.clock.advance(days=-7)
    world.submit(team, chosen, **kwargs)
    world.clock.advance(days=7)


def _status(world: World, team_id: int, system_id: int | None = None) -> str:
    with world.db.read() as session:
        found = repo.get_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team_id,
            period_key=PERIOD,
            system_id=system_id,
        )
    assert found is not None
    return found.status


def _unchanged(world: World, team_id: int, user: str = LEAD, system_id: int | None = None):
    return world.services.confirm_unchanged(
        world.actor(user), world.directory, team_id, period_key=PERIOD, system_id=system_id
    )


def test_nothing_changed_repeats_the_last_answers_once_and_confirms_them_now(world):
    team = world.team()
    _assess_last_week(world, team, levels(FD1="manual", MD1="automated"), notes={"FD1": "by hand"})
    _open_checkin(world, team.id)
    world.clock.advance(days=30)

    first = _unchanged(world, team.id)
    assert first.stored is not None
    assert first.stored.created
    assert _status(world, team.id) == "answered"
    card = world.services.scorecard(world.actor(LEAD), world.directory, team.id)
    assert card is not None
    assert card.snapshot.answers["FD1"].choice == "manual"
    assert card.snapshot.answers["FD1"].note == "by hand"
    assert card.claims["MD1"].confirmed_at == world.clock.now
    assert card.claims["MD1"].confirmed_by == LEAD
    # A second click is told they answered.
    with pytest.raises(Conflict, match=r"error\.you_answered"):
        _unchanged(world, team.id)


def test_a_stale_claim_stores_nothing_and_names_the_item(world):
    team = world.team()
    _assess_last_week(world, team, levels(FD1="manual", MD1="automated"))
    _open_checkin(world, team.id)
    world.clock.advance(days=100)  # past automated's 90 days, within manual's 180

    result = _unchanged(world, team.id)

    assert result.stored is None
    assert result.check.review == ("MD1",)
    assert "MD1" in result.check.likely
    assert _status(world, team.id) == "open"


def test_without_an_earlier_assessment_nothing_is_stored(world):
    team = world.team()
    _open_checkin(world, team.id)
    result = _unchanged(world, team.id)
    assert result.stored is None
    assert not result.check.has_previous


def test_skipped_archived_foreign_and_outsiders_are_refused(world):
    team = world.team()
    world.submit(team, levels(FD1="manual"))
    _open_checkin(world, team.id)
    with pytest.raises(NotAllowed):
        _unchanged(world, team.id, user=OUTSIDER)
    with pytest.raises(NotFound):
        world.services.confirm_unchanged(
            world.actor(LEAD), world.directory, team.id, period_key="2001-W01"
        )
    with world.db.write() as session:
        repo.mark_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key=PERIOD,
            status="skipped",
            now=world.clock.now,
        )
    with pytest.raises(Conflict):
        _unchanged(world, team.id)

    fraud = world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="Fraud")
    _open_checkin(world, team.id, fraud.system_id)
    world.services.archive_system(world.actor(ADMIN), world.directory, fraud.system_id)
    with pytest.raises(NotFound):
        _unchanged(world, team.id, system_id=fraud.system_id)


def test_each_person_confirms_once_and_is_counted_beside_who_answered_with_the_form(world):
    team = world.team()
    _assess_last_week(world, team, levels(FD1="manual", MD1="automated"))
    _open_checkin(world, team.id, posted=True)
    # ADMIN answers the period with the form, then LEAD clicks "Nothing changed".
    world.submit(team, levels(FD1="automated", MD1="automated"), user_id=ADMIN, period_key=PERIOD)
    assert _status(world, team.id) == "answered"
    world.clock.advance(hours=2)

    confirmed = _unchanged(world, team.id, user=LEAD)

    assert confirmed.stored is not None
    assert confirmed.stored.created
    view = world.services.responses_of(world.actor(LEAD), world.directory, team.id)
    assert view is not None
    assert view.period_key == PERIOD
    assert view.respondents == (ADMIN, LEAD)
    # LEAD's answers are the ones agreed before the click (ADMIN's), confirmed now by LEAD.
    card = world.services.scorecard(world.actor(LEAD), world.directory, team.id)
    assert card is not None
    assert card.snapshot.answers["FD1"].choice == "automated"
    assert card.claims["FD1"].confirmed_by == LEAD
    progress = world.services.checkin_progress(world.workspace, team.id, None, PERIOD)
    assert progress is not None
    assert progress.respondents == (ADMIN, LEAD)
    assert progress.confirmed == (LEAD,)
    assert not progress.anonymous

    # Each is told they answered: LEAD clicking again, ADMIN after the form.
    with pytest.raises(Conflict, match=r"error\.you_answered"):
        _unchanged(world, team.id, user=LEAD)
    with pytest.raises(Conflict, match=r"error\.you_answered"):
        _unchanged(world, team.id, user=ADMIN)
    again = world.services.responses_of(world.actor(LEAD), world.directory, team.id)
    assert again is not None
    assert again.count == 2


def test_an_older_answered_period_takes_no_more_confirmations(world):
    """Its agreed result would be stored as the newest assessment, over the current one."""
    team = world.team()
    _assess_last_week(world, team, levels(FD1="manual"))
    _open_checkin(world, team.id)
    world.submit(team, levels(FD1="automated"), user_id=ADMIN, period_key=PERIOD)
    world.clock.advance(days=7)  # the next week, answered by ADMIN too
    world.submit(team, levels(FD1="not_done"), user_id=ADMIN)

    with pytest.raises(Conflict, match=r"error\.checkin_superseded"):
        _unchanged(world, team.id, user=LEAD)
    card = world.services.scorecard(world.actor(LEAD), world.directory, team.id)
    assert card is not None
    assert card.snapshot.answers["FD1"].choice == "not_done"


def test_a_late_answer_to_last_weeks_check_in_does_not_close_this_weeks(world):
    """Periods are ordered by their dates, not by when their answers came: someone amending
    last week's check-in after this week's was answered leaves this week's open to the
    others, and last week's closed to "nothing changed"."""
    team = world.team()
    _assess_last_week(world, team, levels(FD1="manual"))
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key=LAST_WEEK,
            now=world.clock.now - timedelta(days=7),
        )
    _open_checkin(world, team.id)
    world.submit(team, levels(FD1="automated"), user_id=ADMIN, period_key=PERIOD)
    world.clock.advance(hours=1)
    world.submit(team, levels(FD1="not_done"), user_id=CONFIG_ADMIN, period_key=LAST_WEEK)

    with pytest.raises(Conflict, match=r"error\.checkin_superseded"):
        world.services.confirm_unchanged(
            world.actor(ADMIN), world.directory, team.id, period_key=LAST_WEEK
        )
    done = _unchanged(world, team.id, user=LEAD)
    assert done.stored is not None


def test_an_anonymous_team_shows_who_only_confirmed_from_three_answers_on(world):
    """Below three answers an anonymous team's check-in shows the count alone: "someone
    confirmed" beside "2 of 3 answered" would say the other one changed something."""
    team = world.team()
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, True)
    _assess_last_week(world, team, levels(FD1="manual"))
    _open_checkin(world, team.id, posted=True)
    world.submit(team, levels(FD1="automated"), user_id=ADMIN, period_key=PERIOD)
    world.clock.advance(hours=1)
    _unchanged(world, team.id, user=LEAD)

    progress = world.services.checkin_progress(world.workspace, team.id, None, PERIOD)
    assert progress is not None
    assert progress.anonymous
    assert len(progress.respondents) == 2
    assert progress.confirmed == ()

    world.clock.advance(hours=1)
    _unchanged(world, team.id, user=CONFIG_ADMIN)
    progress = world.services.checkin_progress(world.workspace, team.id, None, PERIOD)
    assert progress is not None
    assert len(progress.confirmed) == 2
