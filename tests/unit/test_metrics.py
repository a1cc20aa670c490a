"""Prometheus metrics: record, render the exposition text, parse it back."""

from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import ACK_BUCKETS, Metrics, RequestKind, request_kind


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = metrics.render()
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return samples(metrics)[(name, tuple(sorted(labels.items())))]


def test_render_returns_prometheus_text_with_its_content_type() -> None:
    body, content_type = Metrics().render()

    assert content_type.startswith("text/plain")
    assert b"# TYPE mlscore_requests_total counter" in body


def test_requests_are_counted_by_kind() -> None:
    metrics = Metrics()
    metrics.count_request(RequestKind.COMMAND)
    metrics.count_request("command")
    metrics.count_request(RequestKind.VIEW)

    assert value(metrics, "mlscore_requests_total", kind="command") == 2
    assert value(metrics, "mlscore_requests_total", kind="view") == 1
    assert value(metrics, "mlscore_requests_total", kind="event") == 0


def test_unknown_request_kind_is_counted_as_other() -> None:
    metrics = Metrics()
    metrics.count_request("something_new")

    assert value(metrics, "mlscore_requests_total", kind="other") == 1
    assert not any(dict(labels).get("kind") == "something_new" for _, labels in samples(metrics))


def test_ack_latency_lands_in_the_right_buckets() -> None:
    metrics = Metrics()
    metrics.observe_ack(RequestKind.ACTION, 0.0004)
    metrics.observe_ack(RequestKind.ACTION, 0.2)
    metrics.observe_ack(RequestKind.ACTION, 3.5)

    name = "mlscore_ack_seconds_bucket"
    assert value(metrics, name, kind="action", le="0.001") == 1
    assert value(metrics, name, kind="action", le="0.25") == 2
    assert value(metrics, name, kind="action", le="3.0") == 2
    assert value(metrics, name, kind="action", le="+Inf") == 3
    assert value(metrics, "mlscore_ack_seconds_count", kind="action") == 3
    assert value(metrics, "mlscore_ack_seconds_sum", kind="action") == pytest.approx(3.7004)


def test_ack_buckets_span_one_millisecond_to_three_seconds() -> None:
    assert ACK_BUCKETS[0] == 0.001
    assert ACK_BUCKETS[-1] == 3.0
    assert list(ACK_BUCKETS) == sorted(ACK_BUCKETS)


def test_time_ack_counts_the_request_and_observes_its_duration() -> None:
    metrics = Metrics()
    with metrics.time_ack(RequestKind.EVENT):
        pass

    assert value(metrics, "mlscore_requests_total", kind="event") == 1
    assert value(metrics, "mlscore_ack_seconds_count", kind="event") == 1


def test_slack_api_errors_and_retries_carry_method_and_reason() -> None:
    metrics = Metrics()
    metrics.slack_api_error("chat.postMessage", "not_in_channel")
    metrics.slack_api_retry("chat.postMessage", "rate_limited")
    metrics.slack_api_retry("chat.postMessage", "rate_limited")

    assert (
        value(
            metrics,
            "mlscore_slack_api_errors_total",
            method="chat.postMessage",
            error="not_in_channel",
        )
        == 1
    )
    assert (
        value(
            metrics,
            "mlscore_slack_api_retries_total",
            method="chat.postMessage",
            reason="rate_limited",
        )
        == 2
    )


def test_deliveries_count_sent_and_failed_and_reject_other_outcomes() -> None:
    metrics = Metrics()
    metrics.delivery("checkin", "sent")
    metrics.delivery("checkin", "failed")
    metrics.delivery("summary", "sent")

    assert value(metrics, "mlscore_deliveries_total", kind="checkin", outcome="sent") == 1
    assert value(metrics, "mlscore_deliveries_total", kind="checkin", outcome="failed") == 1
    assert value(metrics, "mlscore_deliveries_total", kind="summary", outcome="sent") == 1
    with pytest.raises(ValueError, match="maybe"):
        metrics.delivery("checkin", "maybe")


