"""The stage-move use cases on SQLite and PostgreSQL: who may plan and approve (a team's leads
and admins), what a plan and a waiver accept, and a waiver's effect on gaps over time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services import Conflict, Invalid, NotAllowed, NotFound
from bot.services.plans import StageGated
from rubric.model import Stage
from tests.support.world import ADMIN, CONFIG_ADMIN, LEAD, OUTSIDER, VISION_CHANNEL, World, levels

MEMBER = LEAD  # a member of the team's channel, not one of its leads until made one


@pytest.fixture
def world(db) -> World:
    return World(db)


def test_a_member_may_not_plan_until_made_a_lead(world: World) -> None:
    team = world.team()
    target = world.clock.now.date() + timedelta(days=30)

    def plan():
        return world.services.create_plan(
            world.actor(MEMBER),
            world.directory,
            team.id,
            None,
            target_stage=Stage.PRODUCTION,
            target_date=target,
            owners={"FD1": MEMBER},
        )

    with pytest.raises(NotAllowed) as refused:
        plan()
    assert refused.value.key == "refused.plan"
    world.services.set_leads(world.actor(ADMIN), world.directory, team.id, [MEMBER])
    made = plan()
    assert [(item.item_id, item.owner, item.met) for item in made.items] == [("FD1", MEMBER, False)]


def test_a_plan_needs_a_date_ahead_and_an_owner_for_each_test(world: World) -> None:
    team = world.team()
    today = world.clock.now.date()
    for target, owners, key in (
        (today, {"FD1": MEMBER}, "error.plan_date_past"),
        (today + timedelta(days=9), {"FD1": ""}, "error.plan_owner_missing"),
    ):
        with pytest.raises(Invalid) as refused:
            world.services.create_plan(
                world.actor(ADMIN),
                world.directory,
                team.id,
                None,
                target_stage=Stage.ROADMAP,
                target_date=target,
                owners=owners,
            )
        assert refused.value.key == key


def test_a_waiver_holds_once_approved_until_its_day_and_is_decided_once(world: World) -> None:
    team = world.team()
    world.submit(team, levels(MD1="manual", MD5="manual"))  # FD5, mandatory at research, not done
    expiry = world.clock.now.date() + timedelta(days=10)
    asked = world.services.request_waiver(
        world.actor(MEMBER),
        world.directory,
        team.id,
        None,
        item_id="fd5",
        expires_on=expiry,
        reason="no personal data",
    )
    assert asked.item_id == "FD5"
    assert asked.status == "pending"

    def gaps() -> list[str]:
        card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)
        assert card is not None
        return [gap.item_id for gap in card.gaps.gaps]

    assert gaps() == ["FD5"]  # pending waives nothing
    with pytest.raises(NotAllowed):
        world.services.decide_waiver(world.actor(MEMBER), world.directory, asked.id, approve=True)
    world.services.decide_waiver(world.actor(ADMIN), world.directory, asked.id, approve=True)
    with pytest.raises(Conflict):
        world.services.decide_waiver(world.actor(ADMIN), world.directory, asked.id, approve=False)
    assert gaps() == []
    world.clock.advance(days=10)  # the expiry day: still holds
    assert gaps() == []
    world.clock.advance(days=1)
    assert gaps() == ["FD5"]


def test_the_stage_gate_counts_a_waived_test_as_met(world: World) -> None:
    team = world.team()
    world.submit(team, levels(MD1="manual", MD5="manual"))

    def gated() -> list[str]:
        with pytest.raises(StageGated) as stopped:
            world.services.set_stage(
                world.actor(ADMIN), world.directory, team.id, Stage.ROADMAP, gate=True
            )
        return [gap.item_id for gap in stopped.value.report.gaps]

    assert "FD5" in gated()
    asked = world.services.request_waiver(
        world.actor(MEMBER),
        world.directory,
        team.id,
        None,
        item_id="FD5",
        expires_on=world.clock.now.date(),
        reason="no personal data",
    )
    world.services.decide_waiver(world.actor(ADMIN), world.directory, asked.id, approve=True)
    assert "FD5" not in gated()
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH


def test_the_assessment_form_moves_the_stage_only_through_the_gate(world: World) -> None:
    """Finding 1: picking a later stage in the form is refused while mandatory tests are
    unmet there; nothing is stored and the stage stays."""
    team = world.team()
    with pytest.raises(StageGated) as stopped:
        world.submit(team, levels(MD1="manual"), stage=Stage.PRODUCTION, user_id=ADMIN)
    assert "FD5" in [gap.item_id for gap in stopped.value.report.gaps]
    assert stopped.value.report.stage is Stage.PRODUCTION
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH
    assert world.services.scorecard(world.actor(ADMIN), world.directory, team.id) is None
    # The same answers at the team's own stage are stored.
    world.submit(team, levels(MD1="manual"), user_id=ADMIN)
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH


def _ask(world: World, team, user: str, expires_on, item_id: str = "FD5"):
    return world.services.request_waiver(
        world.actor(user),
        world.directory,
        team.id,
        None,
        item_id=item_id,
        expires_on=expires_on,
        reason="no personal data",
    )


def test_a_waiver_is_not_approved_once_expired(world: World) -> None:
    """Finding 2: an approval after the expiry date is refused; rejecting it still works."""
    team = world.team()
    asked = _ask(world, team, MEMBER, world.clock.now.date() + timedelta(days=2))
    world.clock.advance(days=3)
    with pytest.raises(Invalid) as refused:
        world.services.decide_waiver(world.actor(ADMIN), world.directory, asked.id, approve=True)
    assert refused.value.key == "error.waiver_expired"
    rejected = world.services.decide_waiver(
        world.actor(ADMIN), world.directory, asked.id, approve=False
    )
    assert rejected.status == "rejected"


def test_nobody_decides_their_own_waiver_request(world: World) -> None:
    """Finding 2: a lead (or admin) who asked is not asked to decide and may not; another
    lead does."""
    team = world.team()
    world.services.set_leads(world.actor(ADMIN), world.directory, team.id, [MEMBER])
    asked = _ask(world, team, MEMBER, world.clock.now.date() + timedelta(days=9))
    assert MEMBER not in asked.approvers
    for approve in (True, False):
        with pytest.raises(NotAllowed) as refused:
            world.services.decide_waiver(
                world.actor(MEMBER), world.directory, asked.id, approve=approve
            )
        assert refused.value.key == "refused.waiver_own"
    by_admin = _ask(world, team, ADMIN, world.clock.now.date() + timedelta(days=9), "FD6")
    with pytest.raises(NotAllowed):
        world.services.decide_waiver(world.actor(ADMIN), world.directory, by_admin.id, approve=True)
    approved = world.services.decide_waiver(
        world.actor(MEMBER), world.directory, by_admin.id, approve=True
    )
    assert (approved.status, approved.decided_by) == ("approved", MEMBER)


def test_a_missing_waiver_or_plan_id_is_answered_like_a_missing_team(world: World) -> None:
    """Finding 8: a forged id tells nothing: the same reply as a team that does not exist."""
    world.team()
    with pytest.raises(NotFound) as no_team:
        world.services.list_plans(world.actor(ADMIN), world.directory, 999_999)
    with pytest.raises(NotFound) as no_waiver:
        world.services.decide_waiver(world.actor(ADMIN), world.directory, 999_999, approve=True)
    with pytest.raises(NotFound) as no_plan:
        world.services.plan_burnup(world.actor(ADMIN), world.directory, 999_999)
    expected = (no_team.value.key, no_team.value.params)
    assert expected == ("error.team_not_found", {})
    assert (no_waiver.value.key, no_waiver.value.params) == expected
    assert (no_plan.value.key, no_plan.value.params) == expected


def _plan(world: World, team, target, owners, system_id=None):
    return world.services.create_plan(
        world.actor(ADMIN),
        world.directory,
        team.id,
        system_id,
        target_stage=Stage.ROADMAP,
        target_date=target,
        owners=owners,
    )


def test_an_archived_system_takes_no_plan_or_waiver(world: World) -> None:
    """Finding 3: an archived system is refused plans and waivers (it is still previewed)."""
    team = world.team()
    fraud = world.services.add_system(world.actor(ADMIN), world.directory, team.id, name="Fraud")
    world.services.archive_system(world.actor(ADMIN), world.directory, fraud.system_id)
    ahead = world.clock.now.date() + timedelta(days=30)
    with pytest.raises(Invalid) as plan:
        _plan(world, team, ahead, {"FD1": MEMBER}, fraud.system_id)
    with pytest.raises(Invalid) as waiver:
        world.services.request_waiver(
            world.actor(MEMBER),
            world.directory,
            team.id,
            fraud.system_id,
            item_id="FD5",
            expires_on=ahead,
            reason="retired",
        )
    assert plan.value.key == waiver.value.key == "error.system_archived_plans"
    world.services.stage_preview(
        world.actor(ADMIN), world.directory, team.id, fraud.system_id, Stage.ROADMAP
    )
    # The team's active system still takes them.
    assert _plan(world, team, ahead, {"FD1": MEMBER}).items


def test_a_plan_date_is_at_most_a_year_ahead(world: World) -> None:
    """Finding 3: a target date more than a year from today is refused; a year exactly is not."""
    team = world.team()
    today = world.clock.now.date()
    with pytest.raises(Invalid) as refused:
        _plan(world, team, today + timedelta(days=366), {"FD1": MEMBER})
    assert refused.value.key == "error.plan_date_too_far"
    assert _plan(world, team, today + timedelta(days=365), {"FD1": MEMBER}).items


def test_a_plan_owner_must_be_able_to_read_the_team(world: World) -> None:
    """Finding 3: someone outside a private team's channel cannot own a test of its plan."""
    world.directory.private.add(VISION_CHANNEL)
    team = world.team()
    ahead = world.clock.now.date() + timedelta(days=30)
    with pytest.raises(Invalid) as refused:
        _plan(world, team, ahead, {"FD1": MEMBER, "FD2": OUTSIDER})
    assert refused.value.key == "error.plan_owner_cannot_read"
    assert refused.value.params["user"] == OUTSIDER
    assert world.services.list_plans(world.actor(ADMIN), world.directory, team.id) == []
    world.directory.members[VISION_CHANNEL].add(OUTSIDER)
    assert len(_plan(world, team, ahead, {"FD1": MEMBER, "FD2": OUTSIDER}).items) == 2


