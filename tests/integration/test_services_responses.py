"""Several respondents through the services, on SQLite and PostgreSQL: who may set the rule and
the leads, one response per person and period, a lead settling only disputed tests, anonymity."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from bot.services import Invalid, NotAllowed, TeamInfo
from bot.services.response_types import PeriodResponses
from rubric.consensus import Rule
from tests.fakes.directory import FakeDirectory
from tests.support.world import ADMIN, LEAD, VISION_CHANNEL, World, levels

BEN, CAI = "UBEN", "UCAI"


@pytest.fixture
def world(db) -> World:
    return World(
        db,
        directory=FakeDirectory(admins={ADMIN}, members={VISION_CHANNEL: {LEAD, BEN, CAI}}),
    )


def agreed(world: World, team_id: int) -> dict[str, str]:
    card = world.services.scorecard(world.actor(ADMIN), world.directory, team_id)
    assert card is not None
    return {item: answer.choice for item, answer in card.snapshot.answers.items()}


def test_only_admins_set_the_consensus_rule_anonymity_and_the_leads(world: World) -> None:
    team = world.team()
    services, member = world.services, world.actor(LEAD)
    with pytest.raises(NotAllowed):
        services.set_consensus(member, world.directory, team.id, Rule.LOWEST)
    with pytest.raises(NotAllowed):
        services.set_anonymous(member, world.directory, team.id, True)
    with pytest.raises(NotAllowed):
        services.change_lead(member, world.directory, team.id, LEAD, add=True)
    services.set_consensus(world.actor(ADMIN), world.directory, team.id, Rule.LOWEST)
    updated = services.change_lead(world.actor(ADMIN), world.directory, team.id, LEAD, add=True)
    assert updated.leads == (LEAD,)
    assert services.response_settings(world.workspace, team.id) == (Rule.LOWEST, False, False)
    removed = services.change_lead(world.actor(ADMIN), world.directory, team.id, LEAD, add=False)
    assert removed.leads == ()


def test_a_second_answer_by_the_same_person_replaces_their_first(world: World) -> None:
    team = world.team()
    world.submit(team, levels(FD1="automated"), user_id=BEN, key="a")
    world.clock.advance(minutes=5)
    world.submit(team, levels(FD1="manual"), user_id=BEN, key="b")
    view = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert view is not None
    assert view.count == 1
    assert view.respondents == (BEN,)
    assert agreed(world, team.id)["FD1"] == "manual"


def _disputed_on_fd1(world: World) -> tuple[TeamInfo, PeriodResponses]:
    """A team with LEAD as its lead, where BEN and CAI answered FD1 a full level apart."""
    team = world.team()
    world.services.change_lead(world.actor(ADMIN), world.directory, team.id, LEAD, add=True)
    world.submit(team, levels(FD1="automated"), user_id=BEN, key="ben")
    world.submit(team, levels(FD1="not_done"), user_id=CAI, key="cai")
    view = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert view is not None
    assert view.disputed == ("FD1",)
    return team, view


def test_a_lead_settles_only_the_tests_people_disagree_on(world: World) -> None:
    team, view = _disputed_on_fd1(world)
    assert agreed(world, team.id)["FD1"] == "not_done"  # no lead answer yet: the lowest
    with pytest.raises(NotAllowed):
        world.services.resolve(
            world.actor(BEN),
            world.directory,
            team.id,
            None,
            period_key=view.period_key,
            choices={"FD1": "automated"},
            submission_key="ben-settles",
        )
    world.services.resolve(
        world.actor(LEAD),
        world.directory,
        team.id,
        None,
        period_key=view.period_key,
        choices={"FD1": "manual", "MD1": "automated"},  # MD1 is not disputed: ignored
        submission_key="lead-settles",
    )
    result = agreed(world, team.id)
    assert result["FD1"] == "manual"
    assert result["MD1"] == "not_done"
    after = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert after is not None
    assert after.items[0].resolved_by == LEAD
    assert not after.unresolved

    # A new disagreement later in the period (Ben changes MD2, FD1's answers stay as they
    # were): settling it keeps the earlier settlement.
    world.submit(team, levels(FD1="automated", MD2="manual"), user_id=BEN, key="ben-again")
    later = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert later is not None
    assert [item.item_id for item in later.unresolved] == ["MD2"]
    world.services.resolve(
        world.actor(LEAD),
        world.directory,
        team.id,
        None,
        period_key=view.period_key,
        choices={"MD2": "manual"},
        submission_key="lead-settles-again",
    )
    result = agreed(world, team.id)
    assert (result["FD1"], result["MD2"]) == ("manual", "manual")


def test_anonymous_teams_show_counts_only_and_nothing_below_three(world: World) -> None:
    team = world.team()
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, True)
    world.submit(team, levels(FD1="automated"), user_id=BEN, key="ben")
    world.submit(team, levels(FD1="manual"), user_id=CAI, key="cai")
    two = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert two is not None
    assert (two.count, two.hidden, two.items, two.respondents) == (2, True, (), ())
    world.submit(team, levels(FD1="manual"), user_id=LEAD, key="lead")
    three = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert three is not None
    assert not three.hidden
    assert three.respondents == ()
    (item,) = three.items
    assert [(c.choice, c.count, c.people) for c in item.choices] == [
        ("manual", 2, ()),
        ("automated", 1, ()),
    ]


def test_an_anonymous_teams_export_names_nobody_who_answered(world: World) -> None:
    """Finding 1: not only the responses: who submitted the agreed results, who wrote their
    notes and who did what in the team's audit log are hidden too, in every format."""
    team = world.team()
    world.services.set_anonymous(world.actor(ADMIN), world.directory, team.id, True)
    world.submit(team, levels(FD1="automated"), user_id=BEN, key="ben", notes={"FD1": "nightly"})
    world.submit(team, levels(FD1="manual"), user_id=CAI, key="cai")
    world.submit(team, levels(FD1="manual"), user_id=LEAD, key="lead")
    admin = world.actor(ADMIN)
    exports = {
        fmt: world.services.export(admin, world.directory, team.id, fmt)
        for fmt in ("json", "csv", "csv_zip")
    }
    exports["workspace"] = world.services.export(admin, world.directory, None, "json")
    archive = zipfile.ZipFile(io.BytesIO(exports.pop("csv_zip")))
    texts = {name: archive.read(name).decode() for name in archive.namelist()}
    texts |= {fmt: raw.decode() for fmt, raw in exports.items()}
    data = json.loads(texts["json"])
    assert len(data["assessments"]) == 3  # the agreed result after each answer
    assert {row["submitted_by"] for row in data["assessments"]} == {"anonymous"}
    assert "nightly" in texts["csv"]  # the note is there, not its author
    for name, text in texts.items():
        for person in (BEN, CAI, LEAD):
            assert person not in text, (name, person)


