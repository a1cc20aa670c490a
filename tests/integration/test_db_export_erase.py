"""Export (JSON, CSV) and erasure of a team, a workspace, or a user's notes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlmodel import Session, SQLModel

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.erase import erase_team, erase_user_notes, erase_workspace
from bot.db.export import answers_csv, export_data, to_csv_zip, to_json
from bot.db.repositories import responses as response_repo
from bot.db.tables import ALL_TABLES, Assessment, AssessmentAnswer, Plan
from bot.services.scheduling import plan_target
from rubric.model import Requirement, Stage


def _fill(session: Session, slack_team_id: str, now: datetime) -> tuple[int, list[int]]:
    """A workspace with two teams and a row in every table."""
    workspace = repo.ensure_workspace(session, slack_team_id=slack_team_id, now=now)
    assert workspace.id is not None
    ws = workspace.id
    team_ids = []
    for name in ("Vision", "Ranking"):
        team = repo.create_team(
            session, workspace_id=ws, name=name, stage=Stage.RESEARCH, rubric_id="r", now=now
        )
        assert team.id is not None
        team_ids.append(team.id)
        repo.update_team(
            session, workspace_id=ws, team_id=team.id, stage=Stage.ROADMAP, changed_by="U1", now=now
        )
        for week in range(2):
            repo.save_assessment(
                session,
                workspace_id=ws,
                team_id=team.id,
                rubric_id="r",
                rubric_version="2017",
                criteria_version=1,
                stage=Stage.ROADMAP,
                answers=[("FD1", "manual", 'runbook, "quoted"'), ("MD1", "not_done", "")],
                note="overall, by U1",
                submitted_by="U1" if week == 0 else "U2",
                submitted_at=now + timedelta(weeks=week),
                period_key=f"2025-W{10 + week}",
                submission_key=f"{name}-{week}",
            )
        repo.upsert_checkin(
            session, workspace_id=ws, team_id=team.id, period_key="2025-W10", now=now
        )
        system_id = repo.primary_system(session, workspace_id=ws, team_id=team.id).id
        assert system_id is not None
        response_repo.update_settings(
            session, workspace_id=ws, team_id=team.id, anonymous=name == "Vision"
        )
        response_repo.save_response(
            session,
            workspace_id=ws,
            team_id=team.id,
            system_id=system_id,
            period_key="2025-W10",
            respondent="U1",
            kind="answer",
            answers=[
                response_repo.ResponseAnswerRow("FD1", "manual", "checked by hand", "U1"),
                response_repo.ResponseAnswerRow("MD1", "not_done"),
            ],
            submitted_at=now,
            submission_key=f"{name}-response",
        )
        system = repo.primary_system(session, workspace_id=ws, team_id=team.id)
        repo.create_waiver(
            session,
            workspace_id=ws,
            team_id=team.id,
            system_id=system.id,
            item_id="FD1",
            reason="no schema here",
            expires_on=now.date(),
            requested_by="U1",
            now=now,
        )
        repo.create_plan(
            session,
            workspace_id=ws,
            team_id=team.id,
            system_id=system.id,
            target_stage="production",
            target_date=now.date(),
            owners={"FD1": "U1"},
            created_by="U1",
            now=now,
        )
        repo.save_draft(
            session, workspace_id=ws, team_id=team.id, user_id="U1", state={"x": 1}, now=now
        )
        repo.record_post(
            session,
            workspace_id=ws,
            team_id=team.id,
            channel_id="C1",
            message_ts=f"{team.id}.0001",
            authors=["U1"],
            kind="scorecard",
            language="en",
            now=now,
        )
        # A CI token of the team's system and one push with it.
        system = repo.primary_system(session, workspace_id=ws, team_id=team.id)
        assert system.id is not None
        repo.issue_token(
            session,
            workspace_id=ws,
            team_id=team.id,
            system_id=system.id,
            token_hash=f"{slack_team_id}-{name}".ljust(64, "0"),
            created_by="U1",
            now=now,
        )
        token = repo.live_token(session, token_hash=f"{slack_team_id}-{name}".ljust(64, "0"))
        assert token is not None
        repo.save_push(
            session,
            token=token,
            item_id="FD1",
            level="automated",
            url="https://ci/1",
            result="pass",
            idempotency_key="k1",
            now=now,
        )
        target = repo.team_target(team.id)
        repo.claim_delivery(
            session, workspace_id=ws, target=target, kind="checkin", period_key="2025-W10", now=now
        )
        # Sends under the team: a lead's DM and a system on a schedule of its own.
        for under in (f"{target}/U0LEAD", f"{target}/system:9"):
            repo.claim_delivery(
                session,
                workspace_id=ws,
                target=under,
                kind="lead_dm",
                period_key="2025-W10",
                now=now,
            )
        repo.append_audit(
            session,
            workspace_id=ws,
            actor="U1",
            action="team.stage",
            target=target,
            detail={"reason": "we shipped", "stage": "roadmap"},
            at=now,
        )
    repo.adopt_criteria(
        session, workspace_id=ws, matrix={"FD1": {}}, adopted_by="U1", adopted_at=now, note="why"
    )
    survey, _ = repo.open_survey_round(session, workspace_id=ws, opened_by="U1", now=now)
    assert survey.id is not None
    repo.save_votes(
        session,
        workspace_id=ws,
        round_id=survey.id,
        user_id="U1",
        votes=[repo.VoteInput("FD1", Stage.RESEARCH, Requirement.OPTIONAL, "cheap to do")],
        now=now,
    )
    repo.claim_delivery(
        session, workspace_id=ws, target="C1", kind="digest", period_key="2025-W10", now=now
    )
    repo.save_installation(
        session,
        workspace_id=ws,
        bot_user_id="UB",
        bot_token_encrypted=b"secret-ciphertext",
        bot_scopes="chat:write",
        installed_at=now,
    )
    repo.set_evidence_policy(
        session, workspace_id=ws, stage="production", levels=["automated"], set_by="U1", now=now
    )
    return ws, team_ids


def _counts(session: Session) -> dict[str, int]:
    return {
        table.__tablename__: session.exec(  # type: ignore[call-overload]
            select(func.count()).select_from(SQLModel.metadata.tables[str(table.__tablename__)])
        ).one()[0]
        for table in ALL_TABLES
    }


def test_erasing_a_team_removes_all_its_rows_and_nothing_else(db: Database, now: datetime) -> None:
    with db.write() as session:
        ws, (vision, _ranking) = _fill(session, "T1", now)
        before = _counts(session)
    with db.write() as session:
        removed = erase_team(session, workspace_id=ws, team_id=vision)
    assert removed == {
        "response_answers": 2,
        "responses": 1,
        "response_settings": 1,
        "answers": 4,
        "assessments": 2,
        "checkins": 1,
        "drafts": 1,
        "bot_posts": 1,
        "stage_changes": 2,
        "plan_items": 1,
        "plans": 1,
        "waivers": 1,
        "deliveries": 3,
        "audit_log": 1,
        "evidence_pushes": 1,
        "system_tokens": 1,
        "systems": 1,
        "teams": 1,
    }
    with db.read() as session:
        after = _counts(session)
        assert repo.get_team(session, workspace_id=ws, team_id=vision) is None
        left = export_data(session, workspace_id=ws)
    assert {name: before[name] - after[name] for name in before} == {
        name: removed.get(name, 0) for name in before
    }
    assert all(row.get("team_id") != vision for rows in left.values() for row in rows)
    vision_target = repo.team_target(vision)
    targets = [str(row["target"]) for rows in left.values() for row in rows if "target" in row]
    assert not [t for t in targets if t == vision_target or t.startswith(f"{vision_target}/")]
    assert f"{repo.team_target(_ranking)}/U0LEAD" in targets
    assert [t["name"] for t in left["teams"]] == ["Ranking"]


def test_erasing_a_workspace_leaves_no_row_of_it_in_any_table(db: Database, now: datetime) -> None:
    with db.write() as session:
        doomed, _ = _fill(session, "T1", now)
        _fill(session, "T2", now)
        before = _counts(session)
    assert all(count > 0 for count in before.values())
    with db.write() as session:
        erase_workspace(session, workspace_id=doomed)
    with db.read() as session:
        after = _counts(session)
        assert repo.get_workspace(session, slack_team_id="T1") is None
        assert repo.get_workspace(session, slack_team_id="T2") is not None
    # the other workspace holds exactly half of every table, and all of it survives
    assert after == {name: count // 2 for name, count in before.items()}


def test_erasing_a_users_notes_blanks_their_text_only(db: Database, now: datetime) -> None:
    with db.write() as session:
        ws, _ = _fill(session, "T1", now)
    with db.write() as session:
        counts = erase_user_notes(session, workspace_id=ws, user_id="U1")
    assert counts == {
        "response_answers": 2,  # U1's noted answer in each team's response
        "answers": 2,  # one noted answer in each team's week-0 assessment (by U1)
        "assessments": 2,
        "survey_votes": 1,
        "criteria_versions": 1,
        "waivers": 2,
        "drafts": 2,
        "audit_log": 2,
    }
    with db.read() as session:
        exported = export_data(session, workspace_id=ws)
        # Who submitted what, from the table itself: the export hides it for anonymous teams.
        submitters = {a.id: a.submitted_by for a in session.scalars(select(Assessment))}
    for assessment in exported["assessments"]:
        assessment["submitted_by"] = submitters[assessment["id"]]
    by_user = {a["id"]: a["submitted_by"] for a in exported["assessments"]}
    for answer in exported["answers"]:
        if by_user[answer["assessment_id"]] == "U1":
            assert answer["note"] == ""
        elif answer["item_id"] == "FD1":
            assert answer["note"] == 'runbook, "quoted"'
    assert {a["note"] for a in exported["assessments"] if a["submitted_by"] == "U1"} == {""}
    assert {a["note"] for a in exported["assessments"] if a["submitted_by"] == "U2"} == {
        "overall, by U1"
    }
    assert [v["comment"] for v in exported["survey_votes"]] == [""]
    assert exported["drafts"] == []
    assert [w["reason"] for w in exported["waivers"]] == ["", ""]
    assert [w["item_id"] for w in exported["waivers"]] == ["FD1", "FD1"]
    assert [e["detail"] for e in exported["audit_log"]] == [{"stage": "roadmap"}] * 2
    assert [a["choice"] for a in exported["answers"]].count("manual") == 4  # choices stay


def test_an_anonymous_teams_export_names_no_respondent(db: Database, now: datetime) -> None:
    with db.write() as session:
        ws, (vision, ranking) = _fill(session, "T1", now)
    with db.read() as session:
        everything = export_data(session, workspace_id=ws)
        vision_only = export_data(session, workspace_id=ws, team_id=vision)
    by_team = {row["team_id"]: row for row in everything["responses"]}
    assert by_team[vision]["respondent"] == "anonymous"
    assert by_team[ranking]["respondent"] == "U1"
    assert [row["respondent"] for row in vision_only["responses"]] == ["anonymous"]
    vision_notes = [row for row in vision_only["response_answers"] if row["item_id"] == "FD1"]
    noted = [(row["note"], row["note_by"]) for row in vision_notes]
    assert noted == [("checked by hand", "anonymous")]
    assert "U1" not in json.dumps(vision_only["responses"] + vision_only["response_answers"])


def test_a_team_export_holds_every_delivery_erasing_the_team_deletes(
    db: Database, now: datetime
) -> None:
    """Not only the team's own sends: those filed under it (its leads' DMs, a system's, a plan
    owner's and a person's reminders) are the team's data too, as erasure treats them."""
    with db.write() as session:
        ws, (vision, ranking) = _fill(session, "T1", now)
        plans = {
            team_id: session.scalars(select(Plan.id).where(Plan.team_id == team_id)).one()
            for team_id in (vision, ranking)
        }
        for team_id, plan_id in plans.items():
            target = repo.team_target(team_id)
            for under, kind in (
                (plan_target(team_id, plan_id, "U1"), "plan_reminder"),
                (f"{target}/system:9/remind/U2", "reminder"),
            ):
                repo.claim_delivery(
                    session, workspace_id=ws, target=under, kind=kind, period_key="W", now=now
                )
    with db.read() as session:
        before = {row["id"] for row in export_data(session, workspace_id=ws)["deliveries"]}
        exported = {
            team_id: export_data(session, workspace_id=ws, team_id=team_id)["deliveries"]
            for team_id in (vision, ranking)
        }
    with db.write() as session:
        erase_team(session, workspace_id=ws, team_id=vision)
    with db.read() as session:
        after = {row["id"] for row in export_data(session, workspace_id=ws)["deliveries"]}
    assert len(before - after) == 5
    assert {row["id"] for row in exported[vision]} == before - after
    # Ranking is not anonymous: its plan owner's reminder is there as it was filed.
    assert plan_target(ranking, plans[ranking], "U1") in {
        row["target"] for row in exported[ranking]
    }