def test_an_override_reason_is_bounded_and_has_no_nul(world: World) -> None:
    """Finding 4: the reason kept in the audit is at most 500 characters, without NUL."""
    team = world.team()

    def move(reason: str):
        return world.services.set_stage(
            world.actor(ADMIN),
            world.directory,
            team.id,
            Stage.PRODUCTION,
            gate=True,
            override_reason=reason,
        )

    for reason, key in (("x" * 501, "error.waiver_reason_too_long"), ("ok\x00no", "error.nul")):
        with pytest.raises(Invalid) as refused:
            move(reason)
        assert refused.value.key == key
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH
    assert move("x" * 500).stage is Stage.PRODUCTION


def test_pending_waivers_lists_what_the_person_may_decide_but_their_own(world: World) -> None:
    """Finding 6: a request nobody was told of can still be found and decided."""
    team = world.team()
    world.services.set_leads(world.actor(ADMIN), world.directory, team.id, [MEMBER])
    ahead = world.clock.now.date() + timedelta(days=9)
    by_admin = _ask(world, team, ADMIN, ahead)
    assert by_admin.approvers == (MEMBER, CONFIG_ADMIN)  # not the requester
    by_lead = _ask(world, team, MEMBER, ahead, "FD6")

    def pending(user: str) -> list[int]:
        return [w.id for w in world.services.pending_waivers(world.actor(user), world.directory)]

    assert pending(MEMBER) == [by_admin.id]
    assert pending(ADMIN) == [by_lead.id]
    assert pending(OUTSIDER) == []
    world.services.decide_waiver(world.actor(MEMBER), world.directory, by_admin.id, approve=True)
    assert pending(MEMBER) == []


