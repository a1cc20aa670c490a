"""The bot's messages that show what people wrote: posted with a record, edited on erasure.

A scorecard posted to a channel or a DM shows its overall note. The services keep a record of
each such message (channel, ts, whose words); erasing a person's notes, or a team, returns the
records, and `edit_erased` replaces each message's content with a line saying notes were erased.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.types import Erased, Scorecard
from bot.slack.blocks.common import message, section
from bot.slack.i18n import t
from bot.slack.scope import RequestScope

log = logging.getLogger(__name__)

# Slack's answers for a message that is not there any more: nothing is left to edit.
_GONE = frozenset({"message_not_found", "channel_not_found", "is_archived", "not_in_channel"})


def post_scorecard(
    scope: RequestScope,
    client: WebClient,
    card: Scorecard,
    payload: dict[str, Any],
    *,
    channel_id: str,
    language: str,
) -> str:
    """chat.postMessage, then the record the erasure needs when the card shows someone's
    note; returns the message's ts."""
    response = client.chat_postMessage(channel=channel_id, **payload)
    ts = str(response["ts"])
    posted_in = str(response.get("channel") or channel_id)
    scope.deps.services.record_post(
        scope.actor(card.team),
        card.team.id,
        channel_id=posted_in,
        message_ts=ts,
        authors=card.note_authors,
        kind="scorecard",
        language=language,
    )
    return ts


@dataclass(frozen=True)
class Edited:
    edited: int
    failed: int


def edit_erased(scope: RequestScope, client: WebClient, erased: Erased) -> Edited:
    """Replace every message that showed the erased text; forget the records of those edited
    or gone. A message Slack would not edit now keeps its record, so erasing again retries."""
    done = []
    failed = 0
    for posted in erased.messages:
        text = t("erased.post", posted.language)
        try:
            client.chat_update(
                channel=posted.channel_id, ts=posted.message_ts, **message(text, [section(text)])
            )
        except SlackApiError as error:
            reason = error.response.get("error")
            if reason not in _GONE:
                log.warning("could not edit a message that showed erased notes: %s", reason)
                failed += 1
                continue
        done.append(posted)
    scope.deps.services.forget_posts(scope.actor(), done)
    return Edited(edited=len(done), failed=failed)


# What files.delete answers for a file that is already gone.
_FILE_GONE = frozenset({"file_not_found", "file_deleted"})


def delete_erased_files(scope: RequestScope, client: WebClient, erased: Erased) -> Edited:
    """Delete every file the bot uploaded that held the erased text; forget the records of
    those deleted or gone. One Slack would not delete now keeps its record for a retry."""
    done: list[str] = []
    failed = 0
    for file_id in erased.files:
        try:
            client.files_delete(file=file_id)
        except SlackApiError as error:
            reason = error.response.get("error")
            if reason not in _FILE_GONE:
                log.warning("could not delete a file that held erased notes: %s", reason)
                failed += 1
                continue
        done.append(file_id)
    scope.deps.services.forget_files(scope.actor(), done)
    return Edited(edited=len(done), failed=failed)
