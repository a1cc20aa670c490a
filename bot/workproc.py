"""The work process: what comes after the acks, and the scheduler, outside the web process.

With MLSCORE_WORK_PROCESS=true, `mlscore serve` acks in its web process and hands the rest of
each request (answers on response_url, scorecards, charts, posts, modals) to one work process,
which also runs the scheduler. Python threads share one GIL, and under a heavy load the acks
wait behind that work for it; the OS schedules two processes more fairly than the GIL
schedules threads. The price is one more interpreter with the whole stack (docs/performance.md,
finding 15).

A handed-over request is the Slack request itself (raw body and headers), the name of the
listener's work function and what its ack function passed on. The work process dispatches it
through its own Bolt app as a lazy-only request, so the work function gets what Bolt gives any
listener: the workspace's client, respond, the context. If the work process is gone, the web
process runs the work itself, in a thread, as Socket Mode and the tests always do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from slack_bolt import BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner

from bot.slack.handoff import HANDOFF_KEY

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from slack_bolt import App

    from bot.settings import Settings

log = logging.getLogger(__name__)

# Enough for a burst of slow Slack calls without one chart upload holding up an answer.
WORK_THREADS: Final = 32
CLOSE_TIMEOUT_SECONDS: Final = 10.0
# How often the work process sends its metrics to the web process, which serves /metrics.
METRICS_PUSH_SECONDS: Final = 5.0
_STOP: Final = b""


def message_for(request: BoltRequest) -> bytes:
    """One hand-over, as sent down the pipe: JSON, so nothing of the web process is unpickled."""
    return json.dumps(
        {
            "body": request.raw_body,
            "query": {key: list(values) for key, values in request.query.items()},
            "headers": {key: list(values) for key, values in request.headers.items()},
            "lazy": request.lazy_function_name,
            "handoff": request.context.get(HANDOFF_KEY) or {},
        }
    ).encode()


def request_from(message: bytes) -> BoltRequest:
    """The lazy-only request the work process dispatches for one handed-over message."""
    fields = json.loads(message)
    headers: dict[str, Any] = dict(fields["headers"])
    headers["x-slack-bolt-lazy-only"] = ["1"]
    headers["x-slack-bolt-lazy-function-name"] = [fields["lazy"]]
    # Bolt keeps what the context starts with: the work function finds it where it would
    # in the web process.
    return BoltRequest(
        body=fields["body"],
        query=fields["query"],
        headers=headers,
        context={HANDOFF_KEY: fields["handoff"]},
    )


class WorkProcess:
    """Starts the work process and hands it the work functions of the web's Bolt app.

    Hand-overs go through a queue to one sender thread, so an ack never waits on the pipe
    (a busy or still-starting work process would fill it).
    """

    def __init__(
        self,
        settings: Settings,
        bolt_app: App,
        *,
        scheduler: bool,
        on_death: Callable[[], None] | None = None,
    ) -> None:
        self._settings = settings
        self._scheduler = scheduler
        self._on_death = on_death
        # Bolt's own runner (threads of this process) for when the work process is gone.
        self._fallback = bolt_app.listener_runner.lazy_listener_runner
        bolt_app.listener_runner.lazy_listener_runner = _HandOver(self)
        self._queue: queue.SimpleQueue[tuple[Callable[..., None], BoltRequest] | None] = (
            queue.SimpleQueue()
        )
        self._process: BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._sender: threading.Thread | None = None
        self._broken = threading.Event()
        self._closing = threading.Event()
        self._metrics: bytes | None = None

    def start(self) -> None:
        # spawn, not fork: the web process may already hold threads and their locks.
        context = multiprocessing.get_context("spawn")
        reader, writer = context.Pipe(duplex=False)
        metrics_reader, metrics_writer = context.Pipe(duplex=False)
        process = context.Process(
            target=run_work_process,
            args=(self._settings, reader, metrics_writer, os.getpid(), self._scheduler),
            name="mlscore-work",
        )
        process.start()
        reader.close()
        metrics_writer.close()
        self._process, self._conn = process, writer
        self._sender = threading.Thread(target=self._send_all, name="work-sender", daemon=True)
        self._sender.start()
        threading.Thread(target=self._watch, name="work-watch", daemon=True).start()
        threading.Thread(
            target=self._receive_metrics, args=(metrics_reader,), name="work-metrics", daemon=True
        ).start()

    def metrics(self) -> bytes | None:
        """The work process's latest metrics (exposition text), None before the first."""
        return self._metrics

    def _receive_metrics(self, conn: multiprocessing.connection.Connection) -> None:
        with conn:
            while True:
                try:
                    self._metrics = conn.recv_bytes()
                except (EOFError, OSError):
                    return  # the work process is gone

    def hand_over(self, function: Callable[..., None], request: BoltRequest) -> None:
        if self._process is None or self._broken.is_set():
            self._fallback.start(function, request)
            return
        self._queue.put((function, request))

    def _watch(self) -> None:
        assert self._process is not None
        multiprocessing.connection.wait([self._process.sentinel])
        self._broken.set()
        if not self._closing.is_set():
            log.error(
                "the work process ended (exit code %s); work after acks runs in the web "
                "process from now on",
                self._process.exitcode,
            )
            if self._on_death is not None:
                self._on_death()

    def _send_all(self) -> None:
        assert self._conn is not None
        while (item := self._queue.get()) is not None:
            function, request = item
            if not self._broken.is_set():
                try:
                    self._conn.send_bytes(message_for(request))
                    continue
                except OSError:
                    self._broken.set()
                    log.error("could not hand work to the work process; running it here")
            self._fallback.start(function, request)
        with contextlib.suppress(OSError):  # already gone
            self._conn.send_bytes(_STOP)

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Lets the work process finish what it was handed (up to `timeout` s), then ends it."""
        process = self._process
        if process is None:
            return
        self._closing.set()
        self._queue.put(None)
        if self._sender is not None:
            self._sender.join(timeout)
        process.join(timeout)
        if process.is_alive():
            log.warning("the work process did not stop in %.0f s; terminating it", timeout)
            process.terminate()
            process.join(1.0)
        self._broken.set()  # hand-overs after close() run in this process
        if self._conn is not None:
            self._conn.close()


class _HandOver(LazyListenerRunner):
    """Bolt's lazy-listener runner for the web process: hands each work function over."""

    def __init__(self, work: WorkProcess) -> None:
        self.logger = logging.getLogger("bot.slack.bolt")
        self._work = work

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        self._work.hand_over(function, request)


