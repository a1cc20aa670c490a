"""Work after the ack, handed from a listener's ack function to its lazy function.

Every listener is a pair, registered the way Bolt does for function-as-a-service hosts:
`app.command(...)(ack=<ack function>, lazy=[<work function>])`, with Bolt's
process_before_response=True: the response goes out as soon as the ack function returns. The
ack function answers Slack (and stores an assessment page first); the work function does what
the person waits for without Slack waiting: answers on response_url, charts, posts, modals.

Work functions run in Bolt's threads, or, with MLSCORE_WORK_PROCESS=true, in the work process
(bot/workproc.py). An ack function tells its work function what it learnt with `pass_on`; the
values may cross a process boundary, so they are JSON.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

from slack_bolt import Ack, BoltContext

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])

HANDOFF_KEY: Final = "mlscore_handoff"
# Headers no request from outside may carry: Bolt's own, which make it skip a listener's ack
# function, and the x-mlscore- family, kept for the bot's own use.
INTERNAL_HEADER_PREFIXES: Final = ("x-mlscore-", "x-slack-bolt-")


def ack_at_once(ack: Ack) -> None:
    """The ack function of listeners whose whole work comes after an empty ack."""
    ack()


def work(function: F) -> F:
    """Marks a work function: a failure is logged with its traceback (Bolt would log only the
    message), since after the ack there is no response left to carry it, and the person is
    told something unexpected went wrong instead of meeting silence."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except Exception as error:
            log.error(
                "work after an ack failed in %s: %s",
                function.__name__,
                type(error).__name__,
                exc_info=error,
            )
            _tell_unexpected(kwargs)
        else:
            log.debug("work after an ack done in %s", function.__name__)

    return run  # type: ignore[return-value]  # same signature: Bolt reads it through unwrap


def _tell_unexpected(kwargs: dict[str, Any]) -> None:
    """ "Something unexpected went wrong", in the person's language: on the response_url where
    there is one (commands, buttons in messages), else as a direct message (the Home tab,
    modals). Failing to say it is logged, never raised."""
    # Imported here: the listeners import this module.
    from bot.slack.i18n import t
    from bot.slack.listeners.common import tell
    from bot.slack.scope import RequestScope

    context = kwargs.get("context")
    scope = context.get("scope") if isinstance(context, BoltContext) else None
    if not isinstance(context, BoltContext) or not isinstance(scope, RequestScope):
        return
    try:
        language = scope.language()
    except Exception:
        language = scope.settings.default_language
    text = t("error.unexpected", language)
    try:
        # Bolt offers a respond everywhere, but it works only where Slack gave a response_url.
        respond = (kwargs.get("respond") or context.respond) if context.response_url else None
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif scope.user_id:
            body = kwargs.get("body")
            tell(scope, context.client, body if isinstance(body, dict) else {}, text)
    except Exception as error:
        log.warning("could not tell a person about an unexpected failure: %s", error)


def pass_on(context: BoltContext, **values: Any) -> None:
    """Values (JSON) the ack function leaves for the work function of the same request."""
    json.dumps(values)  # refuse here, in the ack function, what could not cross to the worker
    handed = dict(context.get(HANDOFF_KEY) or {})
    handed.update(values)
    context[HANDOFF_KEY] = handed


def passed(context: BoltContext) -> dict[str, Any]:
    """What the ack function passed on; empty if it passed nothing."""
    handed = context.get(HANDOFF_KEY)
    return dict(handed) if isinstance(handed, dict) else {}


def is_internal_header(name: str) -> bool:
    return name.lower().startswith(INTERNAL_HEADER_PREFIXES)
