"""Scorecards, gaps and trends through the use cases, on SQLite and PostgreSQL.

The expected numbers are worked out by hand from the 2017 paper's rules: not done 0, manual 0.5,
automated 1; a section is the sum of its seven tests; the final score is the lowest section.
"""

from __future__ import annotations

import pytest

from bot.db import repositories as repo
from rubric.gaps import GapKind
from rubric.model import Stage
from tests.support.world import ADMIN, World, levels


@pytest.fixture
def world(db) -> World:
    return World(db)


# FD: 1 + 1 + 0.5 = 2.5   MD: 0.5 + 1 = 1.5   I: 4 x 1 = 4   Mo: 0.5   -> final 0.5 (Mo)
FIRST = levels(
    FD1="automated",
    FD2="automated",
    FD3="manual",
    MD1="manual",
    MD5="automated",
    I1="automated",
    I2="automated",
    I3="automated",
    I4="automated",
    Mo1="manual",
)
# FD5 manual (+0.5), MD2 automated (+1), I1 manual (-0.5), Mo1 not done (-0.5)
# FD: 3.0   MD: 2.5   I: 3.5   Mo: 0   -> final 0
SECOND = {**FIRST, "FD5": "manual", "MD2": "automated", "I1": "manual", "Mo1": "not_done"}


def test_a_team_never_assessed_has_no_scorecard_gaps_or_trend(world):
    team = world.team()
    assert world.services.scorecard(world.actor(ADMIN), world.directory, team.id) is None
    assert world.services.gaps(world.actor(ADMIN), world.directory, team.id) is None
    assert world.services.trend(world.actor(ADMIN), world.directory, team.id) is None


def test_the_scorecard_of_a_known_set_of_answers(world):
    team = world.team()
    world.submit(team, FIRST)

    card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)

    assert {s.section_id: (s.score, s.maximum) for s in card.score.sections} == {
        "FD": (2.5, 7.0),
        "MD": (1.5, 7.0),
        "I": (4.0, 7.0),
        "Mo": (0.5, 7.0),
    }
    assert card.score.final == 0.5
    assert card.score.weakest == ("Mo",)
    assert card.score.band.upper == 1.0
    # research stage, default criteria: FD5, MD1 and MD5 are mandatory
    assert card.criteria_version == 0
    assert card.gaps.stage is Stage.RESEARCH
    assert card.gaps.mandatory == ("FD5", "MD1", "MD5")
    assert [(g.item_id, g.kind, g.next_step) for g in card.gaps.gaps] == [
        ("FD5", GapKind.MISSING, "manual")
    ]
    assert [(g.item_id, g.next_step) for g in card.gaps.partial] == [("MD1", "automated")]
    assert card.gaps.readiness == pytest.approx(2 / 3)
    assert card.diff is None
    assert card.assessed_by == "ULEAD"
    assert card.assessed_at == world.clock.now


def test_the_scorecard_compares_with_the_previous_assessment(world):
    team = world.team()
    world.submit(team, FIRST)
    world.clock.advance(days=7)
    submission = world.submit(team, SECOND)

    card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)

    assert submission.scorecard == card
    assert card.score.final == 0.0
    assert {s.section_id: s.score for s in card.score.sections} == {
        "FD": 3.0,
        "MD": 2.5,
        "I": 3.5,
        "Mo": 0.0,
    }
    diff = card.diff
    assert [c.item_id for c in diff.improved] == ["FD5", "MD2"]
    assert [(c.item_id, c.before, c.after) for c in diff.regressed] == [
        ("I1", "automated", "manual"),
        ("Mo1", "manual", "not_done"),
    ]
    assert diff.score_before == 0.5
    assert diff.score_delta == -0.5
    assert diff.newly_met == ("FD5",)
    assert world.services.gaps(world.actor(ADMIN), world.directory, team.id).gaps == ()


def test_gaps_follow_the_team_stage_and_the_criteria_the_workspace_adopted(world):
    team = world.team()
    world.submit(team, FIRST)
    world.services.set_stage(world.actor(ADMIN), world.directory, team.id, Stage.PRODUCTION)

    at_production = world.services.gaps(world.actor(ADMIN), world.directory, team.id)
    assert at_production.stage is Stage.PRODUCTION
    # in production every item but FD6 is mandatory; done: FD1-3, MD1, MD5, I1-4, Mo1 (10)
    assert len(at_production.mandatory) == 27
    assert "FD6" not in at_production.mandatory
    assert len(at_production.gaps) == 17

    rubric = world.services.rubrics.default()
    matrix = {
        item.id: {"research": "optional", "roadmap": "optional", "production": "optional"}
        for item in rubric.items
    }
    matrix["Mo3"] = {"research": "optional", "roadmap": "mandatory", "production": "mandatory"}
    with world.db.write() as session:
        repo.adopt_criteria(
            session,
            workspace_id=world.workspace,
            matrix=matrix,
            adopted_by=ADMIN,
            adopted_at=world.clock.now,
        )

    card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)
    assert card.criteria_version == 1
    assert [g.item_id for g in card.gaps.gaps] == ["Mo3"]
    # a new assessment records the version it was measured against
    world.clock.advance(days=1)
    stored = world.submit(team, FIRST, stage=Stage.PRODUCTION, user_id=ADMIN)
    with world.db.read() as session:
        record = repo.get_assessment(
            session, workspace_id=world.workspace, assessment_id=stored.assessment_id
        )
    assert record is not None
    assert record.assessment.criteria_version == 1


def test_the_trend_shows_a_skipped_period_as_a_gap_between_assessments(world):
    team = world.team()
    world.no_mandatory_tests()  # the move, not the stage gate, is under test
    world.submit(team, FIRST)  # 2025-W10
    world.clock.advance(days=7)
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key="2025-W11",
            status="skipped",
            now=world.clock.now,
        )
    world.clock.advance(days=7)
    world.submit(team, SECOND, stage=Stage.ROADMAP, user_id=ADMIN)  # 2025-W12

    view = world.services.trend(world.actor(ADMIN), world.directory, team.id)

    points = view.trend.points
    assert [p.period for p in points] == ["2025-W10", "2025-W11", "2025-W12"]
    assert [p.skipped for p in points] == [False, True, False]
    assert [p.final for p in points] == [0.5, None, 0.0]
    assert points[0].sections == {"FD": 2.5, "MD": 1.5, "I": 4.0, "Mo": 0.5}
    assert points[1].sections == {"FD": None, "MD": None, "I": None, "Mo": None}
    assert view.trend.stage_changes == (2,)
    assert view.diff.score_delta == -0.5
    assert view.team.stage is Stage.ROADMAP


def test_a_skipped_check_in_answered_late_is_not_a_gap(world):
    team = world.team()
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key="2025-W10",
            status="skipped",
            now=world.clock.now,
        )
    world.clock.advance(hours=1)
    world.submit(team, FIRST)

    view = world.services.trend(world.actor(ADMIN), world.directory, team.id)

    assert [(p.period, p.skipped) for p in view.trend.points] == [("2025-W10", False)]
