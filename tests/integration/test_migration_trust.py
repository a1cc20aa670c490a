"""The 0002_trust and 0003_channel_privacy migrations on a copy of a populated database (SQLite
and PostgreSQL): every row survives, ids are never handed out again (also ids erased before the
migration), channel privacy starts unknown, and each goes back down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import current_revision, downgrade, head_revision, upgrade
from rubric.model import Stage
from tests.support.database_copies import copy_database, copy_target, engine_for, table_contents

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TABLES = (
    "workspaces",
    "teams",
    "stage_changes",
    "checkins",
    "assessments",
    "answers",
    "drafts",
    "criteria_versions",
    "survey_rounds",
    "survey_votes",
    "deliveries",
    "audit_log",
)

# A workspace as 0001 left it: two teams with history, and a third one erased (only the audit
# entry of its erasure names it, as bot.db.erase leaves it).
ROWS = [
    "INSERT INTO workspaces (id, slack_team_id, installed_at) VALUES (1, 'T1', :now)",
    *(
        "INSERT INTO teams (id, workspace_id, name, name_key, channel_id, stage, rubric_id,"
        " language, cadence, weekday, local_time, tz, leads, archived, created_at) VALUES"
        f" ({n}, 1, '{name}', '{name.lower()}', 'C{n}', 'research', 'ml-test-score', 'en',"
        " 'weekly', 0, '10:00', 'UTC', '[]', false, :now)"
        for n, name in ((1, "Vision"), (2, "Ranking"))
    ),
    "INSERT INTO stage_changes (id, workspace_id, team_id, stage, changed_at)"
    " VALUES (1, 1, 1, 'research', :now), (2, 1, 2, 'research', :now)",
    "INSERT INTO checkins (id, workspace_id, team_id, period_key, status, created_at,"
    " updated_at) VALUES (1, 1, 1, '2025-W10', 'answered', :now, :now)",
    "INSERT INTO assessments (id, workspace_id, team_id, rubric_id, rubric_version, stage,"
    " period_key, submitted_by, submitted_at, note, submission_key) VALUES"
    " (1, 1, 1, 'ml-test-score', '2017', 'research', '2025-W10', 'U1', :now, 'overall', 'k1'),"
    " (2, 1, 1, 'ml-test-score', '2017', 'research', '2025-W11', 'U2', :now, '', 'k2')",
    "INSERT INTO answers (assessment_id, item_id, choice, note) VALUES"
    " (1, 'FD1', 'manual', 'by U1'), (2, 'FD1', 'manual', 'by U1')",
    "INSERT INTO drafts (id, workspace_id, team_id, user_id, state, updated_at)"
    " VALUES (1, 1, 2, 'U3', '{\"stage\": \"research\"}', :now)",
    "INSERT INTO criteria_versions (id, workspace_id, version, matrix, adopted_at, note)"
    " VALUES (1, 1, 1, '{}', :now, '')",
    "INSERT INTO survey_rounds (id, workspace_id, status, anonymous, opened_by, opened_at)"
    " VALUES (1, 1, 'closed', true, 'U1', :now)",
    "INSERT INTO survey_votes (id, workspace_id, round_id, user_id, item_id, stage,"
    " requirement, comment, updated_at) VALUES (1, 1, 1, 'U1', 'FD1', 'research',"
    " 'optional', 'cheap', :now)",
    "INSERT INTO deliveries (id, workspace_id, target, kind, period_key, status, attempts,"
    " claimed_at, lease_until) VALUES (1, 1, 'team:1', 'checkin', '2025-W10', 'sent', 1,"
    " :now, :now)",
    "INSERT INTO audit_log (id, workspace_id, actor, action, target, detail, at) VALUES"
    " (7, 1, 'UADMIN', 'team.erased', 'team:3', '{\"name\": \"Old\"}', :now)",
]


# Columns of later revisions, left out when comparing rows.
# Columns later revisions add (evidence links: 0007_evidence).
WITHOUT = ("note_by", "channel_private", "system_id", "evidence_url", "evidence_label")


@pytest.fixture
def copy_of(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Where the populated database is copied to, as an operator would before upgrading."""
    with copy_target(database_url, tmp_path) as url:
        yield url