def test_the_preview_measures_the_latest_answers_with_their_own_rubrics_criteria(db) -> None:
    """Finding 9: after the team's rubric changed, the preview reads the latest assessment with
    that assessment's rubric and that rubric's criteria, not a mix of the two."""
    from pathlib import Path

    from bot.db import repositories as repo
    from bot.rubric_registry import RubricRegistry
    from bot.services import Services

    world = World(db)
    fixture = Path(__file__).parents[1] / "fixtures" / "rubrics" / "good_minimal.yaml"
    world.services = Services(
        database=world.db,
        rubrics=RubricRegistry(extra_file=fixture),  # new teams get "tiny"
        clock=world.clock,
        admins={CONFIG_ADMIN},
        default_language="es",
        default_timezone="Europe/Madrid",
    )
    team = world.team()
    world.submit(team, {"A1": "missing", "A2": "present", "B1": "present"})
    with world.db.write() as session:
        repo.update_team(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            changed_by=ADMIN,
            now=world.clock.now,
            rubric_id="ml-test-score",
        )
    found = world.services.stage_preview(
        world.actor(ADMIN), world.directory, team.id, None, Stage.PRODUCTION
    )
    assert found.rubric.id == "tiny"
    # Tiny's own criteria: A1 and B1 mandatory at production, A1 not done.
    assert [u.item_id for u in found.preview.unmet] == ["A1"]
    assert found.preview.mandatory == 2
