"""The assessment flow through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import func, select

from bot.db import repositories as repo
from bot.db.tables import Assessment, AssessmentAnswer
from bot.limits import NOTE_MAX_CHARS, OVERALL_NOTE_MAX_CHARS
from bot.services import DraftState, Invalid, ItemDraft, NotAllowed
from bot.services.types import DraftPage
from bot.services.validation import problems
from rubric.model import Stage
from tests.support.world import ADMIN, LEAD, OUTSIDER, World, answered_state, levels


@pytest.fixture
def world(db) -> World:
    return World(db)


def stored_counts(world: World) -> tuple[int, int]:
    with world.db.read() as session:
        assessments = session.exec(select(func.count()).select_from(Assessment)).one()
        answers = session.exec(select(func.count()).select_from(AssessmentAnswer)).one()
    return assessments, answers


def test_someone_outside_the_channel_cannot_assess_but_an_admin_can(world):
    team = world.team()

    with pytest.raises(NotAllowed) as error:
        world.services.start_assessment(world.actor(OUTSIDER), world.directory, team.id)
    assert error.value.key == "refused.assess"
    assert error.value.params == {"channel": "CVISION", "team": "Vision"}
    with pytest.raises(NotAllowed):
        world.submit(team, levels(), user_id=OUTSIDER)

    start = world.services.start_assessment(world.actor(ADMIN), world.directory, team.id)
    assert start.team.id == team.id
    assert start.rubric.id == "ml-test-score"
    assert world.submit(team, levels(), user_id=ADMIN).created
    assert stored_counts(world) == (1, 28)


def test_a_first_assessment_starts_empty_at_the_team_stage(world):
    team = world.team()
    start = world.services.start_assessment(world.actor(LEAD), world.directory, team.id)
    assert start.resumed_draft is False
    assert start.draft_saved_at is None
    assert start.state == DraftState(
        stage=Stage.RESEARCH, stage_version=world.stage_version(team.id)
    )


def test_the_modal_is_prefilled_with_the_last_answers_notes_and_current_stage(world):
    team = world.team()
    world.submit(
        team,
        levels(FD1="automated", MD2="manual"),
        notes={"FD1": "schema in TFDV", "MD2": "A/B once"},
        overall_note="first pass",
    )
    world.services.set_stage(world.actor(ADMIN), world.directory, team.id, Stage.ROADMAP)

    start = world.services.start_assessment(world.actor(LEAD), world.directory, team.id)

    assert start.resumed_draft is False
    assert start.state.stage is Stage.ROADMAP
    assert start.state.answers["FD1"] == ItemDraft("automated", "schema in TFDV", LEAD)
    assert start.state.answers["MD2"] == ItemDraft("manual", "A/B once", LEAD)
    assert start.state.answers["I7"] == ItemDraft(choice="not_done", note="")
    assert len(start.state.answers) == 28
    assert start.state.overall_note == ""


def test_a_saved_draft_is_resumed_and_a_fresh_start_discards_it(world):
    team = world.team()
    world.submit(team, levels(FD1="automated"))
    draft = DraftState(
        stage=Stage.ROADMAP,
        answers={"FD1": ItemDraft(choice="manual", note="half done")},
        overall_note="wip",
        page=2,
    )
    lead = world.actor(LEAD)
    world.services.save_draft(lead, team.id, draft)

    saved_at = world.clock.now
    world.clock.advance(hours=3)
    resumed = world.services.start_assessment(lead, world.directory, team.id)
    assert resumed.resumed_draft is True
    assert resumed.state == draft
    assert resumed.draft_saved_at == saved_at
    # the draft is the person's own: the admin starts from the last answers
    other = world.services.start_assessment(world.actor(ADMIN), world.directory, team.id)
    assert other.resumed_draft is False

    fresh = world.services.start_assessment(lead, world.directory, team.id, fresh=True)
    assert fresh.resumed_draft is False
    assert fresh.state.answers["FD1"].choice == "automated"
    assert world.services.get_draft(lead, team.id) is None


def test_a_page_starts_the_draft_from_the_last_answers_and_later_pages_add_to_it(world):
    team = world.team()
    world.submit(team, levels(FD1="automated", MD1="manual"), notes={"MD1": "by hand"})
    lead = world.actor(LEAD)

    first = DraftPage(page=0, answers={"FD1": ItemDraft("manual", "regressed")})
    after_first = world.services.save_draft_page(lead, world.directory, team.id, first)
    assert after_first.answers["FD1"] == ItemDraft("manual", "regressed", LEAD)
    # from the last answers, with its author
    assert after_first.answers["MD1"] == ItemDraft("manual", "by hand", LEAD)
    assert after_first.stage is Stage.RESEARCH

    second = DraftPage(page=1, answers={"MD1": ItemDraft("automated", "")})
    world.services.save_draft_page(lead, world.directory, team.id, second)
    kept = world.services.get_draft(lead, team.id)
    assert kept is not None
    assert kept.answers["FD1"] == ItemDraft("manual", "regressed", LEAD)
    assert kept.answers["MD1"] == ItemDraft("automated", "")
    assert kept.stage is Stage.RESEARCH
    assert kept.page == 1


def test_pages_stored_out_of_order_keep_each_others_answers(world):
    """A page is written after its ack, so the next one can reach the database first (or
    another replica): neither may undo the other."""
    team = world.team()
    lead = world.actor(LEAD)
    late = DraftPage(page=0, answers={"FD1": ItemDraft("automated", "first page")})
    early = DraftPage(page=1, answers={"MD1": ItemDraft("manual", "second page")})
    world.services.save_draft_page(lead, world.directory, team.id, early)
    world.services.save_draft_page(lead, world.directory, team.id, late)
    kept = world.services.get_draft(lead, team.id)
    assert kept is not None
    assert kept.answers["FD1"] == ItemDraft("automated", "first page", LEAD)
    assert kept.answers["MD1"] == ItemDraft("manual", "second page", LEAD)


def test_pages_stored_at_once_from_several_threads_all_land(world):
    team = world.team()
    lead = world.actor(LEAD)
    items = ["FD1", "FD2", "FD3", "MD1", "MD2", "I1", "I2", "M1"]
    barrier = threading.Barrier(len(items))
    failures: list[BaseException] = []

    def store(item: str) -> None:
        barrier.wait()
        try:
            page = DraftPage(page=0, answers={item: ItemDraft("manual", item)})
            world.services.save_draft_page(lead, world.directory, team.id, page)
        except BaseException as error:  # reported by the assert below
            failures.append(error)

    threads = [threading.Thread(target=store, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    kept = world.services.get_draft(lead, team.id)
    assert kept is not None
    assert {item for item, answer in kept.answers.items() if answer.note == item} == set(items)


def test_a_draft_can_be_discarded(world):
    team = world.team()
    lead = world.actor(LEAD)
    world.services.save_draft(lead, team.id, DraftState(stage=Stage.RESEARCH))
    assert world.services.discard_draft(lead, team.id) is True
    assert world.services.discard_draft(lead, team.id) is False


def test_a_missing_answer_is_refused_and_nothing_is_stored(world):
    team = world.team()
    answers = levels()
    del answers["MD3"]

    with pytest.raises(Invalid) as error:
        world.submit(team, answers)

    assert error.value.key == "error.answer_missing"
    assert error.value.params == {"item": "MD3"}
    assert stored_counts(world) == (0, 0)


def test_a_note_over_the_limit_is_refused_and_nothing_is_stored(world):
    team = world.team()
    with pytest.raises(Invalid) as error:
        world.submit(team, levels(), notes={"I2": "x" * (NOTE_MAX_CHARS + 1)})
    assert error.value.key == "error.note_too_long"
    assert error.value.params == {
        "item": "I2",
        "limit": NOTE_MAX_CHARS,
        "length": NOTE_MAX_CHARS + 1,
    }
    with pytest.raises(Invalid) as overall:
        world.submit(team, levels(), overall_note="y" * (OVERALL_NOTE_MAX_CHARS + 1))
    assert overall.value.key == "error.overall_note_too_long"
    assert stored_counts(world) == (0, 0)
    # exactly at the limit is fine
    world.submit(team, levels(), notes={"I2": "x" * NOTE_MAX_CHARS})
    assert stored_counts(world) == (1, 28)


def test_a_choice_outside_the_scale_is_refused(world):
    team = world.team()
    with pytest.raises(Invalid) as error:
        world.submit(team, levels(FD4="sometimes"))
    assert error.value.key == "error.invalid_choice"
    assert error.value.params == {"item": "FD4", "choice": "sometimes"}
    assert stored_counts(world) == (0, 0)


def test_problems_lists_every_problem_in_rubric_order(world):
    rubric = world.services.rubrics.default()
    answers = levels(MD1="bogus")
    del answers["FD2"]
    state = answered_state(answers, notes={"Mo7": "z" * (NOTE_MAX_CHARS + 5)})
    assert [(p.key, p.params.get("item")) for p in problems(rubric, state)] == [
        ("error.answer_missing", "FD2"),
        ("error.invalid_choice", "MD1"),
        ("error.note_too_long", "Mo7"),
    ]


def test_a_double_clicked_submit_stores_one_assessment(world):
    team = world.team()
    first = world.submit(team, levels(FD1="manual"), key="V123")
    world.clock.advance(seconds=2)
    second = world.submit(team, levels(FD1="manual"), key="V123")

    assert first.created is True
    assert second.created is False
    assert second.assessment_id == first.assessment_id
    assert second.scorecard.assessed_at == first.scorecard.assessed_at
    assert stored_counts(world) == (1, 28)
    with world.db.read() as session:
        submitted = repo.list_audit(
            session, workspace_id=world.workspace, action="assessment.submitted"
        )
    assert len(submitted) == 1


def test_storing_is_separate_from_the_scorecard_which_compares_with_the_one_before(world):
    """The modal closes once the assessment is stored; its scorecard is built afterwards."""
    team = world.team()
    world.submit(team, levels(FD1="manual"))
    world.clock.advance(days=7)
    lead = world.actor(LEAD)
    state = answered_state(levels(FD1="automated", MD1="manual"))

    stored = world.services.store_assessment(
        lead, world.directory, team.id, state, submission_key="V-split"
    )
    assert stored.created is True
    assert stored_counts(world) == (2, 56)
    with world.db.read() as session:
        (entry,) = [
            e
            for e in repo.list_audit(
                session, workspace_id=world.workspace, action="assessment.submitted"
            )
            if e.detail.get("assessment_id") == stored.assessment_id
        ]

    submission = world.services.submission(lead, stored)
    assert submission.assessment_id == stored.assessment_id
    assert submission.created is True
    assert submission.scorecard.score.final == entry.detail["final"]
    assert submission.scorecard.diff is not None  # compared with last week's
    assert [change.item_id for change in submission.scorecard.diff.improved] == ["FD1", "MD1"]

    again = world.services.store_assessment(
        lead, world.directory, team.id, state, submission_key="V-split"
    )
    assert again == type(stored)(team.id, stored.assessment_id, created=False)
    assert stored_counts(world) == (2, 56)


def test_submitting_stores_the_stage_change_closes_the_check_in_and_drops_the_draft(world):
    team = world.team()
    world.no_mandatory_tests()  # the move, not the stage gate, is under test
    admin = world.actor(ADMIN)
    world.services.save_draft(admin, team.id, DraftState(stage=Stage.ROADMAP))
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key="2025-W10",
            now=world.clock.now,
        )

    submission = world.submit(team, levels(FD1="automated"), stage=Stage.ROADMAP, user_id=ADMIN)

    assert submission.scorecard.team.stage is Stage.ROADMAP
    assert world.services.get_team(world.workspace, team.id).stage is Stage.ROADMAP
    assert world.services.get_draft(admin, team.id) is None
    with world.db.read() as session:
        history = repo.stage_history(session, workspace_id=world.workspace, team_id=team.id)
        checkin = repo.get_checkin(
            session, workspace_id=world.workspace, team_id=team.id, period_key="2025-W10"
        )
        stored = repo.get_assessment(
            session, workspace_id=world.workspace, assessment_id=submission.assessment_id
        )
        audit = repo.list_audit(
            session, workspace_id=world.workspace, action="assessment.submitted"
        )
    assert checkin is not None
    assert stored is not None
    assert [(h.previous_stage, h.stage, h.changed_by) for h in history][-1] == (
        "research",
        "roadmap",
        ADMIN,
    )
    assert checkin.status == "answered"
    assert stored.assessment.period_key == "2025-W10"
    assert stored.assessment.criteria_version == 1  # all optional, adopted above
    assert stored.assessment.rubric_version == "2017"
    assert audit[0].actor == ADMIN
    assert audit[0].detail["stage_before"] == "research"


def test_the_audit_entry_of_a_submission_holds_no_note_text(world):
    team = world.team()
    world.submit(team, levels(), notes={"FD1": "secret plan"}, overall_note="confidential remark")
    with world.db.read() as session:
        entries = repo.list_audit(session, workspace_id=world.workspace)
    dumped = repr([entry.detail for entry in entries])
    assert "secret plan" not in dumped
    assert "confidential remark" not in dumped


def test_a_period_key_from_the_modal_is_used_only_when_the_team_has_that_check_in(world):
    team = world.team()
    with world.db.write() as session:
        repo.upsert_checkin(
            session,
            workspace_id=world.workspace,
            team_id=team.id,
            period_key="2025-W09",
            status="skipped",
            now=world.clock.now,
        )
    late = world.submit(team, levels(), period_key="2025-W09", key="late")
    forged = world.submit(team, levels(), period_key="1999-W01", key="forged")

    with world.db.read() as session:
        first = repo.get_assessment(
            session, workspace_id=world.workspace, assessment_id=late.assessment_id
        )
        second = repo.get_assessment(
            session, workspace_id=world.workspace, assessment_id=forged.assessment_id
        )
        checkin = repo.get_checkin(
            session, workspace_id=world.workspace, team_id=team.id, period_key="2025-W09"
        )
    assert first is not None
    assert second is not None
    assert checkin is not None
    assert first.assessment.period_key == "2025-W09"
    assert checkin.status == "answered"
    assert second.assessment.period_key == "2025-W10"


def test_the_same_submission_sent_at_once_from_several_threads_is_stored_once(world):
    team = world.team()
    state = answered_state(levels(FD1="manual"))
    barrier = threading.Barrier(4)
    results = []
    errors = []

    def submit_once():
        barrier.wait()
        try:
            results.append(
                world.services.submit(
                    world.actor(LEAD), world.directory, team.id, state, submission_key="V-dup"
                )
            )
        except Exception as error:  # collected to fail the test with the cause
            errors.append(error)

    threads = [threading.Thread(target=submit_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.assessment_id for r in results}) == 1
    assert stored_counts(world) == (1, 28)
