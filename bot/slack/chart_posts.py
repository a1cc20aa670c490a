"""Render a chart and post it: the slow part of a request, always run after the ack."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.metrics import Metrics
from bot.services.types import TrendView
from bot.slack.uploads import upload_chart

log = logging.getLogger(__name__)


def post_trend(
    metrics: Metrics,
    client: WebClient,
    view: TrendView,
    *,
    channel_id: str,
    language: str,
    thread_ts: str | None = None,
) -> None:
    from bot.charts import render_trend

    with metrics.time_chart("trend"):
        chart = render_trend(view.trend, view.rubric, team=view.team.name, language=language)
    upload_chart(
        client,
        chart,
        channel_id=channel_id,
        filename=f"mlscore-trend-{view.team.id}.png",
        thread_ts=thread_ts,
    )
