"""The weekly gap summary of one channel as Block Kit and charts (its facts: bot.services.digests).

For each team: its score and the change since the assessment before; the mandatory gaps for its
stage, newest regressions first (gaps that appeared in the latest assessment, marked new); then
who is overdue (no assessment since the start of the last period whose due time has passed),
who is away, and who skipped. The chart of the teams by section is uploaded right after the
message, in the channel (not in a thread, so nobody has to open one to see it).
"""

from __future__ import annotations

from typing import Any

from bot.charts import MAX_OVERVIEW_TEAMS, Chart, TeamOverview
from bot.charts.worker import ChartWorker
from bot.scheduling.messages import add_standing_notes
from bot.services.digests import ChannelDigest, TeamDigest
from bot.slack.blocks.digest import DigestPlan, DigestTeam, build_digest
from rubric.model import Rubric, Stage

__all__ = ["ChannelDigest", "TeamDigest", "digest_charts", "digest_message"]


# ---- Block Kit -------------------------------------------------------------------------------


def digest_message(digest: ChannelDigest, *, requested_by: str | None = None) -> dict[str, Any]:
    """The shared digest builder's message, plus a note on who is away or skipped."""
    teams = [
        DigestTeam(
            name=team.team.label,
            stage=team.team.stage,
            final=team.final,
            delta=team.delta,
            gaps=team.gaps_in_rubric_order,
            regressions=team.new_gaps,
            last_assessed_at=team.last_assessed,
            overdue=team.overdue,
            stale=team.stale,
            waivers_ending=team.waivers_ending,
            plans=tuple(
                DigestPlan(
                    stage=Stage(plan.target_stage),
                    target_date=plan.target_date,
                    met=plan.met,
                    total=plan.total,
                    overdue=plan.overdue,
                )
                for plan in team.plans
            ),
        )
        for team in digest.teams
    ]
    payload = build_digest(
        teams, language=digest.language, now=digest.now, chart_follows=bool(digest.charted)
    )
    return add_standing_notes(
        payload,
        away=[(t.team.label, t.away_until) for t in digest.teams if t.away_until is not None],
        skipped=[t.team.label for t in digest.teams if t.skipped_period is not None],
        requested_by=requested_by,
        language=digest.language,
    )


# ---- charts ----------------------------------------------------------------------------------


def digest_charts(digest: ChannelDigest, charts: ChartWorker) -> list[Chart]:
    """The teams by section, one chart per rubric and per MAX_OVERVIEW_TEAMS teams."""
    by_rubric: dict[str, tuple[Rubric, list[TeamOverview]]] = {}
    for team in digest.charted:
        assert team.rubric is not None
        rows = by_rubric.setdefault(team.rubric.id, (team.rubric, []))[1]
        rows.append(
            TeamOverview(
                name=team.team.label,
                stage=team.team.stage,
                sections=team.sections,
                final=team.final,
                gaps_by_section=team.gaps_by_section,
                team=team.team.name if team.team.systems > 1 else None,
            )
        )
    rendered = []
    for rubric, rows in by_rubric.values():
        for start in range(0, len(rows), MAX_OVERVIEW_TEAMS):
            page = rows[start : start + MAX_OVERVIEW_TEAMS]
            rendered.append(
                charts.render("render_overview", page, rubric, language=digest.language)
            )
    return rendered
