"""Long-running entry points: the HTTP server, Socket Mode, one tick, exports."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bot.db.migrate import upgrade
from bot.drain import drain_all
from bot.scheduling.scheduler import start_scheduler, stop_scheduler
from bot.services.types import OPERATOR, Actor, ChannelFacts
from bot.settings import ConfigError, Settings
from bot.wiring import Container, build_bolt, build_container, build_tick_deps, build_web

log = logging.getLogger(__name__)


def _require_a_token(settings: Settings) -> None:
    if settings.oauth_enabled:
        settings.require_token_key()
    elif not settings.slack_bot_token or not settings.slack_bot_token.get_secret_value().strip():
        raise ConfigError(
            "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(OAuth, many workspaces). Without either, run `mlscore demo` to try it offline."
        )


def freeze_startup_objects() -> None:
    """Moves what start-up built (modules, the app, its listeners) out of the collector's reach.

    A full collection walks every tracked object; with these in it, collections made the slowest
    acks (docs/performance.md, finding 10). What requests create is still collected.
    """
    gc.collect()
    gc.freeze()


class _Terminated(BaseException):
    """SIGTERM, raised to unwind a long-running entry point through its clean-up."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM unwinds the block, running its `finally`, and the entry point returns 0.

    uvicorn shuts down gracefully on SIGTERM, restores the handler it found and raises SIGTERM
    again; with the default handler the process died right there, before serve()'s clean-up
    (the chart worker was left running, acked work was cut off). Socket Mode had no handler.
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not in_main_thread or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield  # signals are not ours to handle here (another thread, an embedding program)
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except _Terminated:
        # The clean-up ran (the work already acked was let finish): a stop asked for and
        # carried out is a clean exit, status 0.
        log.info("stopped on SIGTERM")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def serve(settings: Settings, *, host: str, port: int, scheduler: bool = True) -> int:
    import uvicorn

    from bot.serving import guarded_protocol

    settings.require_signing_secret()  # refuse before touching anything else
    _require_a_token(settings)
    upgrade(settings.database_url)
    container = build_container(settings)
    bolt = build_bolt(container)
    web = build_web(container, bolt)
    tickers = []
    work = None
    if settings.work_process:
        from bot.workproc import WorkProcess

        def take_over_the_scheduler() -> None:
            # The work process ran the tick; without it, this process does.
            tickers.append(start_scheduler(build_tick_deps(container)))

        # It runs the scheduler too: a weekly pass is CPU this process must not share.
        work = WorkProcess(
            settings,
            bolt,
            scheduler=scheduler,
            on_death=take_over_the_scheduler if scheduler else None,
        )
        work.start()
        container.metrics.include(work.metrics)
    elif scheduler:
        tickers.append(start_scheduler(build_tick_deps(container)))
    freeze_startup_objects()
    log.info("serving Slack on http://%s:%d/slack/events", host, port)
    with _sigterm_unwinds():
        try:
            uvicorn.run(
                web,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                http=guarded_protocol(settings.read_timeout_seconds),
            )
        finally:
            # One deadline for all of it, so the whole stop fits in the grace (a container
            # runtime kills the process soon after its own stop timeout).
            deadline = time.monotonic() + settings.stop_grace_seconds
            for ticker in tickers:
                ticker.deps.stop()  # claims nothing more from now on
            unfinished = _drain(container, deadline)
            if work is not None:
                work.close(timeout=max(_left(deadline), 1.0))
            for ticker in tickers:
                if not stop_scheduler(ticker, grace=_left(deadline)):
                    unfinished += 1
            container.charts.close()  # after the scheduler: a pass under way may draw charts
            if unfinished:
                # Their threads would hold the interpreter's exit until they end, past the
                # grace: as `mlscore tick` does, end now with status 1.
                logging.shutdown()
                os._exit(1)
    return 0


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


def _drain(container: Container, deadline: float) -> int:
    """The work already acked (answers, charts, posts) finishes by `deadline` (monotonic); Slack
    calls stop waiting out rate limits, so none holds the process past it."""
    container.stopping.set()
    grace = _left(deadline)
    pending = sum(pool.pending for pool in container.pools)
    if pending:
        log.info("stopping: letting %d pieces of acked work finish (up to %.0f s)", pending, grace)
    left = drain_all(container.pools, grace)
    if left:
        log.error("stopping: %d pieces of acked work did not finish within %.0f s", left, grace)
    for pool in container.pools:
        pool.shutdown(wait=False, cancel_futures=True)
    return left


def socket_mode(settings: Settings, *, scheduler: bool = True) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not settings.slack_app_token or not settings.slack_app_token.get_secret_value().strip():
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-...).")
    _require_a_token(settings)
    upgrade(settings.database_url)
    container = build_container(settings)
    app = build_bolt(container, socket_mode=True)
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    ticker = start_scheduler(build_tick_deps(container)) if scheduler else None
    freeze_startup_objects()
    log.info("connecting to Slack over Socket Mode")
    with _sigterm_unwinds():
        try:
            handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
        finally:
            if ticker is not None:
                stop_scheduler(ticker)
            container.charts.close()  # after the scheduler: a pass under way may draw charts
    return 0


def export_data(settings: Settings, *, workspace: str | None, team: str | None, fmt: str) -> bytes:
    container = build_container(settings)
    return container.services.export_for_cli(workspace=workspace, team=team, fmt=fmt)


class _Operator:
    """The person at the command line: trusted like a workspace admin."""

    def is_admin(self, user_id: str) -> bool:
        return True

    def is_guest(self, user_id: str) -> bool:
        return False

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return True

    def channel(self, channel_id: str) -> ChannelFacts:
        return ChannelFacts(found=True, private=False, bot_member=True)


def export_criteria(settings: Settings, *, workspace: str | None) -> str:
    services = build_container(settings).services
    return services.export_criteria(services.workspace_id_for_cli(workspace))


def import_criteria(settings: Settings, *, workspace: str | None, text: str, source: str) -> int:
    services = build_container(settings).services
    actor = Actor(workspace_id=services.workspace_id_for_cli(workspace), user_id=OPERATOR)
    return services.import_criteria(actor, _Operator(), text, source=source)