def test_last_weeks_settlement_link_does_not_replace_the_current_result(world: World) -> None:
    """Finding 3: settling an older period would store its result as the newest assessment."""
    team, old = _disputed_on_fd1(world)
    world.clock.advance(days=7)
    world.submit(team, levels(FD1="manual"), user_id=BEN, key="ben-next")
    current = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert current is not None
    assert current.period_key != old.period_key
    with pytest.raises(Invalid) as refused:
        world.services.resolve(
            world.actor(LEAD),
            world.directory,
            team.id,
            None,
            period_key=old.period_key,
            choices={"FD1": "automated"},
            submission_key="stale-link",
        )
    assert refused.value.key == "responses.not_latest"
    assert agreed(world, team.id)["FD1"] == "manual"


def test_a_settlement_lapses_when_its_lead_is_removed_or_the_answers_change(
    world: World,
) -> None:
    """Finding 6: a settlement applies only while its author is still a lead and the item is
    still disputed with the answers it settled."""
    team = world.team()
    admin = world.actor(ADMIN)
    world.services.change_lead(admin, world.directory, team.id, LEAD, add=True)
    world.submit(team, levels(FD1="automated", MD1="automated"), user_id=BEN, key="ben")
    world.submit(team, levels(FD1="not_done", MD1="not_done"), user_id=CAI, key="cai")
    view = world.services.responses_of(admin, world.directory, team.id)
    assert view is not None
    assert view.disputed == ("FD1", "MD1")

    def settle(key: str, **choices: str) -> None:
        world.services.resolve(
            world.actor(LEAD),
            world.directory,
            team.id,
            None,
            period_key=view.period_key,
            choices=choices,
            submission_key=key,
        )

    settle("first", FD1="automated", MD1="automated")
    assert (agreed(world, team.id)["FD1"], agreed(world, team.id)["MD1"]) == (
        "automated",
        "automated",
    )
    # Cai changes MD1: its settlement was made on other answers; FD1's still holds.
    world.submit(team, levels(FD1="not_done", MD1="manual"), user_id=CAI, key="cai-again")
    result = agreed(world, team.id)
    assert (result["FD1"], result["MD1"]) == ("automated", "manual")  # MD1: the lowest again
    after = world.services.responses_of(admin, world.directory, team.id)
    assert after is not None
    assert [item.item_id for item in after.unresolved] == ["MD1"]

    # The lead is removed: their settlement no longer overrides the rule, on the next answer
    # and on what the team's responses show.
    world.services.change_lead(admin, world.directory, team.id, LEAD, add=False)
    world.submit(team, levels(FD1="automated", MD1="automated"), user_id=BEN, key="ben-again")
    assert agreed(world, team.id)["FD1"] == "not_done"
    gone = world.services.responses_of(admin, world.directory, team.id)
    assert gone is not None
    assert [item.item_id for item in gone.unresolved] == ["FD1", "MD1"]


def test_the_forms_stage_gate_measures_the_agreed_answers_not_the_submitters(world: World) -> None:
    """Under the lowest rule the stored result is each test's lowest answer: an admin whose own
    answers meet production must not move the stage past what the team agreed."""
    from bot.services.plans import StageGated
    from rubric.model import Stage
    from tests.support.world import ALL_ITEMS

    team = world.team()
    world.services.set_consensus(world.actor(ADMIN), world.directory, team.id, Rule.LOWEST)
    world.submit(team, levels(), user_id=BEN, key="ben")
    everything = levels(**dict.fromkeys(ALL_ITEMS, "automated"))
    with pytest.raises(StageGated):
        world.submit(team, everything, user_id=ADMIN, stage=Stage.PRODUCTION, key="admin")
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH
    view = world.services.responses_of(world.actor(ADMIN), world.directory, team.id)
    assert view is not None
    assert view.respondents == (BEN,)  # the refused answer is not kept either
