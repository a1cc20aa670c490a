"""No repository reads or writes another workspace's rows, given that workspace's ids."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.erase import erase_team
from bot.db.errors import NotFound
from bot.db.export import export_data
from bot.db.tables import Assessment
from rubric.model import Requirement, Stage


def _two_workspaces(db: Database, now: datetime) -> tuple[int, int, int, int]:
    """(ours, theirs, their team, their assessment)."""
    with db.write() as session:
        ours = repo.ensure_workspace(session, slack_team_id="T-OURS", now=now).id
        theirs = repo.ensure_workspace(session, slack_team_id="T-THEIRS", now=now).id
        assert ours is not None
        assert theirs is not None
        team = repo.create_team(
            session,
            workspace_id=theirs,
            name="Secret",
            stage=Stage.PRODUCTION,
            rubric_id="ml-test-score",
            channel_id="C-THEIRS",
            now=now,
        )
        assert team.id is not None
        saved = repo.save_assessment(
            session,
            workspace_id=theirs,
            team_id=team.id,
            rubric_id="ml-test-score",
            rubric_version="2017",
            criteria_version=None,
            stage=Stage.PRODUCTION,
            answers=[("FD1", "automated", "private note")],
            submitted_by="U-THEM",
            submitted_at=now,
            submission_key="theirs-1",
        )
        repo.save_draft(
            session, workspace_id=theirs, team_id=team.id, user_id="U-THEM", state={"a": 1}, now=now
        )
        repo.upsert_checkin(session, workspace_id=theirs, team_id=team.id, period_key="P1", now=now)
        repo.adopt_criteria(
            session, workspace_id=theirs, matrix={"FD1": {}}, adopted_by="U-THEM", adopted_at=now
        )
        repo.open_survey_round(session, workspace_id=theirs, opened_by="U-THEM", now=now)
        repo.claim_delivery(
            session, workspace_id=theirs, target="team:1", kind="checkin", period_key="P1", now=now
        )
        repo.append_audit(session, workspace_id=theirs, actor="U-THEM", action="x", at=now)
        return ours, theirs, team.id, saved.id


def test_reads_with_another_workspaces_ids_find_nothing(db: Database, now: datetime) -> None:
    ours, _, their_team, their_assessment = _two_workspaces(db, now)
    with db.read() as session:
        assert repo.get_team(session, workspace_id=ours, team_id=their_team) is None
        assert repo.get_team_by_name(session, workspace_id=ours, name="Secret") is None
        assert repo.get_team_by_channel(session, workspace_id=ours, channel_id="C-THEIRS") is None
        assert repo.list_teams(session, workspace_id=ours, include_archived=True) == []
        assert repo.stage_history(session, workspace_id=ours, team_id=their_team) == []
        assert repo.latest_assessment(session, workspace_id=ours, team_id=their_team) is None
        assert repo.recent_assessments(session, workspace_id=ours, team_id=their_team) == []
        assert repo.assessment_history(session, workspace_id=ours, team_id=their_team) == []
        assert (
            repo.get_assessment(session, workspace_id=ours, assessment_id=their_assessment) is None
        )
        assert repo.latest_assessments_for_teams(session, workspace_id=ours) == {}
        assert (
            repo.latest_assessments_for_teams(session, workspace_id=ours, team_ids=[their_team])
            == {}
        )
        with pytest.raises(NotFound):
            repo.previous_assessment(
                session, workspace_id=ours, team_id=their_team, before=their_assessment
            )
        assert (
            repo.get_draft(session, workspace_id=ours, team_id=their_team, user_id="U-THEM") is None
        )
        assert repo.list_checkins(session, workspace_id=ours, team_id=their_team) == []
        assert repo.current_criteria(session, workspace_id=ours) is None
        assert repo.get_open_survey_round(session, workspace_id=ours) is None
        assert repo.pending_deliveries(session, workspace_id=ours) == []
        assert repo.list_audit(session, workspace_id=ours) == []
        assert repo.get_installation(session, workspace_id=ours) is None
        with pytest.raises(NotFound):
            export_data(session, workspace_id=ours, team_id=their_team)
        exported = export_data(session, workspace_id=ours)
        assert all(rows == [] for name, rows in exported.items() if name != "workspaces")


def test_writes_with_another_workspaces_ids_are_refused(db: Database, now: datetime) -> None:
    ours, theirs, their_team, their_assessment = _two_workspaces(db, now)
    common = {"workspace_id": ours, "team_id": their_team}
    attempts = [
        lambda s: repo.update_team(s, **common, stage=Stage.RESEARCH, changed_by="U", now=now),
        lambda s: repo.set_language(s, **common, language="es"),
        lambda s: repo.set_schedule(
            s, **common, cadence="off", weekday=0, local_time="10:00", tz="UTC"
        ),
        lambda s: repo.set_paused_until(s, **common, paused_until=None),
        lambda s: repo.archive_team(s, **common),
        lambda s: repo.save_assessment(
            s,
            **common,
            rubric_id="r",
            rubric_version="1",
            criteria_version=None,
            stage=Stage.RESEARCH,
            answers=[],
            submitted_by="U",
            submitted_at=now,
            submission_key="ours-1",
        ),
        lambda s: repo.save_draft(s, **common, user_id="U", state={}, now=now),
        lambda s: repo.upsert_checkin(s, **common, period_key="P2", now=now),
        lambda s: repo.save_votes(
            s,
            workspace_id=ours,
            round_id=1,
            user_id="U",
            votes=[repo.VoteInput("FD1", Stage.RESEARCH, Requirement.OPTIONAL)],
            now=now,
        ),
        lambda s: repo.close_survey_round(s, workspace_id=ours, round_id=1, now=now),
        lambda s: repo.mark_delivery_sent(
            s, workspace_id=ours, target="team:1", kind="checkin", period_key="P1", now=now
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound), db.write() as session:
            attempt(session)
    with db.write() as session:
        assert repo.delete_draft(session, **common, user_id="U-THEM") is False
        assert erase_team(session, **common) == {}
        assert repo.delete_installation(session, workspace_id=ours) is False
    with db.read() as session:
        team = repo.get_team(session, workspace_id=theirs, team_id=their_team)
        assert team is not None
        assert (team.stage, team.language, team.archived) == ("production", "en", False)
        assert repo.get_draft(session, workspace_id=theirs, team_id=their_team, user_id="U-THEM")
        history = repo.assessment_history(session, workspace_id=theirs, team_id=their_team)
        assert [r.id for r in history] == [their_assessment]
        survey = repo.get_open_survey_round(session, workspace_id=theirs)
        assert survey is not None
        assert repo.survey_votes(session, workspace_id=theirs, round_id=survey.id or 0) == []
        assert len(repo.pending_deliveries(session, workspace_id=theirs)) == 1


def test_the_database_refuses_a_row_that_mixes_workspaces(db: Database, now: datetime) -> None:
    ours, _, their_team, _ = _two_workspaces(db, now)

    # Even bypassing the repositories, (workspace, team) must name a team of that workspace.
    def sneak_in() -> None:
        with db.write() as session:
            session.add(sneaky)
            session.flush()

    sneaky = Assessment(
        workspace_id=ours,
        team_id=their_team,
        rubric_id="r",
        rubric_version="1",
        stage="research",
        submitted_by="U",
        submitted_at=now + timedelta(days=1),
        submission_key="sneaky",
    )
    with pytest.raises(IntegrityError):
        sneak_in()
