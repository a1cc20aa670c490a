"""Every table the bot stores, as SQLModel classes (the one module with table=True models).

What people chose is stored as they chose it (a level key such as "manual", or a number as text
on a range scale); points are derived by rubric.scoring and never stored. Rows that belong to a
team carry the workspace id too, and reference the team by (workspace_id, team_id), so the
database itself refuses a row that mixes two workspaces.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from bot.db.types import UTCDateTime

# Stable constraint names, so migrations (and SQLite batch mode) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CHECKIN_STATUSES = ("open", "answered", "skipped")
DELIVERY_STATUSES = ("claimed", "sent", "failed")
SURVEY_STATUSES = ("open", "closed")
CADENCES = ("weekly", "biweekly", "monthly", "quarterly", "off")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _team_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["workspace_id", "team_id"], ["teams.workspace_id", "teams.id"])


def _system_fk() -> ForeignKeyConstraint:
    # Through (workspace, team, system): a row cannot name another team's or workspace's system.
    return ForeignKeyConstraint(
        ["workspace_id", "team_id", "system_id"],
        ["systems.workspace_id", "systems.team_id", "systems.id"],
    )


# Ids travel in buttons and modals and must never name a newer row: without AUTOINCREMENT,
# SQLite gives a deleted row's id to the next one (PostgreSQL's sequences never reuse them).
NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    slack_team_id: str = Field(max_length=32, unique=True)
    enterprise_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=255)
    installed_at: datetime = Field(sa_type=UTCDateTime)


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        UniqueConstraint("workspace_id", "id"),
        Index("ix_teams_workspace_id_channel_id", "workspace_id", "channel_id"),
        CheckConstraint(_in("language", ("en", "es")), name="language"),
        CheckConstraint(_in("cadence", CADENCES), name="cadence"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    name: str = Field(max_length=80)
    # casefolded name: lookups ignore case, and "Vision" and "vision" cannot coexist
    name_key: str = Field(max_length=80)
    channel_id: str | None = Field(default=None, max_length=32)
    # Whether the channel is private, as Slack said when the team was bound or last looked;
    # None: not known yet (Slack is asked on first use, and the answer kept).
    channel_private: bool | None = Field(default=None)
    # The stage of the team's primary system (its oldest active one), kept in step by
    # repositories.teams and repositories.systems; each system's own stage is on its row.
    stage: str = Field(max_length=16)
    rubric_id: str = Field(max_length=64)
    language: str = Field(default="en", max_length=2)
    cadence: str = Field(default="weekly", max_length=16)
    weekday: int = Field(default=0, description="0 = Monday")
    local_time: str = Field(default="10:00", max_length=5, description="HH:MM, 24-hour clock")
    tz: str = Field(default="UTC", max_length=64)
    paused_until: date | None = None
    leads: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    archived: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)


class System(SQLModel, table=True):
    """An ML system a team owns: what is assessed, scored and trended. The schedule fields
    left NULL mean "as the team's"."""

    __tablename__ = "systems"
    __table_args__ = (
        _team_fk(),
        UniqueConstraint("workspace_id", "team_id", "name_key"),
        UniqueConstraint("workspace_id", "team_id", "id"),
        Index("ix_systems_workspace_id_name_key", "workspace_id", "name_key"),
        CheckConstraint(_in("cadence", CADENCES), name="cadence"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    stage: str = Field(max_length=16)
    cadence: str | None = Field(default=None, max_length=16)
    weekday: int | None = Field(default=None, description="0 = Monday")
    local_time: str | None = Field(default=None, max_length=5)
    tz: str | None = Field(default=None, max_length=64)
    paused_until: date | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # whether a passing CI push at a higher level raises the claim (else it only confirms it)
    pushed_upgrades: bool = False


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_changes"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        Index("ix_stage_changes_team_id_changed_at", "team_id", "changed_at"),
        Index("ix_stage_changes_system_id_changed_at", "system_id", "changed_at"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(index=True)
    team_id: int
    system_id: int
    previous_stage: str | None = Field(default=None, max_length=16)
    stage: str = Field(max_length=16)
    changed_by: str | None = Field(default=None, max_length=32)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class CheckIn(SQLModel, table=True):
    __tablename__ = "checkins"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "system_id", "period_key"),
        CheckConstraint(_in("status", CHECKIN_STATUSES), name="status"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    period_key: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Assessment(SQLModel, table=True):
    __tablename__ = "assessments"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "submission_key"),
        # the scorecard and trend queries: one team's (or system's) assessments, newest first
        Index("ix_assessments_team_id_submitted_at_id", "team_id", "submitted_at", "id"),
        Index("ix_assessments_system_id_submitted_at_id", "system_id", "submitted_at", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    rubric_id: str = Field(max_length=64)
    rubric_version: str = Field(max_length=32)
    criteria_version: int | None = None
    stage: str = Field(max_length=16)
    period_key: str | None = Field(default=None, max_length=32)
    submitted_by: str = Field(max_length=32)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    # chosen by the caller (e.g. the Slack view id): a repeated submit finds the first one
    submission_key: str = Field(max_length=255)


class AssessmentAnswer(SQLModel, table=True):
    __tablename__ = "answers"

    assessment_id: int = Field(foreign_key="assessments.id", primary_key=True)
    item_id: str = Field(max_length=32, primary_key=True)
    # a level key ("not_done", "manual", "automated") or a number on a range scale, as text
    choice: str = Field(max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    # who wrote the note: a note carried over by the pre-filled modal keeps its author, whoever
    # submits it (None: no note, or stored before authors were kept, meaning the submitter)
    note_by: str | None = Field(default=None, max_length=32)
    # the link backing the claim (http(s) only, checked before storing) and its short label
    evidence_url: str = Field(default="", max_length=2000)
    evidence_label: str = Field(default="", max_length=100)


RESPONSE_KINDS = ("answer", "resolution")
CONSENSUS_RULES = ("lead", "lowest", "median")


class TeamResponseSettings(SQLModel, table=True):
    """How a team's several respondents are combined and shown; no row: the defaults."""

    __tablename__ = "response_settings"
    __table_args__ = (
        _team_fk(),
        CheckConstraint(_in("consensus", CONSENSUS_RULES), name="consensus"),
    )

    workspace_id: int = Field(primary_key=True)
    team_id: int = Field(primary_key=True)
    # None: `lead` when the team has leads, else `median` (rubric.consensus.default_rule)
    consensus: str | None = Field(default=None, max_length=16)
    anonymous: bool = False
    dm_reminders: bool = False


