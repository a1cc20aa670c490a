"""Assessments: idempotent submit, scorecard, history, latest per team, without N+1 queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.errors import NotFound
from rubric.model import Answer, Stage

ITEMS = ("FD1", "FD2", "MD1", "I1", "Mo1")


def _workspace_with_teams(
    db: Database, now: datetime, names: tuple[str, ...]
) -> tuple[int, list[int]]:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T1", now=now)
        assert workspace.id is not None
        ids = []
        for name in names:
            team = repo.create_team(
                session,
                workspace_id=workspace.id,
                name=name,
                stage=Stage.ROADMAP,
                rubric_id="ml-test-score",
                now=now,
            )
            assert team.id is not None
            ids.append(team.id)
        return workspace.id, ids


def _submit(
    db: Database, workspace_id: int, team_id: int, when: datetime, choice: str, key: str
) -> repo.SavedAssessment:
    with db.write() as session:
        return repo.save_assessment(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            rubric_id="ml-test-score",
            rubric_version="2017",
            criteria_version=1,
            stage=Stage.ROADMAP,
            answers=[(item, choice, f"note {item}") for item in ITEMS],
            note=f"week of {when:%Y-%m-%d}",
            submitted_by="U1",
            submitted_at=when,
            period_key=f"{when:%G-W%V}",
            submission_key=key,
        )


@contextmanager
def _count_queries(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_repeated_submission_key_returns_the_first_assessment(
    db: Database, now: datetime
) -> None:
    workspace_id, (team_id,) = _workspace_with_teams(db, now, ("Vision",))
    first = _submit(db, workspace_id, team_id, now, "manual", key="view-123")
    again = _submit(db, workspace_id, team_id, now + timedelta(seconds=1), "automated", "view-123")
    assert first.created is True
    assert again == repo.SavedAssessment(first.id, created=False)
    with db.read() as session:
        history = repo.assessment_history(session, workspace_id=workspace_id, team_id=team_id)
    assert len(history) == 1
    assert {a.choice for a in history[0].answers} == {"manual"}


def test_answers_store_the_choice_and_note_not_points(db: Database, now: datetime) -> None:
    workspace_id, (team_id,) = _workspace_with_teams(db, now, ("Vision",))
    with db.write() as session:
        saved = repo.save_assessment(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            rubric_id="seed-deck",
            rubric_version="1",
            criteria_version=None,
            stage=Stage.RESEARCH,
            answers=[Answer(item_id="FD1", choice="7", note="mostly"), ("FD2", "3", "")],
            submitted_by="U2",
            submitted_at=now,
            submission_key="k1",
        )
    with db.read() as session:
        record = repo.get_assessment(session, workspace_id=workspace_id, assessment_id=saved.id)
    assert record is not None
    snapshot = record.snapshot()
    assert snapshot.stage is Stage.RESEARCH
    assert snapshot.answers["FD1"] == Answer(item_id="FD1", choice="7", note="mostly")
    assert snapshot.choice("FD2") == "3"


def test_scorecard_gives_latest_and_previous(db: Database, now: datetime) -> None:
    workspace_id, (team_id,) = _workspace_with_teams(db, now, ("Vision",))
    choices = ["not_done", "manual", "automated"]
    ids = [
        _submit(db, workspace_id, team_id, now + timedelta(weeks=i), choice, f"k{i}").id
        for i, choice in enumerate(choices)
    ]
    with db.read() as session:
        latest = repo.latest_assessment(session, workspace_id=workspace_id, team_id=team_id)
        recent = repo.recent_assessments(session, workspace_id=workspace_id, team_id=team_id)
        assert latest is not None
        previous = repo.previous_assessment(
            session, workspace_id=workspace_id, team_id=team_id, before=latest.assessment
        )
        first = repo.previous_assessment(
            session, workspace_id=workspace_id, team_id=team_id, before=ids[1]
        )
        none = repo.previous_assessment(
            session, workspace_id=workspace_id, team_id=team_id, before=ids[0]
        )
    assert latest.id == ids[2]
    assert [a.choice for a in latest.answers] == ["automated"] * len(ITEMS)
    assert [r.id for r in recent] == [ids[2], ids[1]]
    assert previous is not None
    assert previous.id == ids[1]
    assert first is not None
    assert first.id == ids[0]
    assert none is None


def test_same_instant_assessments_are_ordered_by_id(db: Database, now: datetime) -> None:
    workspace_id, (team_id,) = _workspace_with_teams(db, now, ("Vision",))
    a = _submit(db, workspace_id, team_id, now, "manual", "a").id
    b = _submit(db, workspace_id, team_id, now, "automated", "b").id
    with db.read() as session:
        latest = repo.latest_assessment(session, workspace_id=workspace_id, team_id=team_id)
        assert latest is not None
        previous = repo.previous_assessment(
            session, workspace_id=workspace_id, team_id=team_id, before=b
        )
    assert latest.id == b
    assert previous is not None
    assert previous.id == a


def test_history_is_oldest_first_and_loads_answers_in_one_query(
    db: Database, now: datetime
) -> None:
    workspace_id, (team_id,) = _workspace_with_teams(db, now, ("Vision",))
    for week in range(10):
        _submit(db, workspace_id, team_id, now + timedelta(weeks=week), "manual", f"k{week}")
    with db.read() as session, _count_queries(db) as queries:
        history = repo.assessment_history(session, workspace_id=workspace_id, team_id=team_id)
        last_four = repo.assessment_history(
            session, workspace_id=workspace_id, team_id=team_id, limit=4
        )
    assert len(queries) == 4  # two per call: assessments, then all their answers
    submitted = [record.assessment.submitted_at for record in history]
    assert submitted == sorted(submitted)
    assert len(history) == 10
    assert all(len(record.answers) == len(ITEMS) for record in history)
    assert [r.id for r in last_four] == [r.id for r in history[-4:]]


def test_latest_assessments_for_teams_in_constant_queries(db: Database, now: datetime) -> None:
    names = tuple(f"team-{n}" for n in range(6))
    workspace_id, team_ids = _workspace_with_teams(db, now, names)
    expected_latest = {}
    for position, team_id in enumerate(team_ids[:5]):  # the last team never submits
        for week in range(position + 1):
            saved = _submit(
                db,
                workspace_id,
                team_id,
                now + timedelta(weeks=week),
                "manual",
                f"{team_id}-{week}",
            )
        expected_latest[team_id] = saved.id
    with db.read() as session, _count_queries(db) as queries:
        latest = repo.latest_assessments_for_teams(session, workspace_id=workspace_id, count=2)
    assert len(queries) == 3
    assert set(latest) == set(team_ids[:5])
    assert {team: records[0].id for team, records in latest.items()} == expected_latest
    assert [len(latest[team]) for team in team_ids[:5]] == [1, 2, 2, 2, 2]
    assert all(len(r.answers) == len(ITEMS) for records in latest.values() for r in records)
    with db.read() as session:
        some = repo.latest_assessments_for_teams(
            session, workspace_id=workspace_id, team_ids=team_ids[1:3]
        )
    assert set(some) == set(team_ids[1:3])
    assert all(len(records) == 1 for records in some.values())


def test_saving_for_an_unknown_team_fails(db: Database, now: datetime) -> None:
    workspace_id, _ = _workspace_with_teams(db, now, ("Vision",))
    with pytest.raises(NotFound):
        _submit(db, workspace_id, 4242, now, "manual", "k")
