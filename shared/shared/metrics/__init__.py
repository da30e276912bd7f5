"""Business counters (the seed's list) and a registry view that labels every sample by service.

Prometheus scrapes every pod; the `service` label on every sample lets one dashboard query
compare services without relying on scrape-time relabelling.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import chain
from typing import Protocol

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.metrics_core import Metric

USERS_REGISTERED = Counter("users_registered", "Users provisioned from a first valid token.")
EVENTS_CREATED = Counter("events_created", "Events created.")
GROUPS_CREATED = Counter("groups_created", "Crews created.")
MESSAGES_SENT = Counter("messages_sent", "Chat messages stored (and then broadcast).")
CHAT_BROADCAST_FAILURES = Counter(
    "chat_broadcast_failures",
    "Broadcasts the channel layer refused; readers fill them from history.",
)
CHAT_GAPS_FILLED = Counter(
    "chat_gap_messages_filled",
    "Messages a socket did not receive from the channel layer and was sent from the database.",
)
WEBSOCKET_CONNECTIONS = Gauge(
    "websocket_connections_open",
    "Open chat WebSocket connections in this process.",
    multiprocess_mode="livesum",
)
CHAT_DELIVERY_SECONDS = Histogram(
    "chat_delivery_seconds",
    "From a message's commit to its hand-off to the last of a process's sockets on its crew.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def _source_registry() -> CollectorRegistry:
    """This process's registry, or every worker's when gunicorn runs several (multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class ServiceLabelledRegistry:
    """A read-only view of the metrics that adds `service=<SERVICE_NAME>` to each sample."""

    def collect(self) -> Iterator[Metric]:
        service = settings.SERVICE_NAME
        scrape_time = (
            metric for collector in SCRAPE_TIME_COLLECTORS for metric in collector.collect()
        )
        for metric in chain(_source_registry().collect(), scrape_time):
            metric.samples = [
                sample._replace(labels={**sample.labels, "service": service})
                for sample in metric.samples
            ]
            yield metric


# --- Moderation ---
BANS = Counter("bans", "Bans issued by moderators (from the API or the admin console).")

# --- Ban events (the bus) ---
BAN_EVENTS_PUBLISHED = Counter(
    "ban_events_published",
    "Ban and unban events the outbox relay published with a broker confirm.",
)
BAN_EVENTS_APPLIED = Counter(
    "ban_events_applied",
    "Ban and unban events a consumer applied (duplicates not counted).",
)


class OutboxBacklogCollector:
    """`outbox_backlog`: outbox rows not yet published, counted in the database at scrape time.

    Computed on scrape rather than set by the relay: a relay that died would leave a stale
    gauge behind exactly when the backlog grows. Registered only by the service that owns the
    outbox (the moderation service), so the same number is not exported five times.
    """

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        from shared.messaging.publisher import outbox_pending_count

        try:
            pending = outbox_pending_count()
        except Exception:  # the database is down: /readyz says so; export nothing
            return
        yield GaugeMetricFamily(
            "outbox_backlog", "Outbox rows waiting to be published to RabbitMQ.", value=pending
        )


class ScrapeTimeCollector(Protocol):
    def collect(self) -> Iterator[Metric]: ...


# Collectors computed at scrape time (counts read from the database). They are not in the
# multiprocess files gunicorn's workers share, so they are added here, once per process.
SCRAPE_TIME_COLLECTORS: list[ScrapeTimeCollector] = []


def register_scrape_time_collector(collector: ScrapeTimeCollector) -> None:
    """Export `collector`'s metrics from this service's `/metrics`; registering twice is a no-op."""
    if not any(type(known) is type(collector) for known in SCRAPE_TIME_COLLECTORS):
        SCRAPE_TIME_COLLECTORS.append(collector)


def register_outbox_backlog_metric() -> None:
    """Export `outbox_backlog` from this service's `/metrics` (the outbox's owner only)."""
    register_scrape_time_collector(OutboxBacklogCollector())
