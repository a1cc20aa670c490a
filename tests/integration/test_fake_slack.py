"""The fake Slack behaves like Slack for slack_sdk's real clients, over real HTTP and websockets."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from tests.fakes import signing
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.socket_mode import FakeSocketModeServer
from tests.support.polling import wait_until

CHANNEL = "C0CHANNEL"


class ManualClock:
    """A clock the test moves by hand, so expiry and rate limits need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed_fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as server:
        yield server


def client_for(fake: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake.base_url, **kwargs)


def tiny_png() -> bytes:
    """A valid 1x1 PNG built by hand, so the test does not depend on an image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def raw_request(
    fake: FakeSlack, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


HEADER = {"type": "header", "text": {"type": "plain_text", "text": "Scorecard"}}


# ---------------------------------------------------------------- messages and recording


def test_a_message_posted_through_web_client_is_stored_and_recorded(fake: FakeSlack) -> None:
    response = client_for(fake).chat_postMessage(channel=CHANNEL, text="hello", blocks=[HEADER])
    assert response["ok"]
    assert response["channel"] == CHANNEL
    [message] = fake.messages(CHANNEL)
    assert (message.ts, message.text, message.blocks) == (response["ts"], "hello", [HEADER])
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["blocks"] == [HEADER]
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.ok
    assert fake.violations == []


def test_form_encoded_calls_with_a_token_param_are_accepted(fake: FakeSlack) -> None:
    body = "token=xoxb-any&channel=C0CHANNEL&text=form&blocks=" + json.dumps([HEADER])
    status, data = raw_request(
        fake,
        "/api/chat.postMessage",
        body.encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200
    assert json.loads(data)["ok"] is True
    assert fake.messages(CHANNEL)[0].blocks == [HEADER]


def test_calls_without_a_valid_token_are_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.base_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    fake.revoke_token(BOT_TOKEN)
    with pytest.raises(SlackApiError) as revoked:
        client_for(fake).auth_test()
    assert revoked.value.response["error"] == "token_revoked"
    with FakeSlack(strict_tokens=True) as strict, pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-unknown", base_url=strict.base_url).auth_test()
    assert unknown.value.response["error"] == "invalid_auth"


def test_update_and_delete_change_the_channel_but_posted_texts_keep_history(
    fake: FakeSlack,
) -> None:
    client = client_for(fake)
    ts = client.chat_postMessage(channel=CHANNEL, text="draft")["ts"]
    client.chat_update(channel=CHANNEL, ts=ts, text="final")
    assert [m.text for m in fake.messages(CHANNEL)] == ["final"]
    client.chat_delete(channel=CHANNEL, ts=ts)
    assert fake.messages(CHANNEL) == []
    assert fake.posted_texts(CHANNEL) == ["final"]
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel=CHANNEL, ts=ts, text="again")
    assert gone.value.response["error"] == "message_not_found"


def test_duplicate_posts_are_reported(timed_fake: FakeSlack, clock: ManualClock) -> None:
    client = client_for(timed_fake)
    for text in ("weekly", "other", "weekly"):
        client.chat_postMessage(channel=CHANNEL, text=text)
        clock.advance(1)
    assert timed_fake.duplicate_posts() == {(CHANNEL, "weekly"): 2}


def test_ephemeral_needs_a_channel_member(fake: FakeSlack) -> None:
    client = client_for(fake)
    client.chat_postEphemeral(channel=CHANNEL, user="U0USER", text="only you")
    assert [(e.user, e.text) for e in fake.ephemerals] == [("U0USER", "only you")]
    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel=CHANNEL, user="U0STRANGER", text="x")
    assert outsider.value.response["error"] == "user_not_in_channel"


def test_tests_can_add_a_method(fake: FakeSlack) -> None:
    fake.handle("reactions.add", lambda request: {"name": request.params["name"]})
    assert client_for(fake).api_call("reactions.add", params={"name": "tada"})["name"] == "tada"


def test_unknown_methods_answer_unknown_method(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as error:
        client_for(fake).api_call("reactions.add", params={"name": "tada"})
    assert error.value.response.status_code == 404
    assert error.value.response["error"] == "unknown_method"


# ---------------------------------------------------------------- rate limits and faults


def test_a_second_post_within_a_second_gets_429_with_retry_after(
    timed_fake: FakeSlack, clock: ManualClock
) -> None:
    client = client_for(timed_fake)
    client.chat_postMessage(channel=CHANNEL, text="one")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=CHANNEL, text="two")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel="C0OTHER", text="another channel is fine")
    clock.advance(1.0)
    client.chat_postMessage(channel=CHANNEL, text="two")
    assert timed_fake.posted_texts(CHANNEL) == ["one", "two"]
    assert timed_fake.rate_limited == 1


def test_the_workspace_limit_applies_across_channels(clock: ManualClock) -> None:
    with FakeSlack(
        channel_rate=None, workspace_rate_per_minute=60, workspace_burst=2, clock=clock
    ) as fake:
        client = client_for(fake)
        client.chat_postMessage(channel="C1", text="a")
        client.chat_postMessage(channel="C2", text="b")
        with pytest.raises(SlackApiError) as limited:
            client.chat_postMessage(channel="C3", text="c")
        assert limited.value.response.status_code == 429
        clock.advance(1.0)
        client.chat_postMessage(channel="C3", text="c")
        assert fake.min_post_seconds({"C1": 1, "C2": 1, "C3": 1}) == pytest.approx(1.0)


def test_a_post_refused_by_the_workspace_limit_does_not_use_the_channel_allowance(
    clock: ManualClock,
) -> None:
    with FakeSlack(workspace_rate_per_minute=60, workspace_burst=1, clock=clock) as fake:
        client = client_for(fake)
        client.chat_postMessage(channel="C1", text="a")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C2", text="b")  # workspace is out of tokens
        clock.advance(1.0)
        client.chat_postMessage(channel="C2", text="b")
        assert fake.posted_texts("C2") == ["b"]


def test_rate_limit_retry_handler_waits_for_retry_after_and_succeeds(fake: FakeSlack) -> None:
    client = client_for(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    started = time.monotonic()
    client.chat_postMessage(channel=CHANNEL, text="first")
    client.chat_postMessage(channel=CHANNEL, text="second")
    assert time.monotonic() - started >= 1.0
    assert fake.posted_texts(CHANNEL) == ["first", "second"]
    assert fake.rate_limited == 1
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 429, 200]


def test_injected_429_is_retried_by_the_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client = client_for(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    client.chat_postMessage(channel=CHANNEL, text="once")
    assert fake.posted_texts(CHANNEL) == ["once"]
    assert fake.rate_limited == 1


def test_injected_errors_and_server_errors(fake: FakeSlack) -> None:
    client = client_for(fake)
    fake.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as not_found:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert (not_found.value.response.status_code, not_found.value.response["error"]) == (
        200,
        "channel_not_found",
    )
    fake.fail_next("chat.postMessage", status=500, times=2)
    with pytest.raises(SlackApiError) as server_error:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert server_error.value.response.status_code == 500
    retrying = client_for(fake, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    retrying.chat_postMessage(channel=CHANNEL, text="after 500")
    assert fake.posted_texts(CHANNEL) == ["after 500"]


def test_a_slow_answer_times_out_the_client_but_the_call_still_happens(fake: FakeSlack) -> None:
    fake.delay_next("chat.postMessage", 1.5)
    with pytest.raises(TimeoutError):
        client_for(fake, timeout=0.5).chat_postMessage(channel=CHANNEL, text="slow")
    wait_until(lambda: fake.posted_texts(CHANNEL), what="the slow post to land")
    # Like Slack, a request the client gave up on may still be delivered: retries must dedupe.
    assert fake.posted_texts(CHANNEL) == ["slow"]
    assert client_for(fake).auth_test()["ok"]


def test_an_outage_answers_503_until_it_ends(fake: FakeSlack) -> None:
    client = client_for(fake)
    with fake.outage():
        with pytest.raises(SlackApiError) as down:
            client.auth_test()
        assert down.value.response.status_code == 503
    with fake.outage(methods=["chat.postMessage"]):
        assert client.auth_test()["ok"]
    assert client.chat_postMessage(channel=CHANNEL, text="back")["ok"]


def test_concurrent_posts_are_all_recorded() -> None:
    with FakeSlack(channel_rate=None, workspace_rate_per_minute=None) as fake:

        def post(n: int) -> None:
            client = client_for(fake)
            for i in range(10):
                client.chat_postMessage(channel=f"C{n}", text=f"{n}-{i}")

        threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(fake.calls_to("chat.postMessage")) == 80
        assert all(fake.posted_texts(f"C{n}") == [f"{n}-{i}" for i in range(10)] for n in range(8))
        assert fake.duplicate_posts() == {}


# ---------------------------------------------------------------- files v2


def test_files_upload_v2_stores_the_png_bytes_and_alt_text(fake: FakeSlack) -> None:
    png = tiny_png()
    response = client_for(fake).files_upload_v2(
        channel=CHANNEL,
        content=png,
        filename="trend.png",
        title="Trend",
        alt_txt="Section scores over time",
        initial_comment="ML Test Score: 1.5",
    )
    assert response["file"]["id"] == fake.files[0].id
    [uploaded] = fake.files
    assert uploaded.content == png
    assert uploaded.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (uploaded.alt_txt, uploaded.title, uploaded.channels) == (
        "Section scores over time",
        "Trend",
        [CHANNEL],
    )
    assert uploaded.length == uploaded.size == len(png)
    [share] = fake.messages(CHANNEL)
    assert (share.subtype, share.text, share.files) == (
        "file_share",
        "ML Test Score: 1.5",
        [uploaded.id],
    )


def test_completing_an_upload_whose_bytes_never_arrived_fails(fake: FakeSlack) -> None:
    client = client_for(fake)
    started = client.files_getUploadURLExternal(filename="a.png", length=10)
    with pytest.raises(SlackApiError) as error:
        client.files_completeUploadExternal(files=[{"id": started["file_id"]}], channel_id=CHANNEL)
    assert error.value.response["error"] == "file_upload_not_completed"
    assert fake.files == []


def test_a_failed_byte_upload_surfaces_as_an_error(fake: FakeSlack) -> None:
    fake.fail_next("upload", status=500)
    # slack_sdk posts the bytes with plain urllib, so a failed POST raises urllib's HTTPError.
    with pytest.raises(HTTPError) as error:
        client_for(fake).files_upload_v2(channel=CHANNEL, content=tiny_png(), filename="t.png")
    error.value.close()  # the HTTPError holds the response socket open
    assert error.value.code == 500
    assert fake.files == []


def test_the_retired_files_upload_method_is_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as error:
        client_for(fake).api_call("files.upload", params={"channels": CHANNEL})
    assert error.value.response["error"] == "method_deprecated"


# ---------------------------------------------------------------- views


def modal(title: str = "Assess", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
        **extra,
    }


def test_views_open_needs_a_fresh_unused_trigger(timed_fake: FakeSlack, clock: ManualClock) -> None:
    client = client_for(timed_fake)

    def open_error(trigger_id: str) -> str:
        with pytest.raises(SlackApiError) as error:
            client.views_open(trigger_id=trigger_id, view=modal())
        return str(error.value.response["error"])

    assert open_error("12345.unknown") == "invalid_trigger_id"
    stale = timed_fake.new_trigger_id()
    clock.advance(3.01)
    assert open_error(stale) == "expired_trigger_id"
    fresh = timed_fake.new_trigger_id("U0USER")
    clock.advance(2.9)
    view = client.views_open(trigger_id=fresh, view=modal())["view"]
    assert open_error(fresh) == "exchanged_trigger_id"
    assert [v["id"] for v in timed_fake.view_stack("U0USER")] == [view["id"]]


def test_the_modal_stack_holds_at_most_three_views(fake: FakeSlack) -> None:
    client = client_for(fake)
    client.views_open(trigger_id=fake.new_trigger_id(), view=modal("Page 1"))
    client.views_push(trigger_id=fake.new_trigger_id(), view=modal("Page 2"))
    client.views_push(trigger_id=fake.new_trigger_id(), view=modal("Page 3"))
    with pytest.raises(SlackApiError) as error:
        client.views_push(trigger_id=fake.new_trigger_id(), view=modal("Page 4"))
    assert error.value.response["error"] == "push_limit_reached"
    titles = [v["title"]["text"] for v in fake.view_stack()]
    assert titles == ["Page 1", "Page 2", "Page 3"]


def test_views_update_checks_the_hash_and_publish_stores_the_home_tab(fake: FakeSlack) -> None:
    client = client_for(fake)
    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=modal())["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Two"))
    assert updated["view"]["id"] == opened["id"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Three"))
    assert stale.value.response["error"] == "hash_conflict"
    home = {"type": "home", "blocks": [HEADER]}
    client.views_publish(user_id="U0USER", view=home)
    published = fake.home_view("U0USER")
    assert published is not None
    assert published["blocks"] == [HEADER]


def test_view_submission_responses_move_the_stack_like_slack(fake: FakeSlack) -> None:
    client = client_for(fake)
    client.views_open(trigger_id=fake.new_trigger_id(), view=modal("Page 1"))
    assert (
        fake.apply_view_submission_response(
            "U0USER", {"response_action": "push", "view": modal("Page 2")}
        )
        == []
    )
    assert (
        fake.apply_view_submission_response(
            "U0USER", {"response_action": "push", "view": modal("Page 3")}
        )
        == []
    )
    problems = fake.apply_view_submission_response(
        "U0USER", {"response_action": "push", "view": modal("Page 4")}
    )
    assert problems == ["push_limit_reached: at most 3 views can be stacked"]
    fake.apply_view_submission_response("U0USER", None)
    assert [v["title"]["text"] for v in fake.view_stack()] == ["Page 1", "Page 2"]
    fake.apply_view_submission_response("U0USER", {"response_action": "clear"})
    assert fake.view_stack() == []


# ---------------------------------------------------------------- Block Kit violations


def test_block_kit_violations_are_recorded_and_refused_like_slack(fake: FakeSlack) -> None:
    client = client_for(fake)
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    with pytest.raises(SlackApiError) as message_error:
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=[too_long])
    assert message_error.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as view_error:
        client.views_open(trigger_id=fake.new_trigger_id(), view=modal("A title that is too long!"))
    assert view_error.value.response["error"] == "invalid_arguments"
    assert fake.violations == [
        "chat.postMessage: blocks[0].text: header text is 151 characters; the limit is 150",
        "views.open: title: title is 25 characters; the limit is 24",
    ]
    assert fake.messages(CHANNEL) == []


def test_violations_can_be_recorded_without_refusing(clock: ManualClock) -> None:
    with FakeSlack(reject_invalid_blocks=False, clock=clock) as fake:
        client_for(fake).chat_postMessage(channel=CHANNEL, text="t", blocks=[{"type": "nope"}])
        assert fake.violations == ["chat.postMessage: blocks[0]: unknown block type 'nope'"]
        assert len(fake.messages(CHANNEL)) == 1


# ---------------------------------------------------------------- response_url


def test_response_url_accepts_five_posts_and_refuses_the_sixth(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel_id=CHANNEL, user_id="U0USER")
    webhook = WebhookClient(url)
    first = webhook.send(text="public", response_type="in_channel")
    assert (first.status_code, first.body) == (200, "ok")
    for i in range(4):
        assert webhook.send(text=f"private {i}").status_code == 200
    sixth = webhook.send(text="too many")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert fake.posted_texts(CHANNEL) == ["public"]
    assert [e.text for e in fake.ephemerals] == [f"private {i}" for i in range(4)]
    assert [r.status for r in fake.responses] == [200] * 5 + [404]


def test_response_url_expires_after_thirty_minutes(
    timed_fake: FakeSlack, clock: ManualClock
) -> None:
    url = timed_fake.new_response_url()
    clock.advance(30 * 60 + 1)
    response = WebhookClient(url).send(text="late")
    assert (response.status_code, response.body) == (404, "expired_url")


def test_response_url_bodies_are_checked(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    response = WebhookClient(url).send(text="t", blocks=[{"type": "section"}])
    assert (response.status_code, response.body) == (400, "invalid_blocks")
    assert fake.violations == ["response_url: blocks[0]: a section needs text or fields"]


def test_response_url_can_replace_the_original_message(fake: FakeSlack) -> None:
    ts = client_for(fake).chat_postMessage(channel=CHANNEL, text="Check-in due")["ts"]
    url = fake.new_response_url(message_ts=ts)
    WebhookClient(url).send(text="Thanks, assessed", replace_original=True)
    assert [m.text for m in fake.messages(CHANNEL)] == ["Thanks, assessed"]


# ---------------------------------------------------------------- robustness


def test_malformed_bodies_get_400_and_the_server_keeps_serving(fake: FakeSlack) -> None:
    json_type = {"Content-Type": "application/json"}
    assert raw_request(fake, "/api/chat.postMessage", b"{not json", json_type)[0] == 400
    assert raw_request(fake, "/api/chat.postMessage", b"[1, 2]", json_type)[0] == 400
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert raw_request(fake, "/api/auth.test", b"\xff\xfe", form)[0] == 400
    assert raw_request(fake, "/api/auth.test", b"no-equals-sign", form)[0] == 400
    status, body = raw_request(
        fake, "/api/auth.test", b"x", {**json_type, "Content-Length": "nope"}
    )
    assert status == 400
    assert json.loads(body)["ok"] is False
    with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
        sock.sendall(b"\x00\x01garbage that is not HTTP\r\n\r\n")
        sock.recv(1024)
    assert len(fake.bad_requests) == 5
    assert client_for(fake).chat_postMessage(channel=CHANNEL, text="still up")["ok"]


# ---------------------------------------------------------------- directory and OAuth


def test_users_info_gives_locale_and_admin_flags(fake: FakeSlack) -> None:
    fake.add_user("U0ES", "ana", locale="es-ES", tz="Europe/Madrid", is_admin=True)
    client = client_for(fake)
    user = client.users_info(user="U0ES", include_locale=True)["user"]
    assert (user["locale"], user["tz"], user["is_admin"], user["is_owner"]) == (
        "es-ES",
        "Europe/Madrid",
        True,
        False,
    )
    assert user["tz_offset"] in (3600, 7200)
    assert "locale" not in client.users_info(user="U0ES")["user"]
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


def test_conversations_members_pages_like_slack(fake: FakeSlack) -> None:
    members = [f"U{i:04d}" for i in range(7)]
    fake.add_channel("C0BIG", "big", members=members)
    client = client_for(fake)
    seen: list[str] = []
    for page in client.conversations_members(channel="C0BIG", limit=3):
        seen += page["members"]
    assert seen == members
    assert client.conversations_info(channel="C0BIG")["channel"]["name"] == "big"
    with pytest.raises(SlackApiError) as missing:
        client.conversations_members(channel="C0NOPE")
    assert missing.value.response["error"] == "channel_not_found"


def test_users_conversations_lists_a_persons_channels_the_bot_may_see(fake: FakeSlack) -> None:
    fake.add_user("U0ANA", "ana")
    for n in range(5):
        fake.add_channel(f"C0PUB{n}", f"pub-{n}", members=["U0ANA"])
    fake.add_channel("C0SHARED", "shared", members=["U0ANA", "U0BOT"], is_private=True)
    fake.add_channel("C0SECRET", "secret", members=["U0ANA"], is_private=True)
    fake.add_channel("C0ELSE", "else", members=["U0BOT"])
    client = client_for(fake)
    seen: list[str] = []
    for page in client.users_conversations(
        user="U0ANA", types="public_channel,private_channel", limit=2
    ):
        seen += [channel["id"] for channel in page["channels"]]
    assert sorted(seen) == [*(f"C0PUB{n}" for n in range(5)), "C0SHARED"]
    public = client.users_conversations(user="U0ANA")["channels"]
    assert {channel["id"] for channel in public} == {f"C0PUB{n}" for n in range(5)}
    with pytest.raises(SlackApiError) as missing:
        client.users_conversations(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


def test_direct_messages_go_to_the_users_dm_channel(fake: FakeSlack) -> None:
    client = client_for(fake)
    dm = client.conversations_open(users="U0USER")["channel"]["id"]
    posted = client.chat_postMessage(channel="U0USER", text="reminder")
    assert posted["channel"] == dm
    assert fake.posted_texts(dm) == ["reminder"]


def test_oauth_code_exchange_installs_a_workspace_token(fake: FakeSlack) -> None:
    token = fake.add_oauth_code("code-1", team_id="T0OTHER", team_name="Other")
    client = WebClient(base_url=fake.base_url)
    installed = client.oauth_v2_access(client_id="cid", client_secret="secret", code="code-1")
    assert installed["access_token"] == token
    assert installed["team"] == {"id": "T0OTHER", "name": "Other"}
    assert WebClient(token=token, base_url=fake.base_url).auth_test()["team_id"] == "T0OTHER"
    with pytest.raises(SlackApiError) as reused:
        client.oauth_v2_access(client_id="cid", client_secret="secret", code="code-1")
    assert reused.value.response["error"] == "invalid_code"


def test_oauth_checks_client_credentials_when_configured() -> None:
    with FakeSlack(client_id="cid", client_secret="secret") as fake:
        fake.add_oauth_code("c", team_id="T1")
        with pytest.raises(SlackApiError) as error:
            WebClient(base_url=fake.base_url).oauth_v2_access(
                client_id="cid", client_secret="wrong", code="c"
            )
        assert error.value.response["error"] == "bad_client_secret"


def test_rate_limits_are_per_workspace_token(clock: ManualClock) -> None:
    with FakeSlack(clock=clock) as fake:
        other = fake.add_token("xoxb-other", team_id="T0OTHER")
        client_for(fake).chat_postMessage(channel=CHANNEL, text="ours")
        WebClient(token=other.token, base_url=fake.base_url).chat_postMessage(
            channel=CHANNEL, text="theirs"
        )
        assert fake.rate_limited == 0


# ---------------------------------------------------------------- signing helpers


def test_signed_headers_verify_with_slack_sdk() -> None:
    body = signing.command_body("assess", user_id="U1", channel_id="C1", trigger_id="t.1")
    headers = signing.signed_headers("s3cret", body)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("other").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_sign_matches_the_documented_formula() -> None:
    expected = hmac.new(b"k", b"v0:1700000000:a=b", hashlib.sha256).hexdigest()
    assert signing.sign("k", b"a=b", 1700000000) == f"v0={expected}"


def test_body_builders_produce_what_slack_sends() -> None:
    command = parse_qs(signing.command_body("scorecard ml", channel_id="C9").decode())
    assert command["command"] == ["/mlscore"]
    assert command["text"] == ["scorecard ml"]
    assert command["channel_id"] == ["C9"]
    assert command["trigger_id"][0]
    payload = {"type": "view_submission", "view": {"id": "V1"}}
    interactive = parse_qs(signing.interactive_body(payload).decode())
    assert json.loads(interactive["payload"][0]) == payload
    event = json.loads(signing.event_body({"type": "app_home_opened", "user": "U1"}, team_id="T9"))
    assert (event["type"], event["team_id"], event["event"]["user"]) == (
        "event_callback",
        "T9",
        "U1",
    )
    headers = signing.signed_headers("s", signing.event_body({"type": "x"}), 1, retry_num=2)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Slack-Retry-Num"] == "2"


# ---------------------------------------------------------------- Socket Mode


SUBMITTED_VIEW = {
    "id": "V1",
    "type": "modal",
    "callback_id": "assess",
    "blocks": [
        {
            "type": "input",
            "block_id": "note",
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "note"},
        }
    ],
    "state": {"values": {"note": {"note": {"type": "plain_text_input", "value": "x" * 5000}}}},
}


@pytest.fixture
def socket_mode(fake: FakeSlack) -> Iterator[FakeSocketModeServer]:
    with FakeSocketModeServer(fake) as server:
        yield server


def test_apps_connections_open_needs_an_app_token(
    fake: FakeSlack, socket_mode: FakeSocketModeServer
) -> None:
    url = WebClient(token=APP_TOKEN, base_url=fake.base_url).apps_connections_open(
        app_token=APP_TOKEN
    )["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket_mode.port}/link/?ticket=")
    with pytest.raises(SlackApiError) as error:
        client_for(fake).apps_connections_open(app_token=BOT_TOKEN)
    assert error.value.response["error"] == "not_allowed_token_type"


def test_socket_mode_client_acks_a_slash_command_and_a_view_submission(
    fake: FakeSlack, socket_mode: FakeSocketModeServer
) -> None:
    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        if request.type == "slash_commands":
            body: dict[str, Any] = {"text": f"You said {request.payload['text']}"}
        else:
            body = {"response_action": "errors", "errors": {"note": "At most 1000 characters"}}
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload=body))

    client = SocketModeClient(app_token=APP_TOKEN, web_client=client_for(fake))
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        assert socket_mode.wait_connected(5)
        command_id = socket_mode.send_envelope(
            "slash_commands", {"command": "/mlscore", "text": "help", "user_id": "U0USER"}
        )
        submit_id = socket_mode.send_envelope(
            "interactive", {"type": "view_submission", "view": SUBMITTED_VIEW}
        )
        assert socket_mode.wait_ack(command_id, 5)["payload"] == {"text": "You said help"}
        assert socket_mode.wait_ack(submit_id, 5)["payload"]["errors"] == {
            "note": "At most 1000 characters"
        }
    finally:
        client.close()
    assert socket_mode.envelopes[submit_id]["accepts_response_payload"] is True
    assert socket_mode.violations == []
    assert fake.violations == []
    assert len(fake.calls_to("apps.connections.open")) == 1


def test_socket_mode_ack_naming_a_block_outside_the_view_is_a_violation(
    fake: FakeSlack, socket_mode: FakeSocketModeServer
) -> None:
    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        body = {"response_action": "errors", "errors": {"nope": "wrong block"}}
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload=body))

    client = SocketModeClient(app_token=APP_TOKEN, web_client=client_for(fake))
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        envelope_id = socket_mode.send_envelope(
            "interactive", {"type": "view_submission", "view": SUBMITTED_VIEW}
        )
        socket_mode.wait_ack(envelope_id, 5)
    finally:
        client.close()
    assert socket_mode.violations == [
        f"ack of {envelope_id}: errors.nope: is not the block_id of an input block in the view"
    ]
    assert fake.violations == [f"socket mode: {socket_mode.violations[0]}"]


def test_send_envelope_needs_a_connected_client(socket_mode: FakeSocketModeServer) -> None:
    with pytest.raises(TimeoutError):
        socket_mode.send_envelope("events_api", {"event": {}}, connect_timeout=0.2)


def test_wait_ack_times_out_when_the_app_never_acks(
    fake: FakeSlack, socket_mode: FakeSocketModeServer
) -> None:
    client = SocketModeClient(app_token=APP_TOKEN, web_client=client_for(fake))
    client.connect()
    try:
        envelope_id = socket_mode.send_envelope("events_api", {"event": {"type": "x"}})
        with pytest.raises(TimeoutError):
            socket_mode.wait_ack(envelope_id, 0.3)
    finally:
        client.close()


def test_a_bolt_app_in_socket_mode_answers_a_slash_command(
    fake: FakeSlack, socket_mode: FakeSocketModeServer
) -> None:
    app = App(client=client_for(fake))

    @app.command("/mlscore")
    def handle_command(ack: Any, command: dict[str, Any]) -> None:
        ack(text=f"help for {command['user_id']}")

    handler = SocketModeHandler(app, app_token=APP_TOKEN)
    handler.connect()
    try:
        body = parse_qs(signing.command_body("help", trigger_id=fake.new_trigger_id()).decode())
        payload = {key: values[0] for key, values in body.items()}
        envelope_id = socket_mode.send_envelope("slash_commands", payload)
        assert socket_mode.wait_ack(envelope_id, 5)["payload"] == {"text": "help for U0USER"}
    finally:
        handler.close()
    assert [c.method for c in fake.calls] == ["auth.test", "apps.connections.open"]
