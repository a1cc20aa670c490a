"""The App Home tab: the person's teams with score, gaps and last assessment, and buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.types import TeamSummary
from bot.slack.blocks.common import (
    VIEW_MAX_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    section,
)
from bot.slack.i18n import format_date, format_number, t
from bot.slack.ids import ActionId, home_team_block_id

# Each team takes two blocks (text, buttons); five more frame the page.
HOME_TEAMS_MAX = (VIEW_MAX_BLOCKS - 6) // 2


def _team_text(summary: TeamSummary, language: str) -> str:
    team = summary.team
    stage = t(f"stage.{team.stage.value}", language)
    if summary.last_assessed_at is None or summary.final_score is None:
        return t("home.team_never", language, name=escape(team.name), stage=stage)
    return t(
        "home.team",
        language,
        name=escape(team.name),
        stage=stage,
        score=format_number(summary.final_score, language),
        gaps="?" if summary.open_gaps is None else summary.open_gaps,
        date=format_date(summary.last_assessed_at, language),
    )


def _system_text(summary: TeamSummary, language: str) -> str:
    system = summary.team
    name = escape(system.system_name or system.name)
    stage = t(f"stage.{system.stage.value}", language)
    if summary.final_score is None:
        return t("home.system_never", language, name=name, stage=stage)
    return t(
        "home.system",
        language,
        name=name,
        stage=stage,
        score=format_number(summary.final_score, language),
        gaps="?" if summary.open_gaps is None else summary.open_gaps,
    )


def _team_blocks(summary: TeamSummary, language: str) -> list[Block]:
    """A team with one system: its line and buttons. With several: the team's line with its
    Scorecard button, then a line per system (stage, score, gaps) with an Assess button that
    opens that system's modal (`team:system`)."""
    team_id = str(summary.team.id)
    scorecard = button(t("home.scorecard", language), ActionId.HOME_SCORECARD, team_id)
    if not summary.systems:
        assess = button(t("home.assess", language), ActionId.HOME_ASSESS, team_id, style="primary")
        return [
            section(_team_text(summary, language), block_id=home_team_block_id(team_id)),
            actions([assess, scorecard]),
        ]
    text = t("home.team_systems", language, name=escape(summary.team.name))
    blocks = [
        section(text, block_id=home_team_block_id(team_id), accessory=scorecard),
    ]
    for system in summary.systems:
        key = f"{team_id}:{system.team.system_id}"
        assess = button(t("home.assess", language), ActionId.HOME_ASSESS, key)
        blocks.append(section(_system_text(system, language), accessory=assess))
    return blocks


def build_home(summaries: Sequence[TeamSummary], language: str) -> dict[str, Any]:
    """The Home view (views.publish). Buttons carry the team's id as their value, or
    `team:system` for one system of a team with several."""
    blocks: list[Block] = [
        header(t("app.name", language)),
        context(t("home.intro", language)),
        divider(),
    ]
    if not summaries:
        blocks.append(section(t("home.empty", language)))
    shown = 0
    for summary in summaries[:HOME_TEAMS_MAX]:
        more = _team_blocks(summary, language)
        # Two blocks stay for the "more" line and the help.
        if len(blocks) + len(more) > VIEW_MAX_BLOCKS - 2:
            break
        blocks += more
        shown += 1
    hidden = len(summaries) - shown
    if hidden > 0:
        blocks.append(context(t("home.more", language, count=hidden)))
    blocks.append(context(t("home.help", language)))
    return {"type": "home", "blocks": blocks}


def build_home_unavailable(text: str, language: str) -> dict[str, Any]:
    """The Home view when the teams cannot be listed right now (storage or a Slack lookup is
    unavailable): what happened, in place of the list."""
    return {
        "type": "home",
        "blocks": [
            header(t("app.name", language)),
            section(text),
            context(t("home.help", language)),
        ],
    }
