"""Thread pools that can be drained: on shutdown, the work already accepted finishes first.

`mlscore serve` acks a request and does the rest of the work in a pool (the answer, charts,
posts). On SIGTERM the process lets that work finish, within a grace period, before it exits:
a person whose request was acked still gets the answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class DrainableExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that knows how much accepted work is not done yet (queued or
    running), and can wait for none to be left."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done()
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Any = None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending <= 0:
                self._idle.notify_all()

    @property
    def pending(self) -> int:
        with self._idle:
            return self._pending

    def drain(self, deadline: float) -> bool:
        """Waits until no accepted work is left or `deadline` (time.monotonic()) passes;
        whether none is left."""
        with self._idle:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True


def drain_all(pools: list[DrainableExecutor], grace: float) -> int:
    """Drains the pools in order (work in one may hand more to the next) within `grace`
    seconds in all; returns how many pieces of work were still pending at the end."""
    deadline = time.monotonic() + grace
    for pool in pools:
        pool.drain(deadline)
    return sum(pool.pending for pool in pools)
