"""The trust rules at the service layer, on SQLite and PostgreSQL: reading a team, binding it,
the stage a late form asks for, note authors and every copy erasure must reach."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.db import repositories as repo
from bot.db.tables import AssessmentAnswer
from bot.services import Conflict, DraftState, Invalid, ItemDraft, NotAllowed, NotFound
from bot.services.types import DraftPage
from rubric.model import Stage
from tests.support.world import (
    ADMIN,
    LEAD,
    OUTSIDER,
    SEARCH_CHANNEL,
    VISION_CHANNEL,
    World,
    answered_state,
    levels,
)

MEMBER = "UMEMBER"


@pytest.fixture
def world(db) -> World:
    made = World(db)
    made.directory.join(VISION_CHANNEL, MEMBER)
    return made


# ---- reading -------------------------------------------------------------------------------


def test_a_private_channels_team_is_read_only_by_its_members_and_admins(world):
    world.directory.private.add(VISION_CHANNEL)
    team = world.team()
    world.submit(team, levels(FD1="automated"), overall_note="private words")
    outsider = world.actor(OUTSIDER)

    for read in (world.services.scorecard, world.services.gaps, world.services.trend):
        # Refused as a team that does not exist: its name is not told to an outsider.
        with pytest.raises(NotFound) as refused:
            read(outsider, world.directory, team.id)
        assert refused.value.key == "error.team_not_found"
    assert world.services.list_teams(outsider, world.directory) == []
    assert world.services.teams_for_user(outsider, world.directory) == []
    card = world.services.scorecard(world.actor(LEAD), world.directory, team.id)
    assert card is not None
    assert card.snapshot.note == "private words"
    assert [s.team.name for s in world.services.list_teams(world.actor(LEAD), world.directory)] == [
        "Vision"
    ]


def test_a_public_channels_team_is_read_by_anyone_but_only_members_see_it_at_home(world):
    team = world.team()
    world.submit(team, levels())
    outsider = world.actor(OUTSIDER)
    assert world.services.scorecard(outsider, world.directory, team.id) is not None
    assert [s.team.id for s in world.services.list_teams(outsider, world.directory)] == [team.id]
    assert world.services.teams_for_user(outsider, world.directory) == []


# ---- binding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        ("D0LEAD", "error.channel_is_dm"),
        ("CUNSEEN", "error.channel_not_found"),
        ("CNOBOT", "error.bot_not_in_channel"),
    ],
)
def test_a_team_is_bound_only_to_a_channel_the_bot_can_post_in(world, channel, key):
    world.directory.unknown.add("CUNSEEN")
    world.directory.without_bot.add("CNOBOT")
    with pytest.raises(Invalid) as refused:
        world.team("Somewhere", channel_id=channel)
    assert refused.value.key == key
    assert world.services.list_teams(world.actor(ADMIN), world.directory) == []


def test_a_name_with_nothing_visible_is_refused_and_a_lookalike_is_the_same_name(world):
    with pytest.raises(Invalid) as blank:
        world.team("\u200b\u202e")
    assert blank.value.key == "error.team_name_blank"
    world.team("V\u00edsion")
    with pytest.raises(Conflict) as taken:
        world.team("Vi\u0301sion", channel_id=SEARCH_CHANNEL)
    assert taken.value.key == "error.team_exists"


# ---- the stage -----------------------------------------------------------------------------


def test_a_form_read_before_a_stage_change_is_stored_at_the_newer_stage(world):
    team = world.team()
    form = world.services.start_assessment(world.actor(ADMIN), world.directory, team.id).state
    world.services.set_stage(world.actor(ADMIN), world.directory, team.id, Stage.PRODUCTION)

    asked = answered_state(levels(), stage=Stage.ROADMAP, stage_version=form.stage_version)
    stored = world.services.store_assessment(
        world.actor(ADMIN), world.directory, team.id, asked, submission_key="late"
    )

    assert stored.kept_stage is Stage.PRODUCTION
    assert world.services.get_team(world.workspace, team.id).stage is Stage.PRODUCTION
    card = world.services.scorecard(world.actor(ADMIN), world.directory, team.id)
    assert card is not None
    assert card.snapshot.stage is Stage.PRODUCTION


def test_only_admins_change_the_stage_through_a_form(world):
    team = world.team()
    world.no_mandatory_tests()  # the move, not the stage gate, is under test
    version = world.stage_version(team.id)
    with pytest.raises(NotAllowed) as page:
        world.services.save_draft_page(
            world.actor(LEAD), world.directory, team.id, DraftPage(page=0, stage=Stage.PRODUCTION)
        )
    assert page.value.key == "refused.stage"
    asked = answered_state(levels(), stage=Stage.PRODUCTION, stage_version=version)
    with pytest.raises(NotAllowed):
        world.services.store_assessment(
            world.actor(LEAD), world.directory, team.id, asked, submission_key="forged"
        )
    assert world.services.get_team(world.workspace, team.id).stage is Stage.RESEARCH
    stored = world.services.store_assessment(
        world.actor(ADMIN), world.directory, team.id, asked, submission_key="admin"
    )
    assert stored.kept_stage is None
    assert world.services.get_team(world.workspace, team.id).stage is Stage.PRODUCTION


def test_a_check_in_the_team_does_not_have_is_refused_when_opening_the_form(world):
    team = world.team()
    with pytest.raises(NotFound) as gone:
        world.services.start_assessment(
            world.actor(LEAD), world.directory, team.id, period_key="2001-W01"
        )
    assert gone.value.key == "error.checkin_gone"


def test_text_with_a_nul_is_refused_before_it_reaches_the_database(world):
    team = world.team()
    page = DraftPage(page=0, answers={"FD1": ItemDraft("manual", "a\x00b")})
    with pytest.raises(Invalid) as refused:
        world.services.save_draft_page(world.actor(LEAD), world.directory, team.id, page)
    assert refused.value.key == "error.nul"
    with pytest.raises(Invalid):
        world.submit(team, levels(), overall_note="x\x00")
    assert world.services.get_draft(world.actor(LEAD), team.id) is None


# ---- notes and their authors ---------------------------------------------------------------


def stored_notes(world: World) -> list[tuple[str, str, str | None]]:
    with world.db.read() as session:
        rows = session.exec(
            select(AssessmentAnswer.item_id, AssessmentAnswer.note, AssessmentAnswer.note_by).where(
                col(AssessmentAnswer.note) != ""
            )
        ).all()
    return sorted((item_id, note, note_by) for item_id, note, note_by in rows)


def test_a_carried_note_keeps_its_author_and_erasing_them_reaches_every_copy(world):
    team = world.team()
    world.submit(team, levels(), notes={"FD1": "lead's words", "FD2": "also lead"})
    # Next period (in the same one, the two answers would be two responses to agree on): the
    # member's form starts from the lead's notes; they change FD2 and keep FD1.
    world.clock.advance(days=8)
    member = world.actor(MEMBER)
    start = world.services.start_assessment(member, world.directory, team.id)
    page = DraftPage(
        page=0,
        answers={
            "FD1": start.state.answers["FD1"],
            "FD2": ItemDraft("manual", "member's words"),
        },
    )
    state = page.applied_to(start.state, MEMBER)
    world.services.store_assessment(member, world.directory, team.id, state, submission_key="m")
    # Another member's draft carries the lead's note too.
    world.services.save_draft_page(
        world.actor(ADMIN), world.directory, team.id, DraftPage(page=1, answers={})
    )
    assert stored_notes(world) == [
        ("FD1", "lead's words", LEAD),
        ("FD1", "lead's words", LEAD),
        ("FD2", "also lead", LEAD),
        ("FD2", "member's words", MEMBER),
    ]

    erased = world.services.erase_user_notes(world.actor(ADMIN), world.directory, LEAD)

    assert stored_notes(world) == [("FD2", "member's words", MEMBER)]
    assert erased.rows["answers"] == 3
    assert erased.rows["drafts"] == 1
    draft = world.services.get_draft(world.actor(ADMIN), team.id)
    assert draft is not None
    assert draft.answers["FD1"] == ItemDraft("not_done", "")
    assert draft.answers["FD2"] == ItemDraft("manual", "member's words", MEMBER)


def test_notes_stored_before_authors_were_kept_are_found_by_their_text(world):
    team = world.team()
    first = world.submit(team, levels(), key="1")
    second = world.submit(team, levels(), user_id=MEMBER, key="2")
    with world.db.write() as session:
        # As the old pre-filled modal left them: the lead's words under the member's name.
        for assessment_id in (first.assessment_id, second.assessment_id):
            session.exec(
                update(AssessmentAnswer)
                .where(
                    col(AssessmentAnswer.assessment_id) == assessment_id,
                    col(AssessmentAnswer.item_id) == "MD1",
                )
                .values(note="old words", note_by=None)
            )
        repo.save_draft(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            user_id=OUTSIDER,
            state={"stage": "research", "answers": {"MD1": {"choice": "x", "note": "old words"}}},
            now=world.clock.now,
        )

    world.services.erase_user_notes(world.actor(ADMIN), world.directory, LEAD)

    assert stored_notes(world) == []
    with world.db.read() as session:
        draft = repo.get_draft(
            session, workspace_id=world.workspace, team_id=team.id, user_id=OUTSIDER
        )
    assert draft is not None
    assert draft.state["answers"]["MD1"]["note"] == ""


def test_the_bots_messages_showing_a_persons_notes_are_returned_until_forgotten(world):
    team = world.team()
    for ts, author in (("1.1", LEAD), ("1.2", MEMBER)):
        world.services.record_post(
            world.actor(ADMIN),
            team.id,
            channel_id=VISION_CHANNEL,
            message_ts=ts,
            authors=[author],
            kind="scorecard",
            language="en",
        )
    world.services.record_post(
        world.actor(ADMIN),
        team.id,
        channel_id=VISION_CHANNEL,
        message_ts="1.3",
        authors=[],
        kind="scorecard",
        language="en",
    )

    erased = world.services.erase_user_notes(world.actor(ADMIN), world.directory, LEAD)
    assert [(m.channel_id, m.message_ts) for m in erased.messages] == [(VISION_CHANNEL, "1.1")]
    assert world.services.forget_posts(world.actor(ADMIN), erased.messages) == 1
    again = world.services.erase_user_notes(world.actor(ADMIN), world.directory, LEAD)
    assert again.messages == ()
    by_team = world.services.erase_team(world.actor(ADMIN), world.directory, team.id)
    assert [m.message_ts for m in by_team.messages] == ["1.2"]


def test_a_draft_saved_by_the_service_keeps_who_wrote_each_note(world):
    team = world.team()
    state = DraftState(
        stage=Stage.RESEARCH, answers={"FD1": ItemDraft("manual", "mine", "USOMEONE")}
    )
    world.services.save_draft(world.actor(LEAD), team.id, state)
    kept = world.services.get_draft(world.actor(LEAD), team.id)
    assert kept is not None
    assert kept.answers["FD1"].note_by == "USOMEONE"