def test_a_populated_database_is_carried_over_and_ids_are_never_reused(
    database_url: str, copy_of: str
) -> None:
    upgrade(database_url, "0001_initial")
    engine = engine_for(database_url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"now": NOW})
    engine.dispose()
    before = table_contents(database_url, TABLES, without=WITHOUT)
    copy_database(database_url, copy_of)

    upgrade(copy_of, "0002_trust")
    assert current_revision(copy_of) == "0002_trust"
    assert table_contents(copy_of, TABLES, without=WITHOUT) == before
    upgrade(copy_of)

    assert current_revision(copy_of) == head_revision()
    assert table_contents(copy_of, TABLES, without=WITHOUT) == before
    database = Database.from_url(copy_of)
    try:
        with database.write() as session:
            fresh = repo.create_team(
                session, workspace_id=1, name="Fresh", stage=Stage.RESEARCH, rubric_id="r", now=NOW
            )
            stored = repo.get_assessment(session, workspace_id=1, assessment_id=2)
        assert fresh.id is not None
        # Past the erased team 3 too, which no row but the audit entry names any more.
        assert fresh.id > 3
        assert stored is not None
        assert [answer.note_by for answer in stored.answers] == [None]
        with database.write() as session:
            session.execute(text("DELETE FROM stage_changes WHERE team_id = :id"), {"id": fresh.id})
            session.execute(text("DELETE FROM systems WHERE team_id = :id"), {"id": fresh.id})
            session.execute(text("DELETE FROM teams WHERE id = :id"), {"id": fresh.id})
        with database.write() as session:
            again = repo.create_team(
                session, workspace_id=1, name="Again", stage=Stage.RESEARCH, rubric_id="r", now=NOW
            )
        assert again.id is not None
        assert again.id > fresh.id
    finally:
        database.dispose()

    in_use = table_contents(copy_of, TABLES, without=WITHOUT)
    downgrade(copy_of, "0001_initial")
    assert table_contents(copy_of, TABLES, without=WITHOUT) == in_use


def test_teams_bound_before_channel_privacy_was_stored_keep_every_row_as_unknown(
    database_url: str, copy_of: str
) -> None:
    upgrade(database_url, "0001_initial")
    engine = engine_for(database_url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"now": NOW})
    engine.dispose()
    upgrade(database_url, "0002_trust")
    before = table_contents(database_url, TABLES, without=WITHOUT)
    copy_database(database_url, copy_of)

    upgrade(copy_of, "0003_channel_privacy")

    assert current_revision(copy_of) == "0003_channel_privacy"
    engine = engine_for(copy_of)
    try:
        with engine.connect() as connection:
            privacy = connection.execute(text("SELECT id, channel_private FROM teams ORDER BY id"))
            assert [tuple(row) for row in privacy] == [(1, None), (2, None)]
    finally:
        engine.dispose()
    upgrade(copy_of)  # today's repositories write today's schema
    database = Database.from_url(copy_of)
    try:
        with database.write() as session:
            repo.set_channel_private(session, workspace_id=1, channel_id="C1", private=True)
            fresh = repo.create_team(
                session, workspace_id=1, name="Fresh", stage=Stage.RESEARCH, rubric_id="r", now=NOW
            )
        assert fresh.id is not None
        assert fresh.id > 3
        with database.read() as session:
            vision = repo.get_team(session, workspace_id=1, team_id=1)
            assert vision is not None
            assert vision.channel_private is True
    finally:
        database.dispose()

    in_use = table_contents(copy_of, TABLES, without=WITHOUT)
    # Every row is carried over; only the new team (and its first stage) were added.
    changed = ("teams", "stage_changes")
    assert {table: found for table, found in in_use.items() if table not in changed} == {
        table: found for table, found in before.items() if table not in changed
    }
    for table in changed:
        assert in_use[table][: len(before[table])] == before[table]
    downgrade(copy_of, "0002_trust")
    assert table_contents(copy_of, TABLES, without=WITHOUT) == in_use


def test_names_stored_before_the_wider_cleaning_are_found_by_what_they_show(
    database_url: str,
) -> None:
    # A variation selector and a Mongolian free variation selector: invisible, and not cleaned
    # before 0003. The second team would read like "Ranking", which exists, so it keeps its key.
    upgrade(database_url, "0002_trust")
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(text(ROWS[0]), {"now": NOW})
        for n, name in ((1, "Vision\ufe0f"), (2, "Ranking"), (3, "Ranking\u180b")):
            connection.execute(
                text(
                    "INSERT INTO teams (id, workspace_id, name, name_key, channel_id, stage,"
                    " rubric_id, language, cadence, weekday, local_time, tz, leads, archived,"
                    " created_at) VALUES (:id, 1, :name, :key, :channel, 'research',"
                    " 'ml-test-score', 'en', 'weekly', 0, '10:00', 'UTC', '[]', false, :now)"
                ),
                {"id": n, "name": name, "key": name.lower(), "channel": f"C{n}", "now": NOW},
            )
    engine.dispose()

    upgrade(database_url, "0003_channel_privacy")

    database = Database.from_url(database_url)
    try:
        with database.read() as session:
            vision = repo.get_team_by_name(session, workspace_id=1, name="Vision")
            assert vision is not None
            assert (vision.id, vision.name) == (1, "Vision")
            ranking = repo.get_team_by_name(session, workspace_id=1, name="Ranking")
            assert ranking is not None
            assert ranking.id == 2
            kept = repo.get_team(session, workspace_id=1, team_id=3)
            assert kept is not None
            assert kept.name == "Ranking\u180b"
    finally:
        database.dispose()
