"""The benchmarks' baseline: an empty Bolt app behind the bot's own server stack.

It is served exactly as `mlscore serve` serves the bot: `bot.web.create_web_app` (Starlette,
signature check, Bolt dispatch in the thread pool, /healthz, /metrics) under uvicorn with the
same options, with a Web API client built by `bot.slack.clients.make_web_client`. Only the
listeners differ: `/mlscore` and every view submission just ack. With BASELINE_OPEN_MODAL=1,
`/mlscore assess` also opens a one-block modal (the floor for bench_modal); any other command
with BASELINE_RESPOND=1 answers on its response_url with one line (the floor for round trips).
BASELINE_BOLT_DEFAULTS=1 sets Bolt up with its own defaults instead of the bot's settings.

    python -m bench.baseline_app --port 3001   # reads SLACK_* like the bot does
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from starlette.applications import Starlette

from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.slack.clients import make_web_client
from bot.web import create_web_app

MINIMAL_MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Baseline"},
    "close": {"type": "plain_text", "text": "Close"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "baseline"}}],
}


def build_baseline_app(
    *,
    signing_secret: str,
    token: str,
    api_url: str,
    open_modal: bool = False,
    respond_line: bool = False,
    bolt_defaults: bool = False,
) -> Starlette:
    """By default Bolt is set up as the bot's (bot/slack/app.py): ack functions answer before
    the response, work functions run after it in a pool of 32 threads. With `bolt_defaults`
    it is Bolt's own HTTP setup, the baseline of the measurements before finding 15:
    the listener runs in a pool of 5 threads and the response waits for ack(), which Bolt
    polls for every 10 ms."""
    bolt = App(
        client=make_web_client(token, base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=not bolt_defaults,
        # None: Bolt's own pool of 5 threads.
        listener_executor=None
        if bolt_defaults
        else ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt"),
        logger=logging.getLogger("bench.baseline"),
    )

    def ack_command(ack: Ack) -> None:
        ack()

    def after_command(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if open_modal and command.get("text", "").startswith("assess"):
            client.views_open(trigger_id=command["trigger_id"], view=MINIMAL_MODAL)
        elif respond_line:
            respond(text="baseline")

    if bolt_defaults:

        @bolt.command("/mlscore")
        def on_command(
            ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
        ) -> None:
            ack()
            after_command(command, client, respond)

    else:
        bolt.command("/mlscore")(ack=ack_command, lazy=[after_command])

    @bolt.view_submission(re.compile(".*"))
    def on_view(ack: Ack) -> None:
        ack()

    return create_web_app(
        bolt, signing_secret=signing_secret, database_ok=lambda: True, metrics=Metrics()
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    args = parser.parse_args()
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    web = build_baseline_app(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=os.environ["SLACK_BOT_TOKEN"],
        api_url=os.environ["SLACK_API_URL"],
        open_modal=os.environ.get("BASELINE_OPEN_MODAL") == "1",
        respond_line=os.environ.get("BASELINE_RESPOND") == "1",
        bolt_defaults=os.environ.get("BASELINE_BOLT_DEFAULTS") == "1",
    )
    uvicorn.run(web, host=args.host, port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
