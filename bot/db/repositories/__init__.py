"""Repository functions: keyword-only, a Session first, and scoped to one workspace.

Import from here (`from bot.db import repositories as repo`); the modules split them by table.
"""

from __future__ import annotations

from bot.db.repositories.assessments import (
    AnswerInput,
    AssessmentRecord,
    SavedAssessment,
    assessment_history,
    get_assessment,
    latest_assessment,
    latest_assessments_for_teams,
    previous_assessment,
    recent_assessments,
    save_assessment,
)
from bot.db.repositories.audit import (
    append_audit,
    list_audit,
)
from bot.db.repositories.checkins import (
    get_checkin,
    list_checkins,
    mark_checkin,
    upsert_checkin,
)
from bot.db.repositories.criteria import (
    adopt_criteria,
    criteria_history,
    current_criteria,
    get_criteria_version,
)
from bot.db.repositories.deliveries import (
    DEFAULT_LEASE,
    claim_delivery,
    delivery_counts,
    get_delivery,
    list_deliveries,
    mark_delivery_failed,
    mark_delivery_sent,
    pending_deliveries,
)
from bot.db.repositories.drafts import (
    delete_draft,
    get_draft,
    save_draft,
)
from bot.db.repositories.installations import (
    delete_installation,
    get_installation,
    save_installation,
)
from bot.db.repositories.surveys import (
    VoteInput,
    close_survey_round,
    get_open_survey_round,
    get_survey_round,
    list_survey_rounds,
    open_survey_round,
    save_votes,
    set_survey_message,
    survey_votes,
)
from bot.db.repositories.teams import (
    UNCHANGED,
    archive_team,
    create_team,
    get_team,
    get_team_by_channel,
    get_team_by_name,
    list_teams,
    name_key,
    require_team,
    set_language,
    set_paused_until,
    set_schedule,
    stage_history,
    team_target,
    update_team,
)
from bot.db.repositories.workspaces import (
    ensure_workspace,
    get_workspace,
    get_workspace_by_id,
    list_workspaces,
)

__all__ = [
    "DEFAULT_LEASE",
    "UNCHANGED",
    "AnswerInput",
    "AssessmentRecord",
    "SavedAssessment",
    "VoteInput",
    "adopt_criteria",
    "append_audit",
    "archive_team",
    "assessment_history",
    "claim_delivery",
    "close_survey_round",
    "create_team",
    "criteria_history",
    "current_criteria",
    "delete_draft",
    "delete_installation",
    "delivery_counts",
    "ensure_workspace",
    "get_assessment",
    "get_checkin",
    "get_criteria_version",
    "get_delivery",
    "get_draft",
    "get_installation",
    "get_open_survey_round",
    "get_survey_round",
    "get_team",
    "get_team_by_channel",
    "get_team_by_name",
    "get_workspace",
    "get_workspace_by_id",
    "latest_assessment",
    "latest_assessments_for_teams",
    "list_audit",
    "list_checkins",
    "list_deliveries",
    "list_survey_rounds",
    "list_teams",
    "list_workspaces",
    "mark_checkin",
    "mark_delivery_failed",
    "mark_delivery_sent",
    "name_key",
    "open_survey_round",
    "pending_deliveries",
    "previous_assessment",
    "recent_assessments",
    "require_team",
    "save_assessment",
    "save_draft",
    "save_installation",
    "save_votes",
    "set_language",
    "set_paused_until",
    "set_schedule",
    "set_survey_message",
    "stage_history",
    "survey_votes",
    "team_target",
    "update_team",
    "upsert_checkin",
]
