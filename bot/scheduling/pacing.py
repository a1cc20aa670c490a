"""Pacing of chat.postMessage: about one message a second per channel, and the workspace's rate.

Slack answers 429 with Retry-After past those rates, and a retried 429 costs at least a second.
Pacing before each post keeps a big digest run under the limits instead of bouncing off them.
The pacer is shared by every worker thread of a process; several processes each pace on their
own (the 429 retry handler covers what they add up to).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A little slower than Slack's nominal rates: the server's clock is not ours, and a post that
# arrives a few milliseconds early is refused for a whole second.
CHANNEL_INTERVAL_SECONDS = 1.05
WORKSPACE_PER_MINUTE = 285.0


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
    """Blocks each post until its channel and its workspace may take another message."""

    def __init__(
        self,
        *,
        channel_interval: float = CHANNEL_INTERVAL_SECONDS,
        workspace_per_minute: float | None = WORKSPACE_PER_MINUTE,
        workspace_burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel_interval = channel_interval
        self.workspace_per_minute = workspace_per_minute
        self.workspace_burst = workspace_burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._channel_next: dict[tuple[str, str], float] = {}
        self._workspaces: dict[str, _Bucket] = {}
        self.waited = 0.0
        """Seconds spent waiting, summed over threads (the bench subtracts it from CPU time)."""

    def acquire(self, workspace: str, channel: str, *, workspace_rate: bool = True) -> float:
        """Wait until one more message may go to `channel`; returns the seconds waited.

        `workspace_rate=False` spaces the message in its channel only (a file share, whose
        upload methods have their own, more generous, rate tier).
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._channel_next.get((workspace, channel), 0.0) - now
                bucket = self._bucket(workspace, now) if workspace_rate else None
                if bucket is not None:
                    wait = max(wait, bucket.wait(now))
                if wait <= 0:
                    self._channel_next[(workspace, channel)] = now + self.channel_interval
                    if bucket is not None:
                        bucket.tokens -= 1
                    self.waited += waited
                    return waited
            self._sleep(wait)
            waited += wait

    def _bucket(self, workspace: str, now: float) -> _Bucket | None:
        if not self.workspace_per_minute:
            return None
        bucket = self._workspaces.get(workspace)
        if bucket is None:
            rate = self.workspace_per_minute / 60
            bucket = _Bucket(rate, self.workspace_burst, self.workspace_burst, now)
            self._workspaces[workspace] = bucket
        return bucket
