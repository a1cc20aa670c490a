"""The criteria survey use cases on SQLite and PostgreSQL: rounds, votes, results, adoption,
single cells, export and import, and what gap reports measure against afterwards."""

from __future__ import annotations

import pytest

from bot.db import repositories as repo
from bot.services import Conflict, Invalid, NotAllowed, NotFound
from bot.services.criteria_survey import (
    ANONYMITY_THRESHOLD,
    CriteriaUseCases,
    tally,
)
from rubric.catalog import Adjustment, dump_criteria, load_criteria
from rubric.model import Requirement, Stage
from tests.support.world import ADMIN, CONFIG_ADMIN, LEAD, OUTSIDER, World, levels

NA = Requirement.NOT_APPLICABLE
POOR = Requirement.POOR_VALUE
OPT = Requirement.OPTIONAL
MUST = Requirement.MANDATORY
RES, ROAD, PROD = Stage.RESEARCH, Stage.ROADMAP, Stage.PRODUCTION

VOTERS = ("UVOTER1", "UVOTER2", "UVOTER3", "UVOTER4")


@pytest.fixture
def world(db) -> World:
    return World(db)


@pytest.fixture
def criteria(world: World) -> CriteriaUseCases:
    return CriteriaUseCases.of(world.services)


def open_round(world: World, criteria: CriteriaUseCases, *, anonymous: bool = True) -> int:
    survey = criteria.open_survey(
        world.actor(ADMIN), world.directory, channel_id="CGENERAL", anonymous=anonymous
    )
    return survey.id


def cell(results, item_id: str, stage: Stage):
    return next(c for c in results.cells if c.item_id == item_id and c.stage is stage)


# ---- the arithmetic, worked by hand ---------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "proposed"),
    [
        ([MUST], MUST),
        ([OPT, MUST], MUST),  # two middle votes differ: the stricter wins
        ([NA, POOR], POOR),
        ([NA, OPT, MUST], OPT),  # odd count: the middle vote
        ([NA, POOR, OPT, MUST], OPT),  # middle pair poor/opt -> opt
        ([MUST, MUST, OPT, OPT], MUST),  # 2-2 tie -> the stricter level
        ([NA, NA, NA, MUST], NA),  # middle pair n/a, n/a
        ([POOR, OPT, OPT, MUST, MUST], OPT),
    ],
)
def test_the_proposal_is_the_median_with_ties_to_the_stricter_level(votes, proposed):
    result = tally(votes)
    assert result.proposed is proposed
    assert result.total == len(votes)
    assert result.counts[MUST] == votes.count(MUST)


@pytest.mark.parametrize(
    ("votes", "split"),
    [
        ([NA, MUST], True),  # 1 of 2 is three levels from the proposal (mandatory)
        ([OPT, MUST], False),  # neighbours: a disagreement, not a split
        ([NA, OPT, MUST], True),  # proposal opt; n/a is two levels away: 1 of 3
        ([POOR, OPT, MUST], False),  # everyone within one level of opt
        ([NA, MUST, MUST, MUST], False),  # one outlier in four
        ([NA, NA, MUST, MUST, MUST], True),  # 2 of 5 far from mandatory
        ([MUST], False),
        ([], False),
    ],
)
def test_a_split_is_a_third_of_the_votes_two_levels_or_more_from_the_proposal(votes, split):
    assert tally(votes).split is split


def test_no_votes_propose_nothing():
    assert tally([]).proposed is None


# ---- rounds and votes -----------------------------------------------------------------------


def test_the_criteria_in_force_start_as_the_rubric_default_version_zero(world, criteria):
    view = criteria.criteria_view(world.workspace)
    assert view.version == 0
    assert view.adopted_by is None
    assert view.adopted_at is None
    assert view.criteria.requirement("Mo3", PROD) is MUST
    assert view.criteria.requirement("Mo3", RES) is NA