def test_team_export_as_json_and_csv(db: Database, now: datetime) -> None:
    with db.write() as session:
        ws, (vision, _) = _fill(session, "T1", now)
    with db.read() as session:
        data = export_data(session, workspace_id=ws, team_id=vision)
    assert sorted(data) == sorted(
        [
            "teams",
            "systems",
            "stage_changes",
            "checkins",
            "assessments",
            "answers",
            "drafts",
            "bot_posts",
            "evidence_pushes",
            "plans",
            "plan_items",
            "waivers",
            "deliveries",
            "audit_log",
            "response_settings",
            "responses",
            "response_answers",
        ]
    )
    assert [t["name"] for t in data["teams"]] == ["Vision"]
    assert len(data["assessments"]) == 2
    assert len(data["answers"]) == 4

    parsed = json.loads(to_json(data))
    assert parsed["assessments"][0]["submitted_at"] == now.isoformat()
    assert parsed["answers"][0] == {
        "assessment_id": data["assessments"][0]["id"],
        "item_id": "FD1",
        "choice": "manual",
        "note": 'runbook, "quoted"',
        "note_by": "anonymous",  # Vision is anonymous: its notes' authors are not named
        "evidence_url": "",
        "evidence_label": "",
    }

    flat = list(csv.DictReader(io.StringIO(answers_csv(data))))
    assert len(flat) == 4
    assert flat[0]["team"] == "Vision"
    assert (flat[0]["item_id"], flat[0]["choice"], flat[0]["note"]) == (
        "FD1",
        "manual",
        'runbook, "quoted"',
    )
    assert [row["period_key"] for row in flat] == ["2025-W10"] * 2 + ["2025-W11"] * 2

    with zipfile.ZipFile(io.BytesIO(to_csv_zip(data))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in data)
        teams = list(csv.DictReader(io.StringIO(archive.read("teams.csv").decode())))
        drafts = list(csv.DictReader(io.StringIO(archive.read("drafts.csv").decode())))
    assert teams[0]["name"] == "Vision"
    assert teams[0]["leads"] == "[]"
    assert json.loads(drafts[0]["state"]) == {"x": 1}


