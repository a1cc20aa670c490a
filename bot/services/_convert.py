"""Rows -> the plain dataclasses the use cases return, and drafts <-> their stored JSON."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.db.tables import System, Team
from bot.limits import OVERALL_NOTE_MAX_CHARS
from bot.services.types import DraftState, ItemDraft, TeamInfo
from rubric.model import Stage
from rubric.periods import Cadence, Schedule

OFF = "off"
"""The `teams.cadence` value for a team without scheduled check-ins."""

# Slack caps a text input at 3,000 characters; a stored draft never needs to hold more.
DRAFT_TEXT_MAX_CHARS = OVERALL_NOTE_MAX_CHARS


def team_info(team: Team, system: System | None = None, *, systems: int = 1) -> TeamInfo:
    """The team; with `system`, the team as seen through that system (its stage, and its
    schedule where it has one of its own)."""
    assert team.id is not None
    if system is None:
        return TeamInfo(
            id=team.id,
            workspace_id=team.workspace_id,
            name=team.name,
            channel_id=team.channel_id or "",
            stage=Stage(team.stage),
            rubric_id=team.rubric_id,
            language=team.language,
            schedule=schedule_of(team),
            paused_until=team.paused_until,
            leads=tuple(team.leads),
            archived=team.archived,
            created_at=team.created_at,
            channel_private=team.channel_private,
            systems=systems,
        )
    assert system.id is not None
    assert system.team_id == team.id
    return TeamInfo(
        id=team.id,
        workspace_id=team.workspace_id,
        name=team.name,
        channel_id=team.channel_id or "",
        stage=Stage(system.stage),
        rubric_id=team.rubric_id,
        language=team.language,
        schedule=schedule_of(team, system),
        paused_until=system.paused_until or team.paused_until,
        leads=tuple(team.leads),
        archived=team.archived or system.archived_at is not None,
        created_at=system.created_at,
        channel_private=team.channel_private,
        system_id=system.id,
        system_name=system.name,
        systems=systems,
    )


def schedule_of(team: Team, system: System | None = None) -> Schedule | None:
    """The team's schedule, or the system's: each field it leaves unset is the team's."""
    cadence = team.cadence
    weekday, local_time, tz = team.weekday, team.local_time, team.tz
    if system is not None:
        cadence = system.cadence or cadence
        weekday = team.weekday if system.weekday is None else system.weekday
        local_time, tz = system.local_time or local_time, system.tz or tz
    if cadence == OFF:
        return None
    hours, minutes = (int(part) for part in local_time.split(":"))
    return Schedule(cadence=Cadence(cadence), weekday=weekday, at=time(hours, minutes), tz=tz)


def draft_to_json(state: DraftState) -> dict[str, Any]:
    return {
        "stage": state.stage.value,
        "answers": {
            item_id: {
                "choice": answer.choice,
                "note": answer.note[:DRAFT_TEXT_MAX_CHARS],
                "note_by": answer.note_by,
                "evidence_url": answer.evidence_url[:DRAFT_TEXT_MAX_CHARS],
                "evidence_label": answer.evidence_label[:DRAFT_TEXT_MAX_CHARS],
            }
            for item_id, answer in state.answers.items()
        },
        "overall_note": state.overall_note[:DRAFT_TEXT_MAX_CHARS],
        "page": state.page,
        "period_key": state.period_key,
        "stage_version": state.stage_version,
        "stale": list(state.stale),
    }


def draft_from_json(data: dict[str, Any], *, fallback_stage: Stage) -> DraftState:
    """Read a stored draft leniently: a draft is a convenience, so a field that no longer makes
    sense (an unknown stage, a malformed answer) is dropped rather than failing the modal."""
    try:
        stage = Stage(str(data.get("stage")))
    except ValueError:
        stage = fallback_stage
    answers: dict[str, ItemDraft] = {}
    raw_answers = data.get("answers")
    if isinstance(raw_answers, dict):
        for item_id, raw in raw_answers.items():
            if not isinstance(raw, dict):
                continue
            choice = raw.get("choice")
            note = raw.get("note")
            note_by = raw.get("note_by")
            url = raw.get("evidence_url")
            label = raw.get("evidence_label")
            answers[str(item_id)] = ItemDraft(
                choice=choice if isinstance(choice, str) and choice else None,
                note=note if isinstance(note, str) else "",
                note_by=note_by if isinstance(note_by, str) and note_by else None,
                evidence_url=url if isinstance(url, str) else "",
                evidence_label=label if isinstance(label, str) else "",
            )
    overall = data.get("overall_note")
    page = data.get("page")
    period_key = data.get("period_key")
    version = data.get("stage_version")
    raw_stale = data.get("stale")
    stale = tuple(str(x) for x in raw_stale) if isinstance(raw_stale, list) else ()
    return DraftState(
        stale=stale,
        stage=stage,
        answers=answers,
        overall_note=overall if isinstance(overall, str) else "",
        page=_count(page) or 0,
        period_key=period_key if isinstance(period_key, str) and period_key else None,
        stage_version=_count(version),
    )


def _count(value: object) -> int | None:
    """A non-negative int from JSON (where a bool would pass isinstance(value, int))."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