def test_only_admins_open_a_round_and_only_one_at_a_time(world, criteria):
    with pytest.raises(NotAllowed):
        criteria.open_survey(world.actor(LEAD), world.directory, channel_id="C1", anonymous=True)
    first = criteria.open_survey(
        world.actor(CONFIG_ADMIN), world.directory, channel_id="C1", anonymous=True
    )
    assert first.open
    assert first.anonymous
    assert first.opened_by == CONFIG_ADMIN
    with pytest.raises(Conflict):
        criteria.open_survey(world.actor(ADMIN), world.directory, channel_id="C1", anonymous=False)
    assert criteria.open_round(world.workspace) == first
    # Another workspace has its own rounds.
    assert criteria.open_round(world.other_workspace) is None


def test_the_survey_starts_from_the_matrix_in_force_then_from_the_persons_own_votes(
    world, criteria
):
    round_id = open_round(world, criteria)
    fresh = criteria.survey_state(world.actor(LEAD), round_id)
    assert fresh.voted == frozenset()
    assert fresh.answers["Mo3"].levels == {RES: NA, ROAD: MUST, PROD: MUST}

    criteria.vote(world.actor(LEAD), round_id, {("Mo3", RES): OPT}, {"Mo3": "skew hurt us"})
    mine = criteria.survey_state(world.actor(LEAD), round_id)
    assert mine.voted == {"Mo3"}
    assert mine.answers["Mo3"].levels == {RES: OPT, ROAD: MUST, PROD: MUST}
    assert mine.answers["Mo3"].comment == "skew hurt us"
    # Someone else still starts from the matrix in force.
    other = criteria.survey_state(world.actor(OUTSIDER), round_id)
    assert other.answers["Mo3"].levels[RES] is NA


def test_a_changed_vote_replaces_the_first_one(world, criteria):
    round_id = open_round(world, criteria, anonymous=False)
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): NA}, {"FD1": "first thought"})
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST})
    results = criteria.results(world.actor(ADMIN), world.directory)
    fd1 = cell(results, "FD1", RES)
    assert fd1.votes == 1
    assert fd1.tally.counts[MUST] == 1
    assert fd1.tally.counts[NA] == 0
    # The comment was not named the second time, so it stays.
    assert [(c.item_id, c.text) for c in results.comments] == [("FD1", "first thought")]
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST}, {"FD1": ""})
    assert criteria.results(world.actor(ADMIN), world.directory).comments == ()


def test_a_closed_round_takes_no_votes(world, criteria):
    round_id = open_round(world, criteria)
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST})
    criteria.adopt(world.actor(ADMIN), world.directory)
    with pytest.raises(Invalid) as refused:
        criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): NA})
    assert refused.value.key == "criteria.error.round_closed"


def test_votes_on_unknown_items_and_overlong_comments_are_refused(world, criteria):
    round_id = open_round(world, criteria)
    with pytest.raises(Invalid):
        criteria.vote(world.actor(LEAD), round_id, {("XX9", RES): MUST})
    with pytest.raises(Invalid):
        criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST}, {"FD1": "x" * 1001})
    with pytest.raises(NotFound):
        criteria.vote(world.actor(LEAD), round_id + 99, {("FD1", RES): MUST})


def test_a_round_of_another_workspace_is_not_found(world, criteria):
    round_id = open_round(world, criteria)
    stranger = world.actor(LEAD, workspace_id=world.other_workspace)
    with pytest.raises(NotFound):
        criteria.vote(stranger, round_id, {("FD1", RES): MUST})
    with pytest.raises(NotFound):
        criteria.survey_state(stranger, round_id)


# ---- results and anonymity ------------------------------------------------------------------


def vote_all(world, criteria, round_id, ballots):
    """ballots: {user: {(item, stage): level}}"""
    for user, ballot in ballots.items():
        criteria.vote(world.actor(user), round_id, ballot)


