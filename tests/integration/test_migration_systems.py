"""The 0005_systems migration on a copy of a populated database (SQLite and PostgreSQL): each
team becomes a team with one system of its name and stage, every row of its history reads back
unchanged and belongs to that system, and going back down is refused once a team owns two."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import current_revision, downgrade, head_revision, upgrade
from rubric.model import Stage
from tests.support.database_copies import copy_database, copy_target, engine_for, table_contents

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PARENT = "0004_bot_files"
TABLES = (
    "workspaces",
    "teams",
    "stage_changes",
    "checkins",
    "assessments",
    "answers",
    "drafts",
    "criteria_versions",
    "deliveries",
    "audit_log",
    "bot_posts",
)
CHILDREN = ("stage_changes", "checkins", "assessments", "drafts", "bot_posts")

# What the code before systems stores: two workspaces, teams at different stages with stage
# changes, check-ins, assessments with answers and notes, a draft, a scorecard post, a delivery
# and audit entries. Assessment 9 was erased, so SQLite's counter stands past the rows left.
ROWS = [
    "INSERT INTO workspaces (id, slack_team_id, installed_at) VALUES"
    " (1, 'T1', :now), (2, 'T2', :now)",
    *(
        "INSERT INTO teams (id, workspace_id, name, name_key, channel_id, stage, rubric_id,"
        " language, cadence, weekday, local_time, tz, leads, archived, created_at) VALUES"
        f" ({n}, {ws}, '{name}', '{name.lower()}', 'C{n}', '{stage}', 'ml-test-score', 'es',"
        f" 'weekly', 2, '09:30', 'Europe/Madrid', '[\"U1\"]', {archived}, :now)"
        for n, ws, name, stage, archived in (
            (1, 1, "Vision", "production", "false"),
            (2, 1, "Ranking", "research", "false"),
            (3, 2, "Vision", "roadmap", "true"),
        )
    ),
    "INSERT INTO stage_changes (id, workspace_id, team_id, previous_stage, stage, changed_by,"
    " changed_at) VALUES (1, 1, 1, NULL, 'research', 'U1', :now),"
    " (2, 1, 2, NULL, 'research', 'U1', :now), (3, 1, 1, 'research', 'production', 'U2', :now),"
    " (4, 2, 3, NULL, 'roadmap', 'U9', :now)",
    "INSERT INTO checkins (id, workspace_id, team_id, period_key, status, channel_id,"
    " message_ts, created_at, updated_at) VALUES"
    " (1, 1, 1, '2025-W10', 'answered', 'C1', '1.1', :now, :now),"
    " (2, 1, 2, '2025-W10', 'open', 'C2', '1.2', :now, :now),"
    " (3, 2, 3, '2025-W10', 'skipped', NULL, NULL, :now, :now)",
    "INSERT INTO assessments (id, workspace_id, team_id, rubric_id, rubric_version,"
    " criteria_version, stage, period_key, submitted_by, submitted_at, note, submission_key)"
    " VALUES (1, 1, 1, 'ml-test-score', '2017', 1, 'research', '2025-W09', 'U1', :now, 'first',"
    " 'k1'), (2, 1, 1, 'ml-test-score', '2017', 1, 'production', '2025-W10', 'U2', :now, '',"
    " 'k2'), (3, 1, 2, 'ml-test-score', '2017', NULL, 'research', NULL, 'U3', :now, '', 'k3'),"
    " (9, 2, 3, 'ml-test-score', '2017', NULL, 'roadmap', NULL, 'U9', :now, '', 'k9')",
    "INSERT INTO answers (assessment_id, item_id, choice, note, note_by) VALUES"
    " (1, 'FD1', 'manual', 'by U1', 'U1'), (1, 'MD1', 'automated', '', NULL),"
    " (2, 'FD1', 'automated', 'by U1', 'U1'), (3, 'FD1', 'not_done', '', NULL),"
    " (9, 'FD1', 'manual', '', NULL)",
    "DELETE FROM answers WHERE assessment_id = 9",
    "DELETE FROM assessments WHERE id = 9",
    "INSERT INTO drafts (id, workspace_id, team_id, user_id, state, updated_at)"
    ' VALUES (1, 1, 2, \'U3\', \'{"stage": "research", "page": 1}\', :now)',
    "INSERT INTO criteria_versions (id, workspace_id, version, matrix, adopted_at, note)"
    " VALUES (1, 1, 1, '{}', :now, '')",
    "INSERT INTO bot_posts (id, workspace_id, team_id, channel_id, message_ts, author, kind,"
    " language, posted_at) VALUES (1, 1, 1, 'C1', '5.5', 'U1', 'scorecard', 'es', :now)",
    "INSERT INTO deliveries (id, workspace_id, target, kind, period_key, status, attempts,"
    " claimed_at, lease_until, sent_at, message_ts) VALUES (1, 1, 'team:1', 'checkin',"
    " '2025-W10', 'sent', 1, :now, :now, :now, '1.1')",
    "INSERT INTO audit_log (id, workspace_id, actor, action, target, detail, at) VALUES"
    " (1, 1, 'U2', 'team.stage_changed', 'team:1',"
    ' \'{"before": "research", "after": "production"}\', :now)',
]


# Columns of later revisions, left out when comparing rows.
# Columns later revisions add (evidence links: 0007_evidence).
WITHOUT = ("system_id", "evidence_url", "evidence_label")


@pytest.fixture
def copy_of(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Where the populated database is copied to, as an operator would before upgrading."""
    with copy_target(database_url, tmp_path) as url:
        yield url


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.fixture
def populated(database_url: str, copy_of: str) -> tuple[str, dict[str, list[tuple[str, ...]]]]:
    """A copy of a database filled at the parent revision, and what it held."""
    upgrade(database_url, PARENT)
    engine = engine_for(database_url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"now": NOW})
        if connection.dialect.name == "postgresql":
            for table in ("workspaces", "teams", "stage_changes", "checkins", "assessments"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 9)")
                )
    engine.dispose()
    before = table_contents(database_url, TABLES, without=WITHOUT)
    copy_database(database_url, copy_of)
    return copy_of, before


