"""`/mlscore teams`: every team with its stage, last assessment, score and open gaps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.types import TeamSummary
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
from bot.slack.i18n import format_date, format_number, t


def stage_name(stage: str, language: str) -> str:
    return t(f"stage.{stage}", language)


def team_line(summary: TeamSummary, language: str) -> str:
    team = summary.team
    channel = f" <#{team.channel_id}>" if team.channel_id else ""
    stage = stage_name(team.stage.value, language)
    if summary.last_assessed_at is None or summary.final_score is None:
        return t("teams.line_never", language, name=escape(team.name), channel=channel, stage=stage)
    return t(
        "teams.line",
        language,
        name=escape(team.name),
        channel=channel,
        stage=stage,
        score=format_number(summary.final_score, language),
        gaps="?" if summary.open_gaps is None else summary.open_gaps,
        date=format_date(summary.last_assessed_at, language),
    )


def build_teams_list(summaries: Sequence[TeamSummary], language: str) -> dict[str, Any]:
    """One line per team, packed into sections of up to 3000 characters; past the 50-block
    limit the rest are counted in a closing line."""
    if not summaries:
        return message(t("teams.empty", language), [section(t("teams.empty", language))])
    chunks = chunk_lines(team_line(summary, language) for summary in summaries)
    room = MESSAGE_MAX_BLOCKS - 2  # header and the "and N more" context
    blocks: list[Block] = [header(t("teams.header", language, count=len(summaries)))]
    blocks += [section(chunk) for chunk in chunks[:room]]
    if len(chunks) > room:
        shown = sum(chunk.count("\n") + 1 for chunk in chunks[:room])
        blocks.append(context(t("common.more", language, count=len(summaries) - shown)))
    return message(t("teams.fallback", language, count=len(summaries)), blocks)