def test_results_count_propose_and_flag_per_cell(world, criteria):
    round_id = open_round(world, criteria, anonymous=False)
    vote_all(
        world,
        criteria,
        round_id,
        {
            "UVOTER1": {("Mo3", RES): NA, ("Mo3", PROD): MUST},
            "UVOTER2": {("Mo3", RES): MUST, ("Mo3", PROD): MUST},
            "UVOTER3": {("Mo3", RES): OPT},
            "UVOTER4": {("Mo3", RES): MUST},
        },
    )
    results = criteria.results(world.actor(LEAD), world.directory)
    assert results.participants == 4
    research = cell(results, "Mo3", RES)
    # n/a, opt, MUST, MUST: the middle pair is opt/MUST -> MUST; n/a is 3 away (1 of 4: no split)
    assert research.tally.proposed is MUST
    assert not research.tally.split
    assert dict(research.tally.counts) == {NA: 1, POOR: 0, OPT: 1, MUST: 2}
    assert cell(results, "Mo3", PROD).tally.proposed is MUST
    # Cells nobody voted on are absent.
    assert {c.item_id for c in results.cells} == {"Mo3"}
    # A non-anonymous round says who voted what.
    assert dict(research.voters) == {
        "UVOTER1": NA,
        "UVOTER2": MUST,
        "UVOTER3": OPT,
        "UVOTER4": MUST,
    }


def test_an_anonymous_round_never_attributes_a_vote_and_hides_thin_cells(world, criteria):
    round_id = open_round(world, criteria, anonymous=True)
    ballots = {user: {("FD1", RES): MUST} for user in VOTERS[:ANONYMITY_THRESHOLD]}
    ballots["UVOTER1"][("FD2", RES)] = NA  # only one person voted on FD2
    vote_all(world, criteria, round_id, ballots)
    criteria.vote(world.actor("UVOTER2"), round_id, {("FD1", ROAD): MUST}, {"FD1": "needed"})

    results = criteria.results(world.actor(ADMIN), world.directory)
    assert results.participants == ANONYMITY_THRESHOLD
    fd1 = cell(results, "FD1", RES)
    assert fd1.tally.counts[MUST] == ANONYMITY_THRESHOLD
    assert fd1.voters == ()
    thin = cell(results, "FD2", RES)
    assert thin.hidden
    assert thin.tally is None
    assert thin.votes == 1
    assert cell(results, "FD1", ROAD).hidden
    assert results.hidden_cells == 2
    assert [(c.item_id, c.text, c.user_id) for c in results.comments] == [("FD1", "needed", None)]
    # Nothing in the results names a voter, whoever asks.
    for asker in (ADMIN, LEAD, "UVOTER3"):
        text = repr(criteria.results(world.actor(asker), world.directory))
        assert not any(voter in text for voter in VOTERS)


def test_without_any_round_there_are_no_results(world, criteria):
    with pytest.raises(NotFound):
        criteria.results(world.actor(LEAD), world.directory)


def test_after_adoption_results_show_the_closed_round(world, criteria):
    round_id = open_round(world, criteria, anonymous=False)
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST})
    criteria.adopt(world.actor(ADMIN), world.directory)
    results = criteria.results(world.actor(LEAD), world.directory)
    assert results.round.id == round_id
    assert not results.round.open


# ---- adoption -------------------------------------------------------------------------------


def test_adoption_makes_the_proposal_the_next_version_with_fix_ups_listed(world, criteria):
    round_id = open_round(world, criteria, anonymous=True)
    # Everyone wants I2 (optional, optional, mandatory by default) mandatory at research only:
    # roadmap must then be raised, and production is already mandatory.
    ballots = {user: {("I2", RES): MUST, ("I2", ROAD): OPT} for user in VOTERS[:3]}
    vote_all(world, criteria, round_id, ballots)
    world.clock.advance(days=1)

    adoption = criteria.adopt(world.actor(ADMIN), world.directory)

    assert adoption.created
    assert adoption.version == 1
    assert adoption.participants == 3
    assert [(c.item_id, c.stage, c.before, c.after) for c in adoption.changes] == [
        ("I2", RES, OPT, MUST)
    ]
    assert list(adoption.adjustments) == [Adjustment("I2", ROAD, OPT, MUST)]
    view = criteria.criteria_view(world.workspace)
    assert view.version == 1
    assert view.adopted_by == ADMIN
    assert view.adopted_at == world.clock.now
    assert [view.criteria.requirement("I2", s) for s in Stage] == [MUST, MUST, MUST]
    # Every other cell is what was in force.
    assert view.criteria.requirement("Mo3", RES) is NA
    assert criteria.open_round(world.workspace) is None
    stored = repo_audit(world, "criteria.adopted")
    assert stored[0].detail["adjustments"] == [["I2", "roadmap", "optional", "mandatory"]]