def test_each_team_becomes_one_system_and_its_history_reads_back_unchanged(
    populated: tuple[str, dict[str, list[tuple[str, ...]]]],
) -> None:
    url, before = populated

    upgrade(url)

    assert current_revision(url) == head_revision()
    assert table_contents(url, TABLES, without=WITHOUT) == before
    systems = _query(
        url,
        "SELECT id, workspace_id, team_id, name, name_key, stage, cadence, archived_at"
        " FROM systems ORDER BY id",
    )
    assert systems == [
        (1, 1, 1, "Vision", "vision", "production", None, None),
        (2, 1, 2, "Ranking", "ranking", "research", None, None),
        (3, 2, 3, "Vision", "vision", "roadmap", None, None),
    ]
    for table in CHILDREN:
        assert _query(url, f"SELECT COUNT(*) FROM {table} WHERE system_id <> team_id") == [(0,)]
        assert _query(url, f"SELECT COUNT(*) FROM {table} WHERE system_id IS NULL") == [(0,)]

    database = Database.from_url(url)
    try:
        with database.read() as session:
            latest = repo.latest_assessment(session, workspace_id=1, team_id=1)
            history = repo.stage_history(session, workspace_id=1, team_id=1)
            checkin = repo.get_checkin(session, workspace_id=1, team_id=2, period_key="2025-W10")
            draft = repo.get_draft(session, workspace_id=1, team_id=2, user_id="U3")
        assert latest is not None
        assert (latest.id, latest.assessment.system_id) == (2, 1)
        assert [(a.item_id, a.choice, a.note_by) for a in latest.answers] == [
            ("FD1", "automated", "U1")
        ]
        assert [(c.previous_stage, c.stage) for c in history] == [
            (None, "research"),
            ("research", "production"),
        ]
        assert checkin is not None
        assert checkin.status == "open"
        assert draft is not None
        assert draft.state == {"stage": "research", "page": 1}

        with database.write() as session:
            # Ids erased before the migration are not handed out again.
            saved = repo.save_assessment(
                session,
                workspace_id=1,
                team_id=1,
                rubric_id="ml-test-score",
                rubric_version="2017",
                criteria_version=None,
                stage=Stage.PRODUCTION,
                answers=[("FD1", "manual", "")],
                submitted_by="U1",
                submitted_at=NOW,
                submission_key="after",
            )
            second = repo.create_system(
                session, workspace_id=1, team_id=1, name="Fraud", stage=Stage.RESEARCH, now=NOW
            )
        assert saved.id > 9
        assert second.id is not None
        assert second.id > 3
    finally:
        database.dispose()


def test_going_back_down_keeps_every_row_while_each_team_has_one_system(
    populated: tuple[str, dict[str, list[tuple[str, ...]]]],
) -> None:
    url, before = populated
    upgrade(url)

    downgrade(url, PARENT)

    assert current_revision(url) == PARENT
    assert table_contents(url, TABLES, without=WITHOUT) == before
    assert "systems" not in inspect(engine_for(url)).get_table_names()


def test_going_back_down_is_refused_once_a_team_owns_two_systems(
    populated: tuple[str, dict[str, list[tuple[str, ...]]]],
) -> None:
    url, _ = populated
    upgrade(url)
    database = Database.from_url(url)
    try:
        with database.write() as session:
            repo.create_system(
                session, workspace_id=1, team_id=2, name="Fraud", stage=Stage.ROADMAP, now=NOW
            )
    finally:
        database.dispose()
    in_use = table_contents(url, TABLES, without=WITHOUT)

    with pytest.raises(RuntimeError, match=r"Ranking \(2 systems\)"):
        downgrade(url, PARENT)

    assert current_revision(url) == head_revision()
    assert table_contents(url, TABLES, without=WITHOUT) == in_use
