"""Slack API errors and retries show up in /metrics, counted where every call passes."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError

from bot.metrics import Metrics
from bot.slack.clients import make_web_client
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


def samples(metrics: Metrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    body, _ = metrics.render()
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_a_retried_5xx_and_a_refused_call_are_counted() -> None:
    metrics = Metrics(include_process=False)
    with FakeSlack(channel_rate=None) as fake:
        client = make_web_client(BOT_TOKEN, base_url=fake.base_url, backoff=0.01, metrics=metrics)
        fake.fail_next("chat.postMessage", status=500)
        client.chat_postMessage(channel="C0CHANNEL", text="after one retry")
        fake.fail_next("chat.postMessage", error="channel_not_found")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0CHANNEL", text="refused")

    retries = samples(metrics, "mlscore_slack_api_retries_total")
    assert retries[(("method", "chat.postMessage"), ("reason", "server_error"))] == 1
    errors = samples(metrics, "mlscore_slack_api_errors_total")
    assert errors[(("error", "channel_not_found"), ("method", "chat.postMessage"))] == 1
