"""Clients that send their request a byte at a time are cut off by the real `mlscore serve`.

300 connections to the running server: half send their headers, half a complete set of
headers and then their body, one byte a second. With MLSCORE_READ_TIMEOUT_SECONDS=2 the server
closes every one of them a couple of seconds after it opened (uvicorn alone would keep them
all: each byte cancels its only timer), and answers Slack all along.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.fakes.slack_api import FakeSlack
from tests.support.driver import SlackDriver, run_bot
from tests.support.polling import wait_until

HEADERS = (
    b"POST /slack/events HTTP/1.1\r\nHost: mlscore\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
)
READ_TIMEOUT = 2.0


class Trickle:
    """One slow client: sends the rest of what it has one byte per call."""

    def __init__(self, address: tuple[str, int], *, body: bool) -> None:
        self.sock = socket.create_connection(address, timeout=5)
        self.opened = time.monotonic()
        self.closed_at: float | None = None
        if body:
            self.sock.sendall(HEADERS)  # whole headers at once, then a slow body
            self.pending = b"x" * 1000
        else:
            self.pending = HEADERS

    def send_one(self) -> None:
        if self.closed_at is not None:
            return
        try:
            self.sock.send(self.pending[:1])
            self.pending = self.pending[1:]
        except OSError:
            self.closed_at = time.monotonic()

    def check_closed(self) -> None:
        if self.closed_at is not None:
            return
        readable, _, _ = select.select([self.sock], [], [], 0)
        if readable:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            if not data or b"408" in data:
                self.closed_at = time.monotonic()


def test_clients_sending_a_byte_at_a_time_are_cut_off_while_slack_is_answered(
    fake: FakeSlack, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'slow.db'}"
    with run_bot(fake, url, tmp_path, MLSCORE_READ_TIMEOUT_SECONDS=str(READ_TIMEOUT)) as bot:
        parts = urlsplit(bot.url)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        clients = [Trickle(address, body=n % 2 == 1) for n in range(300)]
        try:

            def all_cut_off() -> bool:
                for client in clients:
                    client.send_one()
                    client.check_closed()
                return all(c.closed_at is not None for c in clients)

            # Polled once a second: each look sends every client's next byte.
            wait_until(
                all_cut_off,
                timeout=4 * READ_TIMEOUT + 5,
                what="every slow connection to be cut off",
                interval=1.0,
            )
            assert httpx.get(f"{bot.url}/healthz", timeout=5).status_code == 200
            slack = SlackDriver(bot, fake)
            response, _, response_url = slack.command("help")
            assert response.status_code == 200
            assert slack.responses_to(response_url)
            slack.http.close()
        finally:
            for client in clients:
                with contextlib.suppress(OSError):
                    client.sock.close()

    still_open = [c for c in clients if c.closed_at is None]
    assert still_open == [], f"{len(still_open)} of 300 slow connections were kept open"
    held = max(c.closed_at - c.opened for c in clients if c.closed_at is not None)
    assert held < 2 * READ_TIMEOUT + 3


def test_a_body_larger_than_slack_sends_is_refused_413_before_it_is_read(
    fake: FakeSlack, tmp_path: Path
) -> None:
    with run_bot(fake, f"sqlite:///{tmp_path / 'big.db'}", tmp_path) as bot:
        split = urlsplit(bot.url)
        address = (split.hostname or "127.0.0.1", split.port or 80)
        # Announces 50 MB and sends a few bytes of it: the answer comes at once, not after the
        # server has waited for (or read) the rest.
        with socket.create_connection(address, timeout=5) as sock:
            sock.sendall(HEADERS.replace(b"Content-Length: 1000", b"Content-Length: 50000000"))
            sock.sendall(b"token=x&")
            started = time.monotonic()
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert time.monotonic() - started < 1.5
        # Without a Content-Length (chunked), the reading stops past the limit.
        chunk = b"x" * 65536
        with socket.create_connection(address, timeout=5) as sock:
            sock.sendall(HEADERS.replace(b"Content-Length: 1000", b"Transfer-Encoding: chunked"))
            for _ in range(17):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # A request of Slack's size is still served.
        assert httpx.get(f"{bot.url}/healthz", timeout=5).status_code == 200
