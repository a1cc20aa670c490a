"""Prometheus metrics for one app instance, served at GET /metrics.

Each `Metrics` owns its own CollectorRegistry rather than the process-wide default, so tests
and several apps in one process never collide on metric names.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PREFIX: Final = "mlscore"

# Slack wants an ack within 3 s; the buckets resolve the fast path (about 1 ms) and the edge.
ACK_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)
# The buckets span a chart's render from a warm worker to a cold start (docs/performance.md).
CHART_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class RequestKind(StrEnum):
    COMMAND = "command"
    ACTION = "action"
    VIEW = "view"
    EVENT = "event"
    OTHER = "other"


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    """Slack did not answer a post that may have landed; recorded as sent, never re-sent."""


_ACTION_TYPES: Final = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "interactive_message",
        "shortcut",
        "message_action",
        "dialog_submission",
    }
)
_VIEW_TYPES: Final = frozenset({"view_submission", "view_closed"})
_EVENT_TYPES: Final = frozenset({"event_callback", "url_verification", "app_rate_limited"})


def request_kind(body: Mapping[str, Any]) -> RequestKind:
    """Classify a parsed Slack request body (Bolt's `body`) for the `kind` label."""
    if "command" in body:
        return RequestKind.COMMAND
    payload_type = body.get("type")
    if payload_type in _ACTION_TYPES:
        return RequestKind.ACTION
    if payload_type in _VIEW_TYPES:
        return RequestKind.VIEW
    if payload_type in _EVENT_TYPES:
        return RequestKind.EVENT
    return RequestKind.OTHER


class Metrics:
    """The app's metrics. Create one per app (wiring) and pass it to whoever records."""

    def __init__(self, *, include_process: bool = True) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._sources: list[Callable[[], bytes | None]] = []
        if include_process:
            # CPU, memory and open files of this process (Linux only; a no-op elsewhere).
            ProcessCollector(namespace=PREFIX, registry=self.registry)
        r = self.registry
        self.requests_total = Counter(
            "requests", "Slack requests received, by kind.", ["kind"], namespace=PREFIX, registry=r
        )
        self.ack_seconds = Histogram(
            "ack_seconds",
            "Time from receiving a Slack request to acknowledging it.",
            ["kind"],
            namespace=PREFIX,
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.slack_api_errors_total = Counter(
            "slack_api_errors",
            "Slack Web API calls that failed, by method and Slack error code.",
            ["method", "error"],
            namespace=PREFIX,
            registry=r,
        )
        self.slack_api_retries_total = Counter(
            "slack_api_retries",
            "Slack Web API calls retried, by method and reason (rate_limited, server_error...).",
            ["method", "reason"],
            namespace=PREFIX,
            registry=r,
        )
        self.deliveries_total = Counter(
            "deliveries",
            "Scheduled messages delivered or given up on this round, by kind and outcome.",
            ["kind", "outcome"],
            namespace=PREFIX,
            registry=r,
        )
        self.deliveries_pending = Gauge(
            "deliveries_pending",
            "Claimed deliveries not sent yet (they are retried on a later tick).",
            namespace=PREFIX,
            registry=r,
        )
        self.chart_render_seconds = Histogram(
            "chart_render_seconds",
            "Time to render a chart to PNG, by chart.",
            ["chart"],
            namespace=PREFIX,
            buckets=CHART_BUCKETS,
            registry=r,
        )
        # Every kind shows up at zero from the start, so rate() works before the first request.
        for kind in RequestKind:
            self.requests_total.labels(kind=kind.value)

    def __deepcopy__(self, memo: dict[int, object]) -> Metrics:
        # Bolt deep-copies a request's context (and its client, which counts into this) for
        # a work function run in a thread: the registry is the app's, shared, never copied.
        return self

    def count_request(self, kind: RequestKind | str) -> None:
        self.requests_total.labels(kind=_kind(kind)).inc()

    def observe_ack(self, kind: RequestKind | str, seconds: float) -> None:
        self.ack_seconds.labels(kind=_kind(kind)).observe(seconds)

    def slack_api_error(self, method: str, error: str) -> None:
        self.slack_api_errors_total.labels(method=method, error=error).inc()

    def slack_api_retry(self, method: str, reason: str) -> None:
        self.slack_api_retries_total.labels(method=method, reason=reason).inc()

    def delivery(self, kind: str, outcome: DeliveryOutcome | str) -> None:
        self.deliveries_total.labels(kind=kind, outcome=DeliveryOutcome(outcome).value).inc()

    def set_deliveries_pending(self, count: int) -> None:
        """Set by the tick after each run."""
        self.deliveries_pending.set(count)

    def watch_deliveries_pending(self, count: Callable[[], int]) -> None:
        """Read the pending count at scrape time instead (for example a COUNT query)."""

        def read() -> float:
            try:
                return float(count())
            except Exception:
                # A failing source must not break the whole scrape; NaN says "unknown".
                logger.exception("could not read the pending deliveries count")
                return math.nan

        self.deliveries_pending.set_function(read)

    @contextmanager
    def time_ack(self, kind: RequestKind | str) -> Iterator[None]:
        """Count a request and time it until the block exits (the ack is sent)."""
        self.count_request(kind)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe_ack(kind, time.perf_counter() - start)

    @contextmanager
    def time_chart(self, chart: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.chart_render_seconds.labels(chart=chart).observe(time.perf_counter() - start)

    def include(self, source: Callable[[], bytes | None]) -> None:
        """Adds another process's metrics (its exposition text, None until it has any) to
        what render() serves: the work process counts the Slack calls and deliveries."""
        self._sources.append(source)

    def render(self) -> tuple[bytes, str]:
        """The exposition body and its content type, for GET /metrics."""
        own = generate_latest(self.registry)
        others = [text for source in self._sources if (text := source())]
        if not others:
            return own, CONTENT_TYPE_LATEST
        return merge_expositions([own, *others]), CONTENT_TYPE_LATEST


def merge_expositions(texts: Sequence[bytes]) -> bytes:
    """Several processes' metrics as one: same series summed, `_created` the earliest, and
    the process collector's series (`mlscore_process_*`) those of the first text alone.

    Every process of one app registers the same families, so a series one process never
    touched is simply zero there.
    """
    families: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text.decode()):
            if family.name not in families:
                families[family.name] = Metric(
                    family.name, family.documentation, family.type, family.unit
                )
                values[family.name] = {}
            merged = values[family.name]
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                earlier = merged.get(key)
                if earlier is None:
                    merged[key] = sample.value
                elif sample.name.startswith(f"{PREFIX}_process_"):
                    continue
                elif sample.name.endswith("_created"):
                    merged[key] = min(earlier, sample.value)
                else:
                    merged[key] = earlier + sample.value
    for name, family in families.items():
        for (sample_name, labels), value in values[name].items():
            family.add_sample(sample_name, dict(labels), value)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(list(families.values())))
    return generate_latest(registry)


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def _kind(kind: RequestKind | str) -> str:
    # Unknown kinds fold into "other" so a label can never grow without bound.
    try:
        return RequestKind(kind).value
    except ValueError:
        return RequestKind.OTHER.value
