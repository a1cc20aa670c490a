"""The weekly gap summary for a channel: each team's score and change, its mandatory gaps with
the newest regressions first, and the teams overdue for an assessment. The chart of the teams by
section is uploaded separately (files v2) right after; `chart_follows` says so in the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.slack.blocks.common import (
    MESSAGE_MAX_BLOCKS,
    Block,
    chunk_lines,
    context,
    escape,
    header,
    message,
    section,
)
from bot.slack.i18n import format_date, format_delta, format_number, t
from rubric.model import Stage

GAPS_SHOWN = 12


@dataclass(frozen=True)
class DigestTeam:
    """One team's line in the digest.

    `gaps` are the open mandatory gaps for its stage (item ids, rubric order); `regressions`
    are item ids that became gaps recently, newest first; they lead the list, marked as new.
    """

    name: str
    stage: Stage
    final: float | None
    delta: float | None
    gaps: tuple[str, ...] = ()
    regressions: tuple[str, ...] = ()
    last_assessed_at: datetime | None = None
    overdue: bool = False
    stale: tuple[str, ...] = ()
    """Items whose claims are past their freshness window (rubric order)."""
    waivers_ending: tuple[tuple[str, date], ...] = ()
    """(item id, last day) of waivers about to end: their tests become gaps again."""
    plans: tuple[DigestPlan, ...] = ()


@dataclass(frozen=True)
class DigestPlan:
    stage: Stage
    target_date: date
    met: int
    total: int
    overdue: bool


def ordered_gaps(team: DigestTeam, language: str) -> list[str]:
    """Newest regressions first (marked), then the other gaps in rubric order."""
    mark = t("digest.new_mark", language)
    open_gaps = set(team.gaps)
    first = [item_id for item_id in team.regressions if item_id in open_gaps]
    rest = [item_id for item_id in team.gaps if item_id not in set(first)]
    return [f"{item_id} ({mark})" for item_id in first] + rest


def _team_text(team: DigestTeam, language: str) -> str:
    stage = t(f"stage.{team.stage.value}", language)
    if team.final is None:
        head = t("digest.team_never", language, team=escape(team.name), stage=stage)
    else:
        change = (
            t("announce.first_change", language)
            if team.delta is None
            else format_delta(team.delta, language)
        )
        head = t(
            "digest.team",
            language,
            team=escape(team.name),
            stage=stage,
            score=format_number(team.final, language),
            change=change,
        )
    gaps = ordered_gaps(team, language)
    if team.final is None:
        # Without an assessment there is nothing to measure gaps against yet.
        return head
    stale = ""
    if team.stale:
        listed = t("common.list_separator", language).join(team.stale[:GAPS_SHOWN])
        if len(team.stale) > GAPS_SHOWN:
            listed += " " + t("common.more", language, count=len(team.stale) - GAPS_SHOWN)
        stale = "\n" + t("digest.stale", language, items=listed)
    if not gaps:
        return f"{head}\n{t('digest.no_gaps', language)}{stale}{_plan_notes(team, language)}"
    shown = t("common.list_separator", language).join(gaps[:GAPS_SHOWN])
    if len(gaps) > GAPS_SHOWN:
        shown += " " + t("common.more", language, count=len(gaps) - GAPS_SHOWN)
    listed = t("digest.gaps", language, count=len(gaps), items=shown)
    return f"{head}\n{listed}{stale}{_plan_notes(team, language)}"


def _plan_notes(team: DigestTeam, language: str) -> str:
    """Each plan's progress (overdue ones said so) and the waivers about to end."""
    lines = [
        t(
            "digest.plan_overdue" if plan.overdue else "digest.plan",
            language,
            stage=t(f"stage.{plan.stage.value}", language),
            date=format_date(plan.target_date, language),
            met=plan.met,
            total=plan.total,
        )
        for plan in team.plans
    ]
    if team.waivers_ending:
        items = t("common.list_separator", language).join(
            f"{item_id} ({format_date(until, language)})" for item_id, until in team.waivers_ending
        )
        lines.append(t("digest.waivers_ending", language, items=items))
    return "".join(f"\n{line}" for line in lines)


def _overdue_line(team: DigestTeam, language: str, now: datetime) -> str:
    if team.last_assessed_at is None:
        return "• " + t("digest.overdue_never", language, team=escape(team.name))
    days = (now - team.last_assessed_at).days
    return "• " + t(
        "digest.overdue_line",
        language,
        team=escape(team.name),
        date=format_date(team.last_assessed_at, language),
        days=days,
    )


def build_digest(
    teams: Sequence[DigestTeam], *, language: str, now: datetime, chart_follows: bool = False
) -> dict[str, Any]:
    """One message for a channel; teams past the block budget are counted, not dropped silently."""
    blocks: list[Block] = [header(t("digest.header", language))]
    if not teams:
        blocks.append(section(t("digest.empty", language)))
        return message(t("digest.fallback", language, count=0), blocks)
    overdue = [team for team in teams if team.overdue]
    overdue_chunks = (
        chunk_lines(
            [t("digest.overdue_title", language)]
            + [_overdue_line(team, language, now) for team in overdue]
        )
        if overdue
        else []
    )
    # header, overdue sections, "and N more", chart note
    room = MESSAGE_MAX_BLOCKS - 1 - len(overdue_chunks[:3]) - 2
    blocks += [section(_team_text(team, language)) for team in teams[:room]]
    if len(teams) > room:
        blocks.append(context(t("common.more", language, count=len(teams) - room)))
    blocks += [section(chunk) for chunk in overdue_chunks[:3]]
    if chart_follows:
        blocks.append(context(t("digest.chart", language)))
    return message(t("digest.fallback", language, count=len(teams)), blocks)
