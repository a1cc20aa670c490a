"""Export a workspace's or a team's data, as plain rows, JSON, or CSV.

`export_data` gives {table name: [row as a dict]} with JSON-safe values (ISO 8601 timestamps in
UTC). The writers turn that into one JSON document, a zip of one CSV per table, or one flat CSV
of answers (one row per answer, with its assessment and team) for spreadsheets. OAuth
installations are not exported: they hold the bot token, not anyone's data.

Rows end in CRLF (RFC 4180), so a cell holding a carriage return is quoted like one holding a
line feed. Every CSV cell that a spreadsheet would read as a formula (text starting with =, +,
-, @, a tab or a carriage return) is written with a leading apostrophe, as OWASP's "CSV
Injection" page advises: a note typed as `=HYPERLINK(...)` stays text when the file is opened.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from bot.db.errors import NotFound
from bot.db.repositories.teams import filed_under_team, team_target
from bot.db.tables import (
    Assessment,
    AssessmentAnswer,
    AuditEntry,
    BotPost,
    CheckIn,
    CriteriaVersion,
    Delivery,
    Draft,
    EvidencePolicyRow,
    EvidencePush,
    Plan,
    PlanItem,
    Response,
    ResponseAnswer,
    StageChange,
    SurveyRound,
    SurveyVote,
    System,
    Team,
    TeamResponseSettings,
    Waiver,
    Workspace,
)

Export = dict[str, list[dict[str, Any]]]

ANSWERS_CSV_COLUMNS = (
    "team",
    "assessment_id",
    "period_key",
    "submitted_at",
    "submitted_by",
    "stage",
    "rubric_id",
    "rubric_version",
    "criteria_version",
    "item_id",
    "choice",
    "note",
    "note_by",
)


def export_data(session: Session, *, workspace_id: int, team_id: int | None = None) -> Export:
    """Every row of the workspace, or of one of its teams; raises NotFound for a foreign team."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"workspace {workspace_id}")
    data: Export = {}
    if team_id is None:
        data["workspaces"] = [_row(workspace)]
        for table in _any(Team, System, StageChange, CheckIn, Assessment):
            data[_name(table)] = _rows(session, table, [col(table.workspace_id) == workspace_id])
        data["answers"] = _answers(session, [col(Assessment.workspace_id) == workspace_id])
        # CI tokens are left out, like the bot's token: even their hashes are not data to hand on.
        for table in _any(
            Draft,
            BotPost,
            CriteriaVersion,
            SurveyRound,
            SurveyVote,
            Delivery,
            AuditEntry,
            EvidencePush,
            EvidencePolicyRow,
        ):
            data[_name(table)] = _rows(session, table, [col(table.workspace_id) == workspace_id])
        data.update(_responses(session, workspace_id, None))
        _plans_and_waivers(session, data, workspace_id)
        return _anonymised(data)
    team = session.exec(
        select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id)
    ).first()
    if team is None:
        raise NotFound(f"team {team_id}")
    data["teams"] = [_row(team)]
    for table in _any(System, StageChange, CheckIn, Assessment, Draft, BotPost, EvidencePush):
        data[_name(table)] = _rows(
            session,
            table,
            [col(table.workspace_id) == workspace_id, col(table.team_id) == team_id],
        )
    data["answers"] = _answers(
        session, [col(Assessment.workspace_id) == workspace_id, col(Assessment.team_id) == team_id]
    )
    _plans_and_waivers(session, data, workspace_id, team_id)
    # The deliveries filed under the team too (its leads', systems', plans' and reminders'):
    # the same rows erasing the team deletes.
    data["deliveries"] = _rows(
        session,
        Delivery,
        [col(Delivery.workspace_id) == workspace_id, filed_under_team(Delivery.target, team_id)],
    )
    data["audit_log"] = _rows(
        session,
        AuditEntry,
        [
            col(AuditEntry.workspace_id) == workspace_id,
            col(AuditEntry.target) == team_target(team_id),
        ],
    )
    data.update(_responses(session, workspace_id, team_id))
    return _anonymised(data)


ANONYMOUS = "anonymous"
"""Who answered, in an anonymous team's export: the count of responses stays, names do not."""


