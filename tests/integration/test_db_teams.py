"""Teams, schedules, stage history, check-ins and drafts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.errors import AlreadyExists, NotFound
from rubric.model import Stage


def _setup(db: Database, now: datetime) -> tuple[int, int]:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id="T1", now=now)
        assert workspace.id is not None
        team = repo.create_team(
            session,
            workspace_id=workspace.id,
            name="Vision",
            stage=Stage.RESEARCH,
            rubric_id="ml-test-score",
            channel_id="C1",
            leads=["U1"],
            created_by="U1",
            now=now,
        )
        assert team.id is not None
        return workspace.id, team.id


def test_ensure_workspace_is_idempotent_and_keeps_enterprise(db: Database, now: datetime) -> None:
    with db.write() as session:
        first = repo.ensure_workspace(session, slack_team_id="T1", enterprise_id="E1", now=now)
        again = repo.ensure_workspace(session, slack_team_id="T1", now=now + timedelta(days=1))
        assert again.id == first.id
        assert again.enterprise_id == "E1"
        assert again.installed_at == now
    with db.read() as session:
        assert len(repo.list_workspaces(session)) == 1


def test_team_names_are_unique_ignoring_case(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.read() as session:
        found = repo.get_team_by_name(session, workspace_id=workspace_id, name="  VISION ")
        assert found is not None
        assert found.id == team_id
        assert found.name == "Vision"
    with pytest.raises(AlreadyExists), db.write() as session:
        repo.create_team(
            session,
            workspace_id=workspace_id,
            name="vision",
            stage=Stage.RESEARCH,
            rubric_id="ml-test-score",
            now=now,
        )


def test_stage_changes_are_recorded_in_order(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.write() as session:
        repo.update_team(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            stage=Stage.ROADMAP,
            changed_by="U2",
            now=now + timedelta(days=30),
        )
        # same stage again: no new history entry
        repo.update_team(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            stage=Stage.ROADMAP,
            changed_by="U2",
            now=now + timedelta(days=31),
        )
        repo.update_team(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            stage=Stage.PRODUCTION,
            channel_id=None,
            changed_by="U3",
            now=now + timedelta(days=60),
        )
    with db.read() as session:
        history = repo.stage_history(session, workspace_id=workspace_id, team_id=team_id)
        team = repo.get_team(session, workspace_id=workspace_id, team_id=team_id)
    assert [(h.previous_stage, h.stage, h.changed_by) for h in history] == [
        (None, "research", "U1"),
        ("research", "roadmap", "U2"),
        ("roadmap", "production", "U3"),
    ]
    assert team is not None
    assert team.stage == "production"
    assert team.channel_id is None
    assert team.leads == ["U1"]


def test_schedule_language_pause_and_archive(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.write() as session:
        repo.set_schedule(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            cadence="biweekly",
            weekday=2,
            local_time="09:30",
            tz="Europe/Madrid",
        )
        repo.set_language(session, workspace_id=workspace_id, team_id=team_id, language="es")
        repo.set_paused_until(
            session, workspace_id=workspace_id, team_id=team_id, paused_until=date(2025, 4, 1)
        )
    with db.read() as session:
        team = repo.get_team(session, workspace_id=workspace_id, team_id=team_id)
        assert team is not None
        assert (team.cadence, team.weekday, team.local_time, team.tz) == (
            "biweekly",
            2,
            "09:30",
            "Europe/Madrid",
        )
        assert team.language == "es"
        assert team.paused_until == date(2025, 4, 1)
    with db.write() as session:
        repo.archive_team(session, workspace_id=workspace_id, team_id=team_id)
    with db.read() as session:
        assert repo.list_teams(session, workspace_id=workspace_id) == []
        archived = repo.list_teams(session, workspace_id=workspace_id, include_archived=True)
        assert [t.id for t in archived] == [team_id]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cadence", "daily", "cadence"),
        ("weekday", 7, "weekday"),
        ("local_time", "9:00", "HH:MM"),
        ("local_time", "24:00", "HH:MM"),
        ("tz", "Mars/Olympus", "time zone"),
    ],
)
def test_wrong_schedule_values_are_refused_with_the_field_named(
    db: Database, now: datetime, field: str, value: object, message: str
) -> None:
    workspace_id, team_id = _setup(db, now)
    schedule: dict[str, object] = {
        "cadence": "weekly",
        "weekday": 0,
        "local_time": "10:00",
        "tz": "UTC",
        field: value,
    }
    with pytest.raises(ValueError, match=message), db.write() as session:
        repo.set_schedule(session, workspace_id=workspace_id, team_id=team_id, **schedule)  # type: ignore[arg-type]


def test_team_by_channel_is_none_when_ambiguous(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.read() as session:
        found = repo.get_team_by_channel(session, workspace_id=workspace_id, channel_id="C1")
        assert found is not None
        assert found.id == team_id
    with db.write() as session:
        repo.create_team(
            session,
            workspace_id=workspace_id,
            name="Ranking",
            stage=Stage.PRODUCTION,
            rubric_id="ml-test-score",
            channel_id="C1",
            now=now,
        )
    with db.read() as session:
        assert repo.get_team_by_channel(session, workspace_id=workspace_id, channel_id="C1") is None
        assert len(repo.list_teams(session, workspace_id=workspace_id, channel_id="C1")) == 2


def test_checkins_are_one_per_team_and_period(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.write() as session:
        repo.upsert_checkin(
            session, workspace_id=workspace_id, team_id=team_id, period_key="2025-W10", now=now
        )
        repo.upsert_checkin(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            period_key="2025-W10",
            channel_id="C1",
            message_ts="1700000000.000100",
            now=now,
        )
        repo.mark_checkin(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            period_key="2025-W11",
            status="skipped",
            now=now,
        )
    with db.read() as session:
        checkins = repo.list_checkins(session, workspace_id=workspace_id, team_id=team_id)
    assert [(c.period_key, c.status, c.message_ts) for c in checkins] == [
        ("2025-W10", "open", "1700000000.000100"),
        ("2025-W11", "skipped", None),
    ]
    with pytest.raises(ValueError, match="status"), db.write() as session:
        repo.mark_checkin(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            period_key="2025-W12",
            status="lost",
            now=now,
        )


def test_drafts_are_saved_replaced_and_deleted(db: Database, now: datetime) -> None:
    workspace_id, team_id = _setup(db, now)
    with db.write() as session:
        repo.save_draft(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            user_id="U1",
            state={"FD1": "manual"},
            now=now,
        )
        repo.save_draft(
            session,
            workspace_id=workspace_id,
            team_id=team_id,
            user_id="U1",
            state={"FD1": "automated", "FD2": "manual"},
            now=now + timedelta(minutes=1),
        )
    with db.read() as session:
        draft = repo.get_draft(session, workspace_id=workspace_id, team_id=team_id, user_id="U1")
        assert draft is not None
        assert draft.state == {"FD1": "automated", "FD2": "manual"}
        assert draft.updated_at == now + timedelta(minutes=1)
    with db.write() as session:
        kwargs = {"workspace_id": workspace_id, "team_id": team_id, "user_id": "U1"}
        assert repo.delete_draft(session, **kwargs) is True
        assert repo.delete_draft(session, **kwargs) is False


def test_unknown_team_raises_not_found(db: Database, now: datetime) -> None:
    workspace_id, _ = _setup(db, now)
    with pytest.raises(NotFound), db.write() as session:
        repo.set_language(session, workspace_id=workspace_id, team_id=9999, language="es")
