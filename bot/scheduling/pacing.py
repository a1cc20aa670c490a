"""Pacing of chat.postMessage: about one message a second per channel, and the workspace's rate.

Slack answers 429 with Retry-After past those rates, and a retried 429 costs at least a second.
Pacing each post keeps a big digest run under the limits instead of bouncing off them.
The pacer is shared by every worker thread of a process; several processes each pace on their
own (the 429 retry handler covers what they add up to).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# A little slower than Slack's nominal rates: the server's clock is not ours.
CHANNEL_INTERVAL_SECONDS = 1.05
WORKSPACE_PER_MINUTE = 285.0


class Stopped(Exception):
    """The pacer was stopped while a post waited for its turn: the post was not sent."""


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    last: float

    def wait(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class Pacer:
    """Holds each post until its channel and its workspace may take another message.

    A channel's next post starts `channel_interval` after the previous one *returned*, not
    after it started: Slack counts a post when it arrives, which is anywhere between the two,
    so spacing from the start let a post that was slow to leave (a busy machine, a retried
    429) land less than a second before the next one and be refused.
    """

    def __init__(
        self,
        *,
        channel_interval: float = CHANNEL_INTERVAL_SECONDS,
        workspace_per_minute: float | None = WORKSPACE_PER_MINUTE,
        workspace_burst: float = 1.0,
    ) -> None:
        self.channel_interval = channel_interval
        self.workspace_per_minute = workspace_per_minute
        self.workspace_burst = workspace_burst
        self._changed = threading.Condition()
        self._channel_next: dict[tuple[str, str], float] = {}
        self._busy: set[tuple[str, str]] = set()
        self._workspaces: dict[str, _Bucket] = {}
        self._stopped = False
        self.waited = 0.0
        """Seconds spent waiting, summed over threads (the bench subtracts it from CPU time)."""

    @contextmanager
    def slot(self, workspace: str, channel: str, *, workspace_rate: bool = True) -> Iterator[None]:
        """Wait until one more message may go to `channel`, and keep the channel until the
        block ends (the post and any retries Slack's client makes inside it). Raises Stopped,
        before the block runs, once stop() was called.

        `workspace_rate=False` spaces the message in its channel only (a file share, whose
        upload methods have their own, more generous, rate tier).
        """
        key = (workspace, channel)
        self._take(key, workspace_rate)
        try:
            yield
        finally:
            with self._changed:
                self._busy.discard(key)
                self._channel_next[key] = time.monotonic() + self.channel_interval
                self._changed.notify_all()

    def stop(self) -> None:
        """Posts waiting for their turn, and any asked for from now on, raise Stopped; posts
        already under way finish."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def _take(self, key: tuple[str, str], workspace_rate: bool) -> None:
        started = time.monotonic()
        with self._changed:
            while True:
                if self._stopped:
                    raise Stopped
                now = time.monotonic()
                if key in self._busy:
                    wait: float | None = None  # until the post in flight returns
                else:
                    wait = self._channel_next.get(key, 0.0) - now
                    bucket = self._bucket(key[0], now) if workspace_rate else None
                    if bucket is not None:
                        wait = max(wait, bucket.wait(now))
                    if wait <= 0:
                        self._busy.add(key)
                        if bucket is not None:
                            bucket.tokens -= 1
                        self.waited += now - started
                        return
                self._changed.wait(wait)

    def _bucket(self, workspace: str, now: float) -> _Bucket | None:
        if not self.workspace_per_minute:
            return None
        bucket = self._workspaces.get(workspace)
        if bucket is None:
            rate = self.workspace_per_minute / 60
            bucket = _Bucket(rate, self.workspace_burst, self.workspace_burst, now)
            self._workspaces[workspace] = bucket
        return bucket