def test_workspace_export_never_contains_the_bot_token(db: Database, now: datetime) -> None:
    with db.write() as session:
        ws, _ = _fill(session, "T1", now)
    with db.read() as session:
        data = export_data(session, workspace_id=ws)
    assert "installations" not in data
    assert "secret-ciphertext" not in to_json(data)
    assert b"secret-ciphertext" not in to_csv_zip(data)
    assert {name for name, rows in data.items() if rows} == {
        t.__tablename__
        for t in ALL_TABLES
        if t.__tablename__ not in ("installations", "system_tokens")
    }


def test_workspace_export_holds_every_answer_of_more_assessments_than_bound_parameters_allow(
    db: Database, now: datetime
) -> None:
    many = 66_000  # PostgreSQL refuses a statement with more than 65,535 bound parameters
    with db.write() as session:
        ws, (team_id, _) = _fill(session, "T1", now)
        system_id = repo.primary_system(session, workspace_id=ws, team_id=team_id).id
        first = 1_000_000
        session.exec(
            insert(Assessment),
            params=[
                {
                    "id": first + n,
                    "workspace_id": ws,
                    "team_id": team_id,
                    "system_id": system_id,
                    "rubric_id": "r",
                    "rubric_version": "2017",
                    "stage": "research",
                    "submitted_by": "U1",
                    "submitted_at": now,
                    "note": "",
                    "submission_key": f"bulk-{n}",
                }
                for n in range(many)
            ],
        )
        session.exec(
            insert(AssessmentAnswer),
            params=[
                {"assessment_id": first + n, "item_id": "FD1", "choice": "manual", "note": ""}
                for n in range(many)
            ],
        )
    with db.read() as session:
        data = export_data(session, workspace_id=ws)
    bulk = [row for row in data["answers"] if row["assessment_id"] >= first]
    assert len(bulk) == many
    assert len(data["answers"]) == many + 8  # and the 2 answers x 2 assessments x 2 teams of _fill