def run_work_process(
    settings: Settings,
    conn: multiprocessing.connection.Connection,
    metrics_conn: multiprocessing.connection.Connection,
    parent_pid: int,
    scheduler: bool,
) -> None:
    """The work process's main: dispatch each handed-over request until told to stop."""
    from bot.lifeline import exit_with_parent
    from bot.logs import configure_logging
    from bot.runtime import freeze_startup_objects
    from bot.scheduling.scheduler import start_scheduler, stop_scheduler
    from bot.wiring import build_bolt, build_container, build_tick_deps

    # The web process decides when this one stops (it sends _STOP after its last hand-over);
    # a Ctrl-C or a SIGTERM sent to the whole group must not drop work already handed over.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    exit_with_parent(parent_pid)
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets())
    container = build_container(settings)
    app = build_bolt(container, work_process=True)
    ticker = start_scheduler(build_tick_deps(container)) if scheduler else None
    stop_pushing = threading.Event()
    pusher = threading.Thread(
        target=_push_metrics,
        args=(container.metrics.render, metrics_conn, stop_pushing),
        name="metrics-push",
        daemon=True,
    )
    pusher.start()
    freeze_startup_objects()
    pool = ThreadPoolExecutor(max_workers=WORK_THREADS, thread_name_prefix="work")
    try:
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break  # the web process is gone
            if message == _STOP:
                break
            pool.submit(_dispatch, app, message)
    finally:
        pool.shutdown(wait=True)
        if ticker is not None:
            stop_scheduler(ticker)
        container.charts.close()
        stop_pushing.set()
        pusher.join()


def _push_metrics(
    render: Callable[[], tuple[bytes, str]],
    conn: multiprocessing.connection.Connection,
    stop: threading.Event,
) -> None:
    with conn:
        while True:
            try:
                conn.send_bytes(render()[0])
            except OSError:
                return  # the web process is gone
            if stop.wait(METRICS_PUSH_SECONDS):
                return


def _dispatch(app: App, message: bytes) -> None:
    try:
        app.dispatch(request_from(message))
    except Exception:
        log.exception("could not run work handed over by the web process")
