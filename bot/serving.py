"""uvicorn's HTTP/1.1 protocol with read deadlines, for `mlscore serve`.

uvicorn (h11) times out only idle keep-alive connections, and any byte that arrives cancels
even that: a client that sends its headers, or its body, a byte every few seconds holds a
connection, a file descriptor and (for a body) a request task open for as long as it likes.
A few hundred such clients exhaust the server. Here a request's headers must arrive within
`read_timeout` seconds of the connection opening (or of the previous response on it), and its
body within `read_timeout` seconds of its headers; otherwise the connection is closed. Slack
sends each request whole and at once, and gives up waiting for an answer after 3 seconds.

What a reverse proxy must add is in docs/deploy.md: a limit on connections per client address,
which a single process cannot enforce fairly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

DEFAULT_READ_TIMEOUT_SECONDS = 10.0

_STILL_READING = (h11.IDLE, h11.SEND_BODY)
"""The client's h11 states in which its request has not fully arrived: headers, then body."""


class GuardedH11Protocol(H11Protocol):
    read_timeout: float = DEFAULT_READ_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._deadline_for: object | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """A deadline for the part of the request still to come; progress within a part (one
        more byte of headers) does not move it."""
        state = self.conn.their_state
        if state not in _STILL_READING or self.transport.is_closing():
            self._cancel()
            return
        if self._deadline is not None and self._deadline_for is state:
            return
        self._cancel()
        self._deadline_for = state
        self._deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._deadline_for = None

    def _too_slow(self) -> None:
        part = "headers" if self._deadline_for is h11.IDLE else "body"
        self._deadline = None
        self._deadline_for = None
        if self.transport.is_closing():
            return
        log.debug("closed a connection whose request %s took over %.0f s", part, self.read_timeout)
        self.transport.close()


def guarded_protocol(read_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class to hand uvicorn (`http=`), with this read timeout."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"read_timeout": read_timeout})