def _responses(session: Session, workspace_id: int, team_id: int | None) -> Export:
    """Each person's responses, their answers, and the teams' response settings; an anonymous
    team's respondents (and the authors of its response notes) are not named."""
    where = [col(Response.workspace_id) == workspace_id]
    settings_where = [col(TeamResponseSettings.workspace_id) == workspace_id]
    if team_id is not None:
        where.append(col(Response.team_id) == team_id)
        settings_where.append(col(TeamResponseSettings.team_id) == team_id)
    settings = _rows(session, TeamResponseSettings, settings_where)
    anonymous = {row["team_id"] for row in settings if row["anonymous"]}
    responses = _rows(session, Response, where)
    hidden: set[int] = set()
    for row in responses:
        if row["team_id"] in anonymous:
            row["respondent"] = ANONYMOUS
            hidden.add(row["id"])
    answers = _rows(
        session,
        ResponseAnswer,
        [col(ResponseAnswer.response_id).in_(select(Response.id).where(*where))],
    )
    for row in answers:
        if row["response_id"] in hidden and row["note_by"]:
            row["note_by"] = ANONYMOUS
    return {"response_settings": settings, "responses": responses, "response_answers": answers}


def _anonymised(data: Export) -> Export:
    """No row of an anonymous team names the people who answered for it: who submitted or
    settled its assessments, who wrote their notes, who kept drafts, who did what in its audit
    log, whom a reminder went to by DM (the targets of the DMs to non-respondents), who moved
    its stages, who asked for and decided its waivers, who made and owns its plans (and so
    whom a plan's reminders went to), and whose notes its drafts carry and its posts show."""
    teams = {row["team_id"] for row in data.get("response_settings", []) if row["anonymous"]}
    if not teams:
        return data
    targets = {team_target(team_id) for team_id in teams}
    hidden: set[int] = set()
    for row in data.get("assessments", []):
        if row["team_id"] in teams:
            row["submitted_by"] = ANONYMOUS
            hidden.add(row["id"])
    for row in data.get("answers", []):
        if row["assessment_id"] in hidden and row["note_by"]:
            row["note_by"] = ANONYMOUS
    for row in data.get("drafts", []):
        if row["team_id"] in teams:
            row["user_id"] = ANONYMOUS
            row["state"] = _unnamed_draft(row["state"])
    # whose words a posted scorecard or waiver request shows
    _hide(data.get("bot_posts", []), teams, "author")
    for row in data.get("audit_log", []):
        if row["target"] in targets and row["actor"]:
            row["actor"] = ANONYMOUS
    for row in data.get("deliveries", []):
        row["target"] = _unnamed_target(str(row["target"]), targets)
    _hide(data.get("stage_changes", []), teams, "changed_by")
    _hide(data.get("waivers", []), teams, "requested_by", "decided_by")
    plans = _hide(data.get("plans", []), teams, "created_by")
    for row in data.get("plan_items", []):
        if row["plan_id"] in plans:
            row["owner"] = ANONYMOUS
    return data


def _hide(rows: list[dict[str, Any]], teams: set[int], *columns: str) -> set[int]:
    """Name no one in `columns` of the rows of `teams` (an empty one stays empty); the ids of
    those rows."""
    hidden = set()
    for row in rows:
        if row["team_id"] in teams:
            hidden.add(row["id"])
            for column in columns:
                if row[column]:
                    row[column] = ANONYMOUS
    return hidden


def _unnamed_draft(state: Any) -> Any:
    """A draft's state without the authors of the notes it carries (a copy: the row's own dict
    belongs to the session)."""
    answers = state.get("answers") if isinstance(state, dict) else None
    if not isinstance(answers, dict):
        return state
    unnamed = {
        item_id: {**answer, "note_by": ANONYMOUS}
        if isinstance(answer, dict) and answer.get("note_by")
        else answer
        for item_id, answer in answers.items()
    }
    return {**state, "answers": unnamed}


def _unnamed_target(target: str, teams: set[str]) -> str:
    """A delivery target of one of `teams` without the person it went to: a reminder DM
    ("team:12/remind/U123", or under a system's target) or a plan owner's reminder
    ("team:12/plan:5/U0OWNER")."""
    team, _, rest = target.partition("/")
    parts = rest.split("/")
    if team in teams and len(parts) >= 2 and (parts[-2] == REMINDED or parts[-2].startswith(PLAN)):
        return "/".join([team, *parts[:-1], ANONYMOUS])
    return target


