"""Charts rendered in a separate process.

Agg holds the GIL for tens of milliseconds at a time, so charts drawn inside the server delay
every other request's ack (measured: p99 ack 1133 ms with charts in-process against 125 ms
without them, docs/performance.md). One worker process draws them instead; renders are
serialised there anyway, and matplotlib's memory stays out of the server.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bot.charts.render import Chart

log = logging.getLogger(__name__)

RENDER_TIMEOUT_SECONDS = 60.0


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
            if self._executor is None:
                # spawn, not fork: the server has threads, and a forked copy of their locks
                # could deadlock the child.
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
            return self._executor

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
