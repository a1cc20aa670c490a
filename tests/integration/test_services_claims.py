"""CI pushes and the forms people submit, through the use cases, on SQLite and PostgreSQL: the
form opens with what CI supplied (a link, a raised level) so that submitting it unchanged keeps
it, and a failing CI result outlives check-ins that do not touch the item."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.db import repositories as repo
from bot.services import DraftState, TeamInfo
from bot.services._claims import FAILURE_LOOKBACK
from bot.services.evidence import hash_token
from tests.fakes.directory import FakeDirectory
from tests.support.world import ADMIN, LEAD, VISION_CHANNEL, World, levels

BEN, CAI = "UBEN", "UCAI"
CI_RUN = "https://ci.example.com/runs/1"


@pytest.fixture
def world(db) -> World:
    return World(
        db,
        directory=FakeDirectory(admins={ADMIN}, members={VISION_CHANNEL: {LEAD, BEN, CAI}}),
    )


class Pipeline:
    """A system's CI, pushing with its token."""

    def __init__(self, world: World, team: TeamInfo, *, upgrades: bool = False) -> None:
        with world.db.read() as session:
            system = repo.primary_system(session, workspace_id=world.workspace, team_id=team.id)
        assert system.id is not None
        self.world, self.system_id, self.runs = world, system.id, 0
        issued = world.services.issue_token(
            world.actor(ADMIN), world.directory, self.system_id, rotate=False
        )
        self.token_hash = hash_token(issued.token)
        if upgrades:
            world.services.set_pushed_upgrades(
                world.actor(ADMIN), world.directory, self.system_id, allowed=True
            )

    def push(self, item: str, level: str, result: str = "pass", url: str = CI_RUN) -> None:
        self.runs += 1
        body = {
            "item": item,
            "level": level,
            "url": url,
            "result": result,
            "idempotency_key": f"run-{self.runs}",
        }
        outcome = self.world.services.push_evidence(self.token_hash, str(self.system_id), body)
        assert outcome.status == 201, outcome.body
        self.world.clock.advance(hours=1)


def opened(world: World, team: TeamInfo, user: str = LEAD) -> DraftState:
    """The form as it opens (no draft): what the paged modal and the "Update" page show."""
    start = world.services.start_assessment(world.actor(user), world.directory, team.id)
    assert not start.resumed_draft
    return start.state


def send(world: World, team: TeamInfo, state: DraftState, user: str = LEAD) -> None:
    world.services.submit(
        world.actor(user),
        world.directory,
        team.id,
        state,
        submission_key=f"{user}-{world.clock.now.isoformat()}",
    )
    world.clock.advance(hours=1)


def changed(state: DraftState, item: str, choice: str) -> DraftState:
    answers = dict(state.answers)
    answers[item] = replace(answers[item], choice=choice)
    return replace(state, answers=answers)


def card(world: World, team: TeamInfo):
    found = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)
    assert found is not None
    return found


# ---- the form opens with the claims ------------------------------------------------------------


def test_the_form_opens_with_the_level_and_link_ci_pushed_and_submitting_it_keeps_them(world):
    team = world.team()
    world.submit(team, levels(FD1="manual", FD2="manual"))
    world.clock.advance(hours=1)
    ci = Pipeline(world, team, upgrades=True)
    ci.push("FD1", "automated")  # raises FD1
    ci.push("FD2", "manual", url="https://ci.example.com/runs/2")  # links FD2

    state = opened(world, team)
    assert state.answers["FD1"].choice == "automated"
    assert state.answers["FD1"].evidence_url == CI_RUN
    assert state.answers["FD1"].evidence_label == "CI"
    assert state.answers["FD2"].choice == "manual"
    assert state.answers["FD2"].evidence_url == "https://ci.example.com/runs/2"

    send(world, team, state)

    after = card(world, team)
    assert after.snapshot.answers["FD1"].choice == "automated"
    assert after.claims["FD1"].choice == "automated"
    assert after.claims["FD1"].evidence_url == CI_RUN
    assert after.claims["FD1"].evidence_label == "CI"
    assert after.claims["FD1"].confirmed_by == LEAD
    assert after.claims["FD2"].evidence_url == "https://ci.example.com/runs/2"


def test_with_several_respondents_the_agreed_answer_keeps_the_link_ci_pushed(world):
    team = world.team()
    world.submit(team, levels(FD1="manual"), user_id=BEN)
    world.clock.advance(hours=1)
    Pipeline(world, team).push("FD1", "manual")

    state = opened(world, team, CAI)
    assert state.answers["FD1"].evidence_url == CI_RUN
    send(world, team, state, CAI)

    after = card(world, team)
    assert after.responses is not None
    assert after.responses.count == 2
    assert after.snapshot.answers["FD1"].evidence_url == CI_RUN
    assert after.claims["FD1"].evidence_url == CI_RUN


# ---- a failing CI result stays until a pass or a change ----------------------------------------


def test_a_ci_failure_outlives_check_ins_that_leave_the_item_alone_until_ci_passes(world):
    team = world.team()
    world.submit(team, levels(FD1="automated", FD2="manual"))
    world.clock.advance(hours=1)
    ci = Pipeline(world, team)
    ci.push("FD1", "automated", result="fail")
    assert card(world, team).claims["FD1"].failing

    send(world, team, changed(opened(world, team), "FD2", "automated"))
    after = card(world, team)
    assert after.claims["FD2"].choice == "automated"
    assert after.claims["FD1"].failing
    send(world, team, opened(world, team))  # a second check-in, unchanged
    assert card(world, team).claims["FD1"].failing
    assert not card(world, team).claims["FD2"].failing

    ci.push("FD1", "automated")
    assert not card(world, team).claims["FD1"].failing


def test_changing_the_failing_item_clears_its_mark(world):
    team = world.team()
    world.submit(team, levels(FD1="automated"))
    world.clock.advance(hours=1)
    Pipeline(world, team).push("FD1", "automated", result="fail")
    send(world, team, changed(opened(world, team), "FD2", "manual"))
    assert card(world, team).claims["FD1"].failing

    send(world, team, changed(opened(world, team), "FD1", "manual"))
    after = card(world, team)
    assert after.claims["FD1"].choice == "manual"
    assert not after.claims["FD1"].failing


def test_with_several_respondents_another_persons_answer_keeps_the_failure(world):
    team = world.team()
    world.submit(team, levels(FD1="automated", FD2="manual"), user_id=BEN)
    world.clock.advance(hours=1)
    Pipeline(world, team).push("FD1", "automated", result="fail")

    send(world, team, changed(opened(world, team, CAI), "FD2", "automated"), CAI)
    after = card(world, team)
    assert after.responses is not None
    assert after.responses.count == 2
    assert after.claims["FD1"].failing


def test_a_failure_ci_never_reports_again_is_carried_only_so_far(world):
    """Each read replays the check-ins since the failure: bounded, so a pipeline removed
    after a failure does not make every scorecard read longer each week."""
    team = world.team()
    world.submit(team, levels(FD1="automated"))
    world.clock.advance(hours=1)
    Pipeline(world, team).push("FD1", "automated", result="fail")
    for _ in range(FAILURE_LOOKBACK):
        send(world, team, opened(world, team))
    assert card(world, team).claims["FD1"].failing
    send(world, team, opened(world, team))
    assert not card(world, team).claims["FD1"].failing