def test_adoption_keeps_cells_too_thin_to_show_in_an_anonymous_round(world, criteria):
    round_id = open_round(world, criteria, anonymous=True)
    criteria.vote(world.actor("UVOTER1"), round_id, {("Mo3", RES): MUST})
    adoption = criteria.adopt(world.actor(ADMIN), world.directory)
    assert adoption.created
    assert adoption.kept == (("Mo3", RES),)
    assert adoption.changes == ()
    assert criteria.criteria_view(world.workspace).criteria.requirement("Mo3", RES) is NA


def test_a_round_without_votes_closes_without_a_new_version(world, criteria):
    open_round(world, criteria)
    adoption = criteria.adopt(world.actor(ADMIN), world.directory)
    assert not adoption.created
    assert adoption.version == 0
    assert criteria.open_round(world.workspace) is None
    assert criteria.criteria_view(world.workspace).version == 0


def test_only_admins_adopt_and_only_an_open_round(world, criteria):
    with pytest.raises(NotFound):
        criteria.adopt(world.actor(ADMIN), world.directory)
    round_id = open_round(world, criteria)
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST})
    with pytest.raises(NotAllowed):
        criteria.adopt(world.actor(LEAD), world.directory)
    assert criteria.open_round(world.workspace) is not None


def test_gaps_change_after_adopting_a_matrix_that_makes_an_item_mandatory(world, criteria):
    team = world.team()
    # Research stage: the default makes FD5, MD1 and MD5 mandatory; FD1 is optional.
    world.submit(team, levels(FD5="manual", MD1="manual", MD5="automated"))
    before = world.services.gaps(world.actor(ADMIN), world.directory, team.id)
    assert before.gaps == ()
    assert "FD1" not in before.mandatory
    card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)
    assert card.criteria_version == 0

    round_id = open_round(world, criteria, anonymous=False)
    criteria.vote(world.actor(LEAD), round_id, {("FD1", RES): MUST})
    criteria.adopt(world.actor(ADMIN), world.directory)

    after = world.services.gaps(world.actor(ADMIN), world.directory, team.id)
    assert [gap.item_id for gap in after.gaps] == ["FD1"]
    assert (
        world.services.scorecard(world.actor(ADMIN), world.directory, team.id).criteria_version == 1
    )
    # The stored assessment keeps the version it was submitted under.
    with world.db.read() as session:
        latest = repo.latest_assessment(session, workspace_id=world.workspace, team_id=team.id)
        assert latest.assessment.criteria_version == 0
    # A new assessment is stored under the new version.
    world.clock.advance(days=7)
    world.submit(team, levels(FD1="manual", FD5="manual", MD1="manual", MD5="automated"))
    with world.db.read() as session:
        latest = repo.latest_assessment(session, workspace_id=world.workspace, team_id=team.id)
        assert latest.assessment.criteria_version == 1
    assert world.services.gaps(world.actor(ADMIN), world.directory, team.id).gaps == ()


def repo_audit(world: World, action: str):
    with world.db.read() as session:
        return repo.list_audit(session, workspace_id=world.workspace, action=action)


# ---- one cell -------------------------------------------------------------------------------


def test_setting_a_cell_makes_a_new_version_and_audits_the_reason(world, criteria):
    update = criteria.set_cell(
        world.actor(ADMIN),
        world.directory,
        item_id="mo3",  # ids are matched regardless of case
        stage=RES,
        requirement=OPT,
        reason="skew  broke us twice",
    )
    assert (update.item_id, update.before, update.after, update.version) == ("Mo3", NA, OPT, 1)
    assert update.adjustments == ()
    view = criteria.criteria_view(world.workspace)
    assert view.criteria.requirement("Mo3", RES) is OPT
    assert view.note == "skew broke us twice"
    entry = repo_audit(world, "criteria.cell_set")[0]
    assert entry.actor == ADMIN
    assert entry.detail["reason"] == "skew broke us twice"
    assert (entry.detail["item_id"], entry.detail["before"], entry.detail["after"]) == (
        "Mo3",
        "not_applicable",
        "optional",
    )


