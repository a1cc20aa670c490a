"""Small helpers every listener uses: the request scope, ephemeral replies, error messages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.types import ServiceError
from bot.slack.blocks.errors import ephemeral, escape_params
from bot.slack.i18n import t
from bot.slack.scope import RequestScope
from bot.slack.uploads import direct_channel

log = logging.getLogger(__name__)

Respond = Callable[..., Any]


def scope_of(context: BoltContext) -> RequestScope:
    scope = context.get("scope")
    if not isinstance(scope, RequestScope):
        # The middleware sets it for every request that names a workspace; one that does not
        # is not something a listener can act on.
        raise LookupError("request has no workspace scope")
    return scope


def tell(scope: RequestScope, client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral note where a button was clicked, else (the Home tab, a modal) a direct
    message. A Slack refusal is logged: there is nowhere else to say it."""
    user = scope.user_id or ""
    channel = (body.get("channel") or {}).get("id")
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=direct_channel(client, user), text=text)
    except SlackApiError as error:
        log.warning("could not tell a person: %s", error.response.get("error"))


def service_error_text(error: ServiceError, language: str, *, mrkdwn: bool = True) -> str:
    """The error in words. In messages (mrkdwn) names people typed are escaped so they cannot
    break the formatting; modal errors are plain text and take them as they are."""
    params = escape_params(error.params) if mrkdwn else error.params
    return t(error.key, language, **params)


@contextmanager
def telling_user(respond: Respond, language: str) -> Iterator[None]:
    """Turns expected failures into a message for the person instead of a stack trace."""
    try:
        yield
    except ServiceError as error:
        respond(ephemeral({"text": service_error_text(error, language)}))
    except SlackApiError as error:
        log.warning("Slack refused a call: %s", error.response.get("error"))
        text = t("error.slack", language, error=error.response.get("error", "?"))
        respond(ephemeral({"text": text}))
