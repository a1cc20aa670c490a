"""Posting charts and files with the files v2 flow (files.upload is retired)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk import WebClient

if TYPE_CHECKING:
    from bot.charts import Chart

log = logging.getLogger(__name__)


def direct_channel(client: WebClient, user_id: str) -> str:
    """The bot's DM with a person, for what only that person should see (files cannot be
    ephemeral)."""
    response = client.conversations_open(users=user_id)
    channel: str = response["channel"]["id"]
    return channel


def upload_chart(
    client: WebClient,
    chart: Chart,
    *,
    channel_id: str,
    filename: str,
    comment: str | None = None,
    thread_ts: str | None = None,
) -> None:
    client.files_upload_v2(
        channel=channel_id,
        content=chart.png,
        filename=filename,
        title=chart.title,
        alt_txt=chart.alt_text,
        initial_comment=comment,
        thread_ts=thread_ts,
    )


def upload_file(
    client: WebClient,
    data: bytes,
    *,
    channel_id: str,
    filename: str,
    title: str,
    comment: str | None = None,
) -> str | None:
    """Uploads the file; returns its id (None if Slack did not say)."""
    response = client.files_upload_v2(
        channel=channel_id, content=data, filename=filename, title=title, initial_comment=comment
    )
    uploaded = response.get("files") or [response.get("file") or {}]
    file_id = uploaded[0].get("id") if uploaded and isinstance(uploaded[0], dict) else None
    return str(file_id) if file_id else None
