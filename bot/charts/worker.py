"""Charts rendered in a separate process.

Agg holds the GIL for tens of milliseconds at a time, so charts drawn inside the server delay
every other request's ack (docs/performance.md, finding 1). One worker process draws them
instead; renders are serialised there anyway, and matplotlib's memory stays out of the server.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bot.charts.render import Chart
from bot.lifeline import exit_with_parent

log = logging.getLogger(__name__)

RENDER_TIMEOUT_SECONDS = 60.0
# How long close() lets the worker finish a chart before it is terminated.
CLOSE_TIMEOUT_SECONDS = 5.0


def _render(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Chart:
    import bot.charts

    chart: Chart = getattr(bot.charts, name)(*args, **kwargs)
    return chart


class ChartWorker:
    """Renders `bot.charts.<name>(*args, **kwargs)` in one worker process, started on first use.

    With `in_process=True` it renders in the calling thread (the CLI, the demo and tests that
    draw a few charts and would only pay for the process start).
    """

    def __init__(self, *, in_process: bool = False) -> None:
        self._in_process = in_process
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def render(self, name: str, /, *args: Any, **kwargs: Any) -> Chart:
        if self._in_process:
            return _render(name, args, kwargs)
        executor = self._pool()
        try:
            return executor.submit(_render, name, args, kwargs).result(RENDER_TIMEOUT_SECONDS)
        except BrokenProcessPool:
            # The worker died (killed, out of memory): start a fresh one next time.
            with self._lock:
                if self._executor is executor:
                    self._executor = None
            raise

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                # A render after close() (a tick or post finishing during shutdown) must not
                # start a worker that nothing would stop.
                raise RuntimeError("the chart worker is closed")
            if self._executor is None:
                # spawn, not fork: the server has threads, and a forked copy of their locks
                # could deadlock the child.
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=context,
                    initializer=exit_with_parent,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Stops the worker process: a chart it is drawing may finish within `timeout` seconds,
        then it is terminated. Later renders raise RuntimeError."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        # Kept before shutdown() drops it; read after, when a submit() under way has finished
        # starting its worker (both hold the executor's lock).
        by_pid = executor._processes
        # Without waiting: the executor's own thread sends the worker its stop sentinel.
        executor.shutdown(wait=False, cancel_futures=True)
        processes = list(by_pid.values()) if by_pid is not None else []
        # Wait on the sentinels rather than join(): that thread joins the worker too, and a
        # process reaped there would look alive here.
        pending = {process.sentinel: process for process in processes}
        deadline = time.monotonic() + timeout
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ended = multiprocessing.connection.wait(list(pending), remaining)
            pending = {sentinel: p for sentinel, p in pending.items() if sentinel not in ended}
        for process in pending.values():
            log.warning(
                "chart worker %s did not stop in %.0f s; terminating it", process.pid, timeout
            )
            process.terminate()
            multiprocessing.connection.wait([process.sentinel], 1.0)