def test_pending_deliveries_can_be_set_or_read_at_scrape_time() -> None:
    metrics = Metrics()
    metrics.set_deliveries_pending(4)
    assert value(metrics, "mlscore_deliveries_pending") == 4

    backlog = [1, 2]
    metrics.watch_deliveries_pending(lambda: len(backlog))
    assert value(metrics, "mlscore_deliveries_pending") == 2
    backlog.append(3)
    assert value(metrics, "mlscore_deliveries_pending") == 3


def test_a_failing_pending_source_reports_nan_without_breaking_the_scrape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    metrics.count_request("command")

    def broken() -> int:
        raise RuntimeError("database is down")

    metrics.watch_deliveries_pending(broken)

    assert math.isnan(value(metrics, "mlscore_deliveries_pending"))
    assert value(metrics, "mlscore_requests_total", kind="command") == 1
    assert "pending deliveries" in caplog.text


def test_chart_render_time_is_observed_per_chart() -> None:
    metrics = Metrics()
    with metrics.time_chart("trend"):
        pass
    with metrics.time_chart("trend"):
        pass
    with metrics.time_chart("heatmap"):
        pass

    assert value(metrics, "mlscore_chart_render_seconds_count", chart="trend") == 2
    assert value(metrics, "mlscore_chart_render_seconds_count", chart="heatmap") == 1


def test_two_apps_in_one_process_keep_separate_counts() -> None:
    first, second = Metrics(), Metrics()
    first.count_request("command")

    assert value(first, "mlscore_requests_total", kind="command") == 1
    assert value(second, "mlscore_requests_total", kind="command") == 0


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/mlscore", "text": "help"}, RequestKind.COMMAND),
        ({"type": "block_actions", "actions": []}, RequestKind.ACTION),
        ({"type": "shortcut"}, RequestKind.ACTION),
        ({"type": "view_submission", "view": {}}, RequestKind.VIEW),
        ({"type": "view_closed", "view": {}}, RequestKind.VIEW),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, RequestKind.EVENT),
        ({"type": "url_verification", "challenge": "x"}, RequestKind.EVENT),
        ({}, RequestKind.OTHER),
    ],
)
def test_request_kind_classifies_slack_bodies(body: dict[str, object], kind: RequestKind) -> None:
    assert request_kind(body) is kind


def test_another_processs_metrics_are_added_to_what_this_one_serves() -> None:
    web, work = Metrics(), Metrics()
    web.count_request(RequestKind.COMMAND)
    web.observe_ack(RequestKind.COMMAND, 0.004)
    work.slack_api_retry("chat.postMessage", "rate_limited")
    work.slack_api_retry("chat.postMessage", "rate_limited")
    web.delivery("checkin", "sent")
    work.delivery("checkin", "sent")
    work.set_deliveries_pending(3)
    web.observe_ack(RequestKind.COMMAND, 0.2)
    pushed: list[bytes | None] = [None]
    web.include(lambda: pushed[0])

    assert value(web, "mlscore_deliveries_total", kind="checkin", outcome="sent") == 1
    pushed[0] = work.render()[0]

    assert value(web, "mlscore_requests_total", kind="command") == 1
    assert value(web, "mlscore_ack_seconds_count", kind="command") == 2
    assert value(web, "mlscore_ack_seconds_bucket", kind="command", le="0.005") == 1
    assert value(web, "mlscore_ack_seconds_sum", kind="command") == pytest.approx(0.204)
    retries = value(
        web, "mlscore_slack_api_retries_total", method="chat.postMessage", reason="rate_limited"
    )
    assert retries == 2
    assert value(web, "mlscore_deliveries_total", kind="checkin", outcome="sent") == 2
    assert value(web, "mlscore_deliveries_pending") == 3
    # The process collector's figures stay this process's own, not a sum of two processes
    # (both report the same open-files limit; summed it would double).
    limit = value(work, "mlscore_process_max_fds")
    assert value(web, "mlscore_process_max_fds") == limit
