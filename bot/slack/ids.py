"""Every callback_id, action_id and block_id the bot's views and messages use.

Builders and parsers share these names, and listeners bind handlers to them, so a rename is one
edit. Ids that carry an item (``item:FD1``) are built and split by the helpers below, never by
hand.
"""

from __future__ import annotations

from enum import StrEnum


class CallbackId(StrEnum):
    """callback_id of each modal."""

    ASSESSMENT = "assessment"
    DRAFT_PROMPT = "assessment_draft_prompt"
    CRITERIA_SURVEY = "criteria_survey"
    NOTICE = "notice"
    RESOLVE = "responses_resolve"
    PLAN = "plan"


class ActionId(StrEnum):
    """action_id of every interactive element."""

    # assessment modal
    STAGE = "stage"
    ITEM_LEVEL = "item_level"
    ITEM_NOTE = "item_note"
    ITEM_EVIDENCE_URL = "item_evidence_url"
    ITEM_EVIDENCE_LABEL = "item_evidence_label"
    OVERALL_NOTE = "overall_note"
    NAV_BACK = "nav_back"
    # "continue your draft?" prompt
    DRAFT_CONTINUE = "draft_continue"
    DRAFT_DISCARD = "draft_discard"
    # check-in messages
    CHECKIN_OPEN = "checkin_open"
    CHECKIN_SKIP = "checkin_skip"
    CHECKIN_UNCHANGED = "checkin_unchanged"
    # one-page check-in: from the items that most likely changed to every item
    SHOW_ALL = "assess_show_all"
    # "which system?" buttons
    CHOOSE_SYSTEM = "choose_system"
    # App Home
    HOME_ASSESS = "home_assess"
    HOME_SCORECARD = "home_scorecard"
    # criteria survey
    SURVEY_OPEN = "criteria_survey_open"
    SURVEY_CELL = "criteria_cell"
    SURVEY_COMMENT = "criteria_comment"
    SURVEY_BACK = "criteria_nav_back"
    # several respondents
    RESOLVE_OPEN = "responses_resolve_open"
    RESOLVE_LEVEL = "responses_resolve_level"
    # stage moves: plans and waivers
    PLAN_MAKE = "plan_make"
    PLAN_DATE = "plan_date"
    PLAN_OWNER = "plan_owner"
    WAIVER_APPROVE = "waiver_approve"
    WAIVER_REJECT = "waiver_reject"


class BlockId(StrEnum):
    """Fixed block_ids, and the prefixes of block_ids that carry an item."""

    STAGE = "stage"
    OVERALL_NOTE = "overall_note"
    NAV = "nav"
    INTRO = "intro"
    DRAFT_ACTIONS = "draft_actions"
    CHECKIN_ACTIONS = "checkin_actions"
    CHECKIN_DONE = "checkin_done"
    SHOW_ALL = "show_all"
    SURVEY_ACTIONS = "survey_actions"
    PLAN_ACTIONS = "plan_actions"
    PLAN_DATE = "plan_date"
    WAIVER_ACTIONS = "waiver_actions"
    # prefixes, joined to an item id by ":"
    ITEM = "item"
    NOTE = "note"
    EVIDENCE_URL = "evidence_url"
    EVIDENCE_LABEL = "evidence_label"
    CELL = "cell"
    COMMENT = "comment"
    ITEM_TITLE = "title"
    HOME_TEAM = "home_team"
    RESOLVE = "resolve"


SEPARATOR = ":"


def item_block_id(item_id: str) -> str:
    """The input block holding an item's level (``item:FD1``)."""
    return f"{BlockId.ITEM}{SEPARATOR}{item_id}"


def evidence_url_block_id(item_id: str) -> str:
    """The input block holding the link behind an item's claim (``evidence_url:FD1``)."""
    return f"{BlockId.EVIDENCE_URL}{SEPARATOR}{item_id}"


def evidence_label_block_id(item_id: str) -> str:
    """The input block holding the link's short label (``evidence_label:FD1``)."""
    return f"{BlockId.EVIDENCE_LABEL}{SEPARATOR}{item_id}"


def note_block_id(item_id: str) -> str:
    """The input block holding an item's optional note (``note:FD1``)."""
    return f"{BlockId.NOTE}{SEPARATOR}{item_id}"


def cell_block_id(item_id: str, stage: str) -> str:
    """The criteria survey input for one item at one stage (``cell:FD1:research``)."""
    return f"{BlockId.CELL}{SEPARATOR}{item_id}{SEPARATOR}{stage}"


def comment_block_id(item_id: str) -> str:
    """The criteria survey's optional comment on one item (``comment:FD1``)."""
    return f"{BlockId.COMMENT}{SEPARATOR}{item_id}"


def title_block_id(item_id: str) -> str:
    """The section block naming an item above its survey inputs (``title:FD1``)."""
    return f"{BlockId.ITEM_TITLE}{SEPARATOR}{item_id}"


def home_team_block_id(team_id: str) -> str:
    return f"{BlockId.HOME_TEAM}{SEPARATOR}{team_id}"


def split_block_id(block_id: str) -> tuple[str, ...]:
    """``"cell:FD1:research"`` -> ``("cell", "FD1", "research")``."""
    return tuple(block_id.split(SEPARATOR))
