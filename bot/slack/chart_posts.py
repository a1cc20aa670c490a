"""Render a chart and post it: the slow part of a request, run after the ack on a pool of its
own so the listener thread is free for the next request at once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.services.plans import Burnup
from bot.services.types import TeamInfo, TrendView
from bot.slack.blocks.common import escape
from bot.slack.deps import SlackDeps
from bot.slack.i18n import t
from bot.slack.uploads import upload_chart

log = logging.getLogger(__name__)


def post_trend(
    deps: SlackDeps,
    client: WebClient,
    view: TrendView,
    *,
    channel_id: str,
    language: str,
    thread_ts: str | None = None,
) -> None:
    with deps.metrics.time_chart("trend"):
        chart = deps.charts.render(
            "render_trend", view.trend, view.rubric, team=view.team.label, language=language
        )
    upload_chart(
        client,
        chart,
        channel_id=channel_id,
        filename=f"mlscore-trend-{view.team.id}.png",
        thread_ts=thread_ts,
    )


def post_trend_later(
    deps: SlackDeps,
    client: WebClient,
    view: TrendView,
    *,
    channel_id: str | Callable[[], str],
    language: str,
    tell: Callable[[str], Any],
) -> None:
    """post_trend in the background; if it fails, the person is told the chart is missing."""

    def post(target: str) -> None:
        post_trend(deps, client, view, channel_id=target, language=language)

    _later(deps, post, channel_id=channel_id, language=language, label=view.team.label, tell=tell)


def post_systems_trend_later(
    deps: SlackDeps,
    client: WebClient,
    team: TeamInfo,
    views: Sequence[TrendView],
    *,
    channel_id: str | Callable[[], str],
    language: str,
    tell: Callable[[str], Any],
) -> None:
    """A team's systems on one chart (each one's final score over time), in the background."""

    def post(target: str) -> None:
        with deps.metrics.time_chart("trend"):
            chart = deps.charts.render(
                "render_systems_trend",
                [(view.team.system_name or view.team.label, view.trend) for view in views],
                views[0].rubric,
                team=team.name,
                language=language,
            )
        upload_chart(
            client, chart, channel_id=target, filename=f"mlscore-systems-trend-{team.id}.png"
        )

    _later(deps, post, channel_id=channel_id, language=language, label=team.name, tell=tell)


def post_burnup_later(
    deps: SlackDeps,
    client: WebClient,
    burnup: Burnup,
    *,
    channel_id: str | Callable[[], str],
    language: str,
    tell: Callable[[str], Any],
) -> None:
    """A plan's burn-up chart (tests met over time, its target date), in the background."""
    plan = burnup.plan

    def post(target: str) -> None:
        chart = deps.charts.render(
            "render_burnup",
            list(burnup.points),
            len(plan.items),
            team=plan.system.label,
            rubric=burnup.rubric,
            stage=plan.target_stage,
            target_date=plan.target_date,
            language=language,
        )
        upload_chart(client, chart, channel_id=target, filename=f"mlscore-plan-{plan.id}.png")

    _later(deps, post, channel_id=channel_id, language=language, label=plan.system.label, tell=tell)


def _later(
    deps: SlackDeps,
    post: Callable[[str], None],
    *,
    channel_id: str | Callable[[], str],
    language: str,
    label: str,
    tell: Callable[[str], Any],
) -> None:
    def run() -> None:
        try:
            post(channel_id() if callable(channel_id) else channel_id)
        except (SlackClientError, OSError, RuntimeError, TimeoutError) as error:
            # SlackClientError covers a refused API call and a failed upload of the bytes.
            log.warning("could not post a trend chart: %s", type(error).__name__)
            try:
                tell(t("error.chart_failed", language, team=escape(label)))
            except SlackClientError:
                log.warning("could not tell the person either")
        finally:
            log.debug("trend chart post finished")

    deps.background.submit(run)
