"""How slack_sdk's real WebClient reports a request that got no answer, and that the bot's clients
post such a message once while still retrying every other method.

A read timeout and a connection dropped after the request went out surface bare (TimeoutError,
RemoteDisconnected): Slack may have acted. A connect that never completes surfaces as URLError:
nothing reached Slack, so even a post is retried.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError

from bot.metrics import Metrics
from bot.slack.clients import is_unconfirmed, make_web_client
from tests.fakes.slack_api import BOT_TOKEN, DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, FakeSlack
from tests.support.polling import wait_until

TIMEOUT = 1  # seconds; the fake answers slow calls after 2


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(channel_rate=None) as server:
        yield server


def retries(metrics: Metrics, method: str) -> dict[str, float]:
    body, _ = metrics.render()
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            name, labels = sample.name, sample.labels
            if name == "mlscore_slack_api_retries_total" and labels["method"] == method:
                found[labels["reason"]] = sample.value
    return found


def test_a_read_timeout_surfaces_bare_and_the_post_lands_once(fake: FakeSlack) -> None:
    metrics = Metrics(include_process=False)
    client = make_web_client(
        BOT_TOKEN, base_url=fake.base_url, timeout=TIMEOUT, backoff=0.01, metrics=metrics
    )
    fake.delay_next("chat.postMessage", 2 * TIMEOUT)

    with pytest.raises(TimeoutError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="slow but posted")
    # The fake records the slow call when it answers it; a retry would have come in before.
    wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 1)

    assert not isinstance(raised.value, URLError)
    assert is_unconfirmed(raised.value)
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.posted_texts(DEFAULT_CHANNEL_ID) == ["slow but posted"]
    assert retries(metrics, "chat.postMessage") == {}


def test_a_read_timeout_on_a_method_that_does_not_post_is_retried(fake: FakeSlack) -> None:
    metrics = Metrics(include_process=False)
    client = make_web_client(
        BOT_TOKEN, base_url=fake.base_url, timeout=TIMEOUT, backoff=0.01, metrics=metrics
    )
    fake.delay_next("conversations.open", 2 * TIMEOUT)

    opened = client.conversations_open(users=DEFAULT_USER_ID)
    wait_until(lambda: len(fake.calls_to("conversations.open")) >= 2)

    assert opened["channel"]["id"]
    assert len(fake.calls_to("conversations.open")) == 2  # the slow one and the retry
    assert retries(metrics, "conversations.open") == {"connection": 1}


def test_a_504_to_a_post_is_not_retried_but_a_504_elsewhere_and_a_503_are(
    fake: FakeSlack,
) -> None:
    client = make_web_client(BOT_TOKEN, base_url=fake.base_url, backoff=0.01)

    fake.fail_next("chat.postMessage", status=504)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="gateway timeout")
    fake.fail_next("conversations.open", status=504)
    client.conversations_open(users=DEFAULT_USER_ID)
    fake.fail_next("chat.postMessage", status=503)
    client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="after a 503")

    assert raised.value.response.status_code == 504
    assert is_unconfirmed(raised.value)
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [504, 503, 200]
    assert [c.status for c in fake.calls_to("conversations.open")] == [504, 200]


class HangUpServer:
    """Reads each request whole, then closes the connection without answering."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/"

    def __enter__(self) -> HangUpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                self.requests.append(_read_request(connection))

    def methods(self) -> list[str]:
        return [r.split(b" ", 2)[1].decode().rsplit("/", 1)[-1] for r in self.requests]


def _read_request(connection: socket.socket) -> bytes:
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_a_connection_dropped_after_the_request_is_unconfirmed_and_a_post_goes_once() -> None:
    with HangUpServer() as server:
        client = make_web_client(BOT_TOKEN, base_url=server.base_url, attempts=2, backoff=0.01)

        with pytest.raises(RemoteDisconnected) as post:
            client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="hello")
        with pytest.raises(RemoteDisconnected) as other:
            client.conversations_open(users=DEFAULT_USER_ID)

    assert is_unconfirmed(post.value)
    assert is_unconfirmed(other.value)
    assert server.methods() == ["chat.postMessage"] + ["conversations.open"] * 3


def _connected(sock: socket.socket) -> bool:
    try:
        sock.getpeername()
    except OSError:
        return False
    return True


@pytest.fixture
def unreachable() -> Iterator[str]:
    """A port whose accept queue is full: the kernel drops new SYNs, so connects time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    # Full once a connection is established and waits, unaccepted, in the queue.
    wait_until(lambda: any(_connected(filler) for filler in fillers), what="a full queue")
    yield f"http://127.0.0.1:{port}/api/"
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_connect_timeout_is_a_urlerror_and_a_post_is_retried(unreachable: str) -> None:
    metrics = Metrics(include_process=False)
    client = make_web_client(
        BOT_TOKEN, base_url=unreachable, timeout=TIMEOUT, attempts=1, backoff=0.01, metrics=metrics
    )

    with pytest.raises(URLError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="never arrives")

    assert isinstance(raised.value.reason, TimeoutError)
    assert not is_unconfirmed(raised.value)
    assert retries(metrics, "chat.postMessage") == {"connection": 1}


def test_a_refused_connection_is_a_urlerror_and_a_post_is_retried() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    metrics = Metrics(include_process=False)
    client = make_web_client(
        BOT_TOKEN,
        base_url=f"http://127.0.0.1:{port}/api/",
        attempts=2,
        backoff=0.01,
        metrics=metrics,
    )

    with pytest.raises(URLError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="never arrives")

    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert not is_unconfirmed(raised.value)
    assert retries(metrics, "chat.postMessage") == {"connection": 2}