REMINDED = "remind"
"""The part of a delivery's target that comes before the person a reminder DM went to."""

PLAN = "plan:"
"""How the part of a delivery's target before a plan owner starts ("plan:<id>")."""


def to_json(data: Export) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def to_csv_zip(data: Export) -> bytes:
    """A zip archive with one CSV per table (`teams.csv`, `answers.csv`, ...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", table_csv(name, rows))
    return buffer.getvalue()


def table_csv(name: str, rows: Sequence[dict[str, Any]]) -> str:
    """One table as CSV; JSON columns (leads, state, detail, matrix) are written as JSON text."""
    columns = list(rows[0]) if rows else _columns(name)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def answers_csv(data: Export) -> str:
    """One flat CSV, one row per answer, with its assessment and team: the spreadsheet view."""
    teams = {row["id"]: row["name"] for row in data.get("teams", [])}
    answers: dict[int, list[dict[str, Any]]] = {}
    for answer in data.get("answers", []):
        answers.setdefault(answer["assessment_id"], []).append(answer)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ANSWERS_CSV_COLUMNS)
    for assessment in sorted(
        data.get("assessments", []), key=lambda a: (a["team_id"], a["submitted_at"], a["id"])
    ):
        for answer in answers.get(assessment["id"], []):
            _write_row(
                writer,
                [
                    teams.get(assessment["team_id"], assessment["team_id"]),
                    assessment["id"],
                    assessment["period_key"] or "",
                    assessment["submitted_at"],
                    assessment["submitted_by"],
                    assessment["stage"],
                    assessment["rubric_id"],
                    assessment["rubric_version"],
                    ""
                    if assessment["criteria_version"] is None
                    else assessment["criteria_version"],
                    answer["item_id"],
                    answer["choice"],
                    answer["note"],
                    answer["note_by"] or (assessment["submitted_by"] if answer["note"] else ""),
                ],
            )
    return out.getvalue()


def _plans_and_waivers(
    session: Session, data: Export, workspace_id: int, team_id: int | None = None
) -> None:
    """The plans of the workspace (or of one team), their items, and its waivers."""
    plans = [col(Plan.workspace_id) == workspace_id]
    waivers = [col(Waiver.workspace_id) == workspace_id]
    if team_id is not None:
        plans.append(col(Plan.team_id) == team_id)
        waivers.append(col(Waiver.team_id) == team_id)
    data["plans"] = _rows(session, Plan, plans)
    data["plan_items"] = _rows(
        session, PlanItem, [col(PlanItem.plan_id).in_(select(Plan.id).where(*plans))]
    )
    data["waivers"] = _rows(session, Waiver, waivers)


def _answers(session: Session, assessments: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """The answers of the assessments matching `assessments`, selected by a subquery: a list of
    ids would pass one bound parameter per assessment, past PostgreSQL's 65,535 for a big
    workspace."""
    assessment_ids = select(Assessment.id).where(*assessments)
    return _rows(
        session, AssessmentAnswer, [col(AssessmentAnswer.assessment_id).in_(assessment_ids)]
    )


def _rows(session: Session, table: Any, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    key = [col(column) for column in table.__table__.primary_key.columns]
    rows = session.exec(select(table).where(*where).order_by(*key)).all()
    return [_row(row) for row in rows]


def _row(obj: SQLModel) -> dict[str, Any]:
    table = type(obj).__table__  # type: ignore[attr-defined]  # table=True models have one
    return {column.name: _plain(getattr(obj, column.name)) for column in table.columns}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else inert(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell no spreadsheet runs as a formula: text that starts like one gets a leading
    apostrophe. Numbers are left as they are (a spreadsheet reads them as numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write_row(writer: Any, cells: Sequence[Any]) -> None:
    writer.writerow([inert(cell) for cell in cells])


def _columns(name: str) -> list[str]:
    table = SQLModel.metadata.tables[name]
    return [column.name for column in table.columns]


def _any(*tables: Any) -> tuple[Any, ...]:
    """The tables, typed loosely: each has the columns the caller filters on."""
    return tables


def _name(table: Any) -> str:
    return str(table.__tablename__)
