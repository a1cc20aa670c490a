"""Waiting in tests: poll a condition until it holds or a deadline passes.

This is the one place where a test sleeps, and only between two looks at a condition: a test
never sleeps a fixed time hoping that something has happened (or has not) by then. To show that
something did NOT happen, wait for a positive sign that it would have happened by then (a later
event recorded, the work that would do it finished), then check its absence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

INTERVAL = 0.02


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float = 10.0,
    what: str = "a condition",
    context: Callable[[], str] | None = None,
    interval: float = INTERVAL,
) -> T:
    """The first truthy value of `condition()`, polled every `interval` s.

    After `timeout` s without one, fails the test naming `what`, with `context()` (a log tail,
    say) to show why.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = f":\n{context()}" if context is not None else ""
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(interval)