def test_raising_a_cell_raises_the_later_stages_and_says_so(world, criteria):
    update = criteria.set_cell(
        world.actor(ADMIN), world.directory, item_id="I5", stage=RES, requirement=MUST, reason="x"
    )
    assert list(update.adjustments) == [Adjustment("I5", ROAD, OPT, MUST)]
    matrix = criteria.criteria_view(world.workspace).criteria
    assert [matrix.requirement("I5", s) for s in Stage] == [MUST, MUST, MUST]


def test_lowering_a_cell_below_an_earlier_stage_is_refused(world, criteria):
    with pytest.raises(Invalid) as refused:
        criteria.set_cell(
            world.actor(ADMIN),
            world.directory,
            item_id="FD5",  # mandatory everywhere
            stage=PROD,
            requirement=OPT,
            reason="cheaper",
        )
    assert refused.value.key == "criteria.error.would_loosen"
    assert refused.value.params["earlier_stage"] == "research"
    assert criteria.criteria_view(world.workspace).version == 0


def test_setting_a_cell_needs_an_admin_a_known_item_a_reason_and_a_change(world, criteria):
    admin = world.actor(ADMIN)
    with pytest.raises(NotAllowed):
        criteria.set_cell(
            world.actor(LEAD),
            world.directory,
            item_id="FD1",
            stage=RES,
            requirement=MUST,
            reason="x",
        )
    with pytest.raises(Invalid):
        criteria.set_cell(
            admin, world.directory, item_id="ZZ1", stage=RES, requirement=MUST, reason="x"
        )
    with pytest.raises(Invalid):
        criteria.set_cell(
            admin, world.directory, item_id="FD1", stage=RES, requirement=MUST, reason="  "
        )
    with pytest.raises(Invalid) as unchanged:
        criteria.set_cell(
            admin, world.directory, item_id="FD1", stage=RES, requirement=OPT, reason="x"
        )
    assert unchanged.value.key == "criteria.error.cell_unchanged"
    assert repo_audit(world, "criteria.cell_set") == []


# ---- export and import ----------------------------------------------------------------------


def test_export_and_import_round_trip_as_a_new_version(world, criteria):
    criteria.set_cell(
        world.actor(ADMIN),
        world.directory,
        item_id="Mo3",
        stage=RES,
        requirement=MUST,
        reason="skew",
    )
    exported = criteria.export_criteria(world.workspace)
    rubric = world.services.rubrics.default()
    assert load_criteria(exported, rubric).requirement("Mo3", RES) is MUST

    # Changed in between, then the file is imported back: the exported matrix is in force again.
    criteria.set_cell(
        world.actor(ADMIN),
        world.directory,
        item_id="FD6",
        stage=PROD,
        requirement=MUST,
        reason="y",
    )
    version = criteria.import_criteria(world.actor(ADMIN), world.directory, exported)
    assert version == 3
    view = criteria.criteria_view(world.workspace)
    assert view.criteria.requirement("FD6", PROD) is OPT
    assert view.criteria.requirement("Mo3", RES) is MUST
    # Exporting again gives the same file, but for the version line.
    again = criteria.export_criteria(world.workspace)
    assert again.replace("version: 3", "version: 1") == exported
    assert repo_audit(world, "criteria.imported")[0].detail["version"] == 3


def test_an_import_that_loosens_or_misses_items_is_refused_with_the_reason(world, criteria):
    rubric = world.services.rubrics.default()
    view = criteria.criteria_view(world.workspace)
    text = dump_criteria(rubric, view.criteria)
    loosening = text.replace(
        "FD5:\n    research: mandatory\n    roadmap: mandatory\n    production: mandatory",
        "FD5:\n    research: mandatory\n    roadmap: mandatory\n    production: optional",
    )
    assert loosening != text
    with pytest.raises(Invalid) as refused:
        criteria.import_criteria(world.actor(ADMIN), world.directory, loosening)
    assert "FD5" in str(refused.value.params["reason"])
    with pytest.raises(Invalid):
        criteria.import_criteria(world.actor(ADMIN), world.directory, "version: 1\nitems: {}\n")
    with pytest.raises(NotAllowed):
        criteria.import_criteria(world.actor(LEAD), world.directory, text)
    assert criteria.criteria_view(world.workspace).version == 0
