"""A fake Socket Mode endpoint: a websocket server on 127.0.0.1 that slack_sdk's clients accept.

Like Slack, it greets each connection with a "hello" message, delivers envelopes
({"envelope_id", "type", "payload", "accepts_response_payload"}) and collects the acks the app
sends back ({"envelope_id", "payload"?}). Attach it to a FakeSlack so apps.connections.open
answers its URL:

    with FakeSlack() as fake, FakeSocketModeServer(fake) as socket_mode:
        handler = SocketModeHandler(app, app_token=APP_TOKEN)  # app's client -> fake.base_url
        handler.connect()
        envelope_id = socket_mode.send_envelope("slash_commands", {...})
        ack = socket_mode.wait_ack(envelope_id, timeout=5)
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.fakes import blockkit
from tests.fakes.slack_api import APP_ID

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlack

logger = logging.getLogger(__name__)

ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})
# Slack lets the ack carry a response only for these interactive payload types.
_INTERACTIVE_WITH_RESPONSE = frozenset({"view_submission", "block_suggestion"})


class FakeSocketModeServer:
    """Websocket server in a background thread; thread-safe send_envelope / wait_ack."""

    def __init__(self, fake: FakeSlack | None = None, *, hello: bool = True) -> None:
        self.fake = fake
        self.hello = hello
        self.received: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.envelopes: dict[str, dict[str, Any]] = {}
        self.violations: list[str] = []
        self.connections_opened = 0
        self._tickets = itertools.count(1)
        self._live: list[ServerConnection] = []
        self._cond = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeSocketModeServer:
        if self._server is None:
            self._server = serve(self._serve_connection, "127.0.0.1", 0, ping_interval=None)
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
            if self.fake is not None:
                self.fake.attach_socket_mode(self)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if self.fake is not None and self.fake.socket_mode is self:
            self.fake.attach_socket_mode(None)
        with self._cond:
            live = list(self._live)
        for connection in live:
            connection.close()
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketModeServer is not started")
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        """A fresh connection URL, shaped like Slack's wss://.../link/?ticket=..."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}&app_id={APP_ID}"

    # ------------------------------------------------------------ connections

    def _serve_connection(self, connection: ServerConnection) -> None:
        with self._cond:
            self._live.append(connection)
            self.connections_opened += 1
            count = len(self._live)
        try:
            if self.hello:
                connection.send(
                    json.dumps(
                        {
                            "type": "hello",
                            "num_connections": count,
                            "debug_info": {
                                "host": "fake-socket-mode",
                                "approximate_connection_time": 3600,
                            },
                            "connection_info": {"app_id": APP_ID},
                        }
                    )
                )
            with self._cond:
                self._cond.notify_all()
            for raw in connection:
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if connection in self._live:
                    self._live.remove(connection)
                self._cond.notify_all()

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            self._violation(f"the app sent a frame that is not JSON: {raw[:80]!r}")
            return
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            self._violation(f"the app sent something that is not an ack: {message!r:.80}")
            return
        with self._cond:
            self.received.append(message)
            envelope = self.envelopes.get(message["envelope_id"])
            if envelope is None:
                self._violation(f"ack for an unknown envelope {message['envelope_id']}")
            elif message["envelope_id"] in self.acks:
                self._violation(f"envelope {message['envelope_id']} acknowledged twice")
            else:
                self.acks[message["envelope_id"]] = message
            self._cond.notify_all()
        if envelope is not None:
            self._check_ack(envelope, message)

    def _check_ack(self, envelope: Mapping[str, Any], ack: Mapping[str, Any]) -> None:
        response = ack.get("payload")
        if response is None:
            return
        if not envelope.get("accepts_response_payload"):
            self._violation(
                f"envelope {envelope['envelope_id']} does not accept a response payload"
            )
            return
        payload = envelope.get("payload") or {}
        if envelope["type"] == "interactive" and payload.get("type") == "view_submission":
            problems = blockkit.check_view_submission_response(response, payload.get("view"))
        elif envelope["type"] == "slash_commands":
            problems = blockkit.check_message(response)
        else:
            problems = []
        for problem in problems:
            self._violation(f"ack of {envelope['envelope_id']}: {problem}")

    def _violation(self, problem: str) -> None:
        logger.debug("fake socket mode: %s", problem)
        with self._cond:
            self.violations.append(problem)
        if self.fake is not None:
            with self.fake._lock:
                self.fake.violations.append(f"socket mode: {problem}")

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """Wait until at least one client is connected (and greeted)."""
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._live), timeout)

    @property
    def connected(self) -> int:
        with self._cond:
            return len(self._live)

    # ------------------------------------------------------------ envelopes

    def send_envelope(
        self,
        type: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        connect_timeout: float = 5.0,
    ) -> str:
        """Deliver an envelope to the newest connection; returns its envelope_id."""
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {type!r}")
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive" and payload.get("type") in _INTERACTIVE_WITH_RESPONSE
            )
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": type,
            "payload": dict(payload),
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        if not self.wait_connected(connect_timeout):
            raise TimeoutError("no Socket Mode client connected")
        with self._cond:
            self.envelopes[envelope["envelope_id"]] = envelope
            connection = self._live[-1]
        connection.send(json.dumps(envelope))
        return str(envelope["envelope_id"])

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The app's ack for the envelope ({"envelope_id", "payload"?}); TimeoutError if none."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout} s")
            return self.acks[envelope_id]

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does before rotating a connection."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-socket-mode"}}
        )
        with self._cond:
            live = list(self._live)
        for connection in live:
            try:
                connection.send(message)
            except ConnectionClosed:
                continue