class Response(SQLModel, table=True):
    """One person's answers to a system's check-in for a period (kind "answer"), or a lead's
    resolution of the disputed items (kind "resolution"); one of each per person and period,
    a later submit replacing the earlier."""

    __tablename__ = "responses"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "system_id", "period_key", "respondent", "kind"),
        UniqueConstraint("workspace_id", "submission_key"),
        CheckConstraint(_in("kind", RESPONSE_KINDS), name="kind"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    period_key: str = Field(max_length=32)
    respondent: str = Field(max_length=32)
    kind: str = Field(default="answer", max_length=16)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    submission_key: str = Field(max_length=255)


class ResponseAnswer(SQLModel, table=True):
    __tablename__ = "response_answers"

    response_id: int = Field(foreign_key="responses.id", primary_key=True)
    item_id: str = Field(max_length=32, primary_key=True)
    choice: str = Field(max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    note_by: str | None = Field(default=None, max_length=32)
    evidence_url: str = Field(default="", max_length=2000)
    evidence_label: str = Field(default="", max_length=100)


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "system_id", "user_id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    user_id: str = Field(max_length=32)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CriteriaVersion(SQLModel, table=True):
    __tablename__ = "criteria_versions"
    __table_args__ = (UniqueConstraint("workspace_id", "version"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    version: int
    # {item_id: {"research": requirement, "roadmap": ..., "production": ...}}
    matrix: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    adopted_by: str | None = Field(default=None, max_length=32)
    adopted_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    survey_round_id: int | None = None


class SurveyRound(SQLModel, table=True):
    __tablename__ = "survey_rounds"
    __table_args__ = (
        CheckConstraint(_in("status", SURVEY_STATUSES), name="status"),
        # at most one open round per workspace
        Index(
            "uq_survey_rounds_workspace_id_open",
            "workspace_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True)
    status: str = Field(default="open", max_length=16)
    anonymous: bool = True
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyVote(SQLModel, table=True):
    __tablename__ = "survey_votes"
    __table_args__ = (UniqueConstraint("round_id", "user_id", "item_id", "stage"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(index=True)
    round_id: int = Field(foreign_key="survey_rounds.id")
    user_id: str = Field(max_length=32)
    item_id: str = Field(max_length=32)
    stage: str = Field(max_length=16)
    requirement: str = Field(max_length=16)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One message the scheduler sends; the unique key makes the send happen once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "target", "kind", "period_key"),
        Index(
            "ix_deliveries_workspace_id_status_lease_until", "workspace_id", "status", "lease_until"
        ),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    # "team:<id>" (see repositories.team_target) or a channel id
    target: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    period_key: str = Field(max_length=32)
    status: str = Field(default="claimed", max_length=16)
    attempts: int = 1
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DueWork(SQLModel, table=True):
    """When the scheduler next has anything to do for a workspace: the tick reads only the rows
    whose time has come (one indexed query when nothing is due). A change to what is due marks
    the row dirty (due at once) in its own transaction; a tick claims a row by moving
    `next_due_at` to the end of its lease and setting `claim_token`, so a crashed tick's claim
    runs out by itself, then stores the next due time it worked out."""

    __tablename__ = "due_work"
    __table_args__ = (Index("ix_due_work_next_due_at", "next_due_at"),)

    workspace_id: int = Field(primary_key=True, foreign_key="workspaces.id")
    next_due_at: datetime = Field(sa_type=UTCDateTime)
    # Bumped by every change to what is due: a tick that planned from older state stores
    # "due at once" instead of its answer.
    version: int = 0
    claim_token: str | None = Field(default=None, max_length=32)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_id_at", "workspace_id", "at"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    actor: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=255)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(sa_type=UTCDateTime)


class BotPost(SQLModel, table=True):
    """A message the bot posted that shows text someone wrote (a scorecard's overall note),
    one row per author, so that erasing their notes can edit the message too."""

    __tablename__ = "bot_posts"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "channel_id", "message_ts", "author"),
        Index("ix_bot_posts_workspace_id_author", "workspace_id", "author"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    author: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    language: str = Field(default="en", max_length=2)
    posted_at: datetime = Field(sa_type=UTCDateTime)


class Installation(SQLModel, table=True):
    """A Slack OAuth installation; the token is ciphertext made elsewhere, stored opaquely."""

    __tablename__ = "installations"

    workspace_id: int = Field(foreign_key="workspaces.id", primary_key=True)
    slack_team_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    is_enterprise_install: bool = False
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str = Field(max_length=32)
    bot_token_encrypted: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    bot_scopes: str = Field(default="", sa_column=Column(Text, nullable=False))
    installed_by: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(sa_type=UTCDateTime)


class SystemToken(SQLModel, table=True):
    """A bearer token CI uses to push evidence for one system; only its SHA-256 is kept."""

    __tablename__ = "system_tokens"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("token_hash"),
        Index("ix_system_tokens_system_id_revoked_at", "system_id", "revoked_at"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    token_hash: str = Field(max_length=64)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EvidencePush(SQLModel, table=True):
    """One result CI pushed for one item of a system; the client's key makes it count once."""

    __tablename__ = "evidence_pushes"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        UniqueConstraint("workspace_id", "system_id", "idempotency_key"),
        Index("ix_evidence_pushes_system_id_received_at", "system_id", "received_at"),
        # A failing push looks up its item's last pass (one post per failing streak) inside
        # the write lock every pipeline queues on: an index seek, not the system's history.
        Index("ix_evidence_pushes_system_id_item_id_id", "system_id", "item_id", "id"),
        CheckConstraint(_in("result", ("pass", "fail")), name="result"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    token_id: int = Field(foreign_key="system_tokens.id")
    item_id: str = Field(max_length=32)
    level: str = Field(max_length=64)
    url: str = Field(max_length=2000)
    result: str = Field(max_length=8)
    idempotency_key: str = Field(max_length=128)
    received_at: datetime = Field(sa_type=UTCDateTime)


class EvidencePolicyRow(SQLModel, table=True):
    """Which levels need an evidence link at a stage (for items mandatory there)."""

    __tablename__ = "evidence_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "stage"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    stage: str = Field(max_length=16)
    levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    set_by: str = Field(max_length=32)
    set_at: datetime = Field(sa_type=UTCDateTime)


WAIVER_STATUSES = ("pending", "approved", "rejected")


class Waiver(SQLModel, table=True):
    """One item suspended for one system until a date, for a reason someone stands behind:
    asked for by a member, in force once a lead or an admin approves it."""

    __tablename__ = "waivers"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        Index("ix_waivers_workspace_id_system_id", "workspace_id", "system_id"),
        CheckConstraint(_in("status", WAIVER_STATUSES), name="status"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    item_id: str = Field(max_length=32)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    expires_on: date
    status: str = Field(default="pending", max_length=16)
    requested_by: str = Field(max_length=32)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Plan(SQLModel, table=True):
    """A stage move a team commits to: a target stage, a target date, owners per item."""

    __tablename__ = "plans"
    __table_args__ = (
        _team_fk(),
        _system_fk(),
        Index("ix_plans_workspace_id_team_id", "workspace_id", "team_id"),
        # The tick asks only for plans whose reminders are near (by target date).
        Index("ix_plans_workspace_id_target_date", "workspace_id", "target_date"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int
    team_id: int
    system_id: int
    target_stage: str = Field(max_length=16)
    target_date: date
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanItem(SQLModel, table=True):
    """One item of a plan and who owns it; whether it is met is read from the assessments."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "item_id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id", index=True)
    item_id: str = Field(max_length=32)
    owner: str = Field(max_length=32)


ALL_TABLES: tuple[type[SQLModel], ...] = (
    Workspace,
    Team,
    System,
    StageChange,
    CheckIn,
    Assessment,
    AssessmentAnswer,
    TeamResponseSettings,
    Response,
    ResponseAnswer,
    Draft,
    CriteriaVersion,
    SurveyRound,
    SurveyVote,
    Delivery,
    AuditEntry,
    BotPost,
    Installation,
    SystemToken,
    EvidencePush,
    EvidencePolicyRow,
    Waiver,
    Plan,
    PlanItem,
)

__all__ = [
    "ALL_TABLES",
    "CADENCES",
    "CHECKIN_STATUSES",
    "DELIVERY_STATUSES",
    "NEVER_REUSE_IDS",
    "SURVEY_STATUSES",
    "WAIVER_STATUSES",
    "Assessment",
    "AssessmentAnswer",
    "AuditEntry",
    "BotPost",
    "CheckIn",
    "CriteriaVersion",
    "Delivery",
    "Draft",
    "EvidencePolicyRow",
    "EvidencePush",
    "Installation",
    "Plan",
    "PlanItem",
    "Response",
    "ResponseAnswer",
    "StageChange",
    "SurveyRound",
    "SurveyVote",
    "System",
    "SystemToken",
    "Team",
    "TeamResponseSettings",
    "Waiver",
    "Workspace",
]


class BotFile(SQLModel, table=True):
    """A file the bot uploaded that holds people's notes (an export), so that erasing them
    can delete it from Slack too. `team_id` None: a whole workspace's export."""

    __tablename__ = "bot_files"
    __table_args__ = (
        UniqueConstraint("workspace_id", "file_id"),
        Index("ix_bot_files_workspace_id_team_id", "workspace_id", "team_id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    team_id: int | None = None
    file_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
