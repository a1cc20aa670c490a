"""Criteria versions, survey rounds and votes, and OAuth installations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.errors import Closed
from rubric.model import Requirement, Stage

MATRIX = {"FD1": {"research": "optional", "roadmap": "mandatory", "production": "mandatory"}}


def _workspace(db: Database, now: datetime) -> int:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T1", now=now)
        assert workspace.id is not None
        return workspace.id


def test_each_adoption_is_a_new_version(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    with db.read() as session:
        assert repo.current_criteria(session, workspace_id=workspace_id) is None
    with db.write() as session:
        first = repo.adopt_criteria(
            session, workspace_id=workspace_id, matrix=MATRIX, adopted_by="U1", adopted_at=now
        )
        second = repo.adopt_criteria(
            session,
            workspace_id=workspace_id,
            matrix={"FD1": {**MATRIX["FD1"], "research": "mandatory"}},
            adopted_by="U2",
            adopted_at=now + timedelta(days=1),
            note="survey round 1",
            survey_round_id=1,
        )
    assert (first.version, second.version) == (1, 2)
    with db.read() as session:
        current = repo.current_criteria(session, workspace_id=workspace_id)
        assert current is not None
        assert current.version == 2
        assert current.matrix["FD1"]["research"] == "mandatory"
        old = repo.get_criteria_version(session, workspace_id=workspace_id, version=1)
        assert old is not None
        assert old.matrix == MATRIX
        history = repo.criteria_history(session, workspace_id=workspace_id)
        assert [(c.version, c.adopted_by) for c in history] == [(1, "U1"), (2, "U2")]


def test_one_open_round_and_votes_that_can_change(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    with db.write() as session:
        survey, created = repo.open_survey_round(
            session, workspace_id=workspace_id, opened_by="U1", now=now, anonymous=False
        )
        again, created_again = repo.open_survey_round(
            session, workspace_id=workspace_id, opened_by="U2", now=now
        )
    assert created is True
    assert created_again is False
    assert again.id == survey.id
    assert survey.id is not None
    assert survey.anonymous is False
    round_id = survey.id

    def vote(user: str, requirement: Requirement, comment: str = "") -> None:
        with db.write() as session:
            repo.save_votes(
                session,
                workspace_id=workspace_id,
                round_id=round_id,
                user_id=user,
                votes=[
                    repo.VoteInput("FD1", Stage.RESEARCH, requirement, comment),
                    repo.VoteInput("FD1", Stage.PRODUCTION, Requirement.MANDATORY),
                ],
                now=now,
            )

    vote("U1", Requirement.OPTIONAL)
    vote("U2", Requirement.POOR_VALUE)
    vote("U1", Requirement.MANDATORY, "changed my mind")
    with db.read() as session:
        votes = repo.survey_votes(session, workspace_id=workspace_id, round_id=round_id)
        mine = repo.survey_votes(
            session, workspace_id=workspace_id, round_id=round_id, user_id="U1"
        )
    assert [(v.stage, v.user_id, v.requirement) for v in votes] == [
        ("production", "U1", "mandatory"),
        ("production", "U2", "mandatory"),
        ("research", "U1", "mandatory"),
        ("research", "U2", "poor_value"),
    ]
    assert {v.comment for v in mine} == {"changed my mind", ""}

    with db.write() as session:
        closed = repo.close_survey_round(
            session, workspace_id=workspace_id, round_id=round_id, now=now
        )
        assert (closed.status, closed.closed_at) == ("closed", now)
    with pytest.raises(Closed):
        vote("U3", Requirement.OPTIONAL)
    with db.write() as session:
        assert repo.get_open_survey_round(session, workspace_id=workspace_id) is None
        newer, created = repo.open_survey_round(
            session, workspace_id=workspace_id, opened_by="U1", now=now
        )
        assert created is True
        assert newer.id != round_id
        assert [r.id for r in repo.list_survey_rounds(session, workspace_id=workspace_id)] == [
            newer.id,
            round_id,
        ]


def test_installations_store_ciphertext_and_a_reinstall_replaces_it(
    db: Database, now: datetime
) -> None:
    workspace_id = _workspace(db, now)
    with db.write() as session:
        repo.save_installation(
            session,
            workspace_id=workspace_id,
            bot_user_id="UBOT",
            bot_token_encrypted=b"\x00cipher-1",
            bot_scopes="chat:write,commands",
            installed_by="U1",
            installed_at=now,
        )
        repo.save_installation(
            session,
            workspace_id=workspace_id,
            bot_user_id="UBOT2",
            bot_token_encrypted=b"\x00cipher-2",
            bot_scopes="chat:write",
            installed_at=now + timedelta(days=1),
        )
    with db.read() as session:
        installation = repo.get_installation(session, workspace_id=workspace_id)
    assert installation is not None
    assert installation.slack_team_id == "T1"
    assert bytes(installation.bot_token_encrypted) == b"\x00cipher-2"
    assert (installation.bot_user_id, installation.installed_by) == ("UBOT2", None)
    assert installation.installed_at == now + timedelta(days=1)
    with db.write() as session:
        assert repo.delete_installation(session, workspace_id=workspace_id) is True
        assert repo.get_installation(session, workspace_id=workspace_id) is None


def test_audit_entries_are_listed_newest_first(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    with db.write() as session:
        for minute, action in enumerate(["team.create", "criteria.set", "team.stage"]):
            repo.append_audit(
                session,
                workspace_id=workspace_id,
                actor="U1",
                action=action,
                target="team:1",
                detail={"minute": minute},
                at=now + timedelta(minutes=minute),
            )
    with db.read() as session:
        entries = repo.list_audit(session, workspace_id=workspace_id)
        only = repo.list_audit(session, workspace_id=workspace_id, action="criteria.set")
    assert [e.action for e in entries] == ["team.stage", "criteria.set", "team.create"]
    assert [e.detail for e in only] == [{"minute": 1}]