def test_no_csv_cell_starts_like_a_spreadsheet_formula(db: Database, now: datetime) -> None:
    typed = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "fine"]
    with db.write() as session:
        ws = repo.ensure_workspace(session, slack_team_id="T1", now=now).id
        assert ws is not None
        team = repo.create_team(
            session, workspace_id=ws, name="=cmd", stage=Stage.RESEARCH, rubric_id="r", now=now
        )
        assert team.id is not None
        repo.save_assessment(
            session,
            workspace_id=ws,
            team_id=team.id,
            rubric_id="r",
            rubric_version="1",
            criteria_version=None,
            stage=Stage.RESEARCH,
            answers=[(f"I{n}", "manual", note) for n, note in enumerate(typed)],
            note="@overall",
            submitted_by="-U1",
            submitted_at=now,
            submission_key="k",
        )
    with db.read() as session:
        data = export_data(session, workspace_id=ws)
    flat = answers_csv(data)
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(data))) as archive:
        tables = [archive.read(name).decode() for name in archive.namelist()]
    cells = [
        cell for text in (flat, *tables) for row in csv.reader(io.StringIO(text)) for cell in row
    ]

    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert {"'=cmd", "'=1+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "fine", "'@overall"} <= set(cells)
    # JSON is not a spreadsheet: it keeps the text exactly.
    assert json.loads(to_json(data))["assessments"][0]["note"] == "@overall"
