"""Business counters (the seed's list) and a registry view that labels every sample by service.

Prometheus scrapes every pod; the `service` label on every sample lets one dashboard query
compare services without relying on scrape-time relabelling.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from prometheus_client import REGISTRY, Counter
from prometheus_client.metrics_core import Metric

USERS_REGISTERED = Counter("users_registered", "Users provisioned from a first valid token.")
EVENTS_CREATED = Counter("events_created", "Events created.")
GROUPS_CREATED = Counter("groups_created", "Crews created.")


class ServiceLabelledRegistry:
    """A read-only view of the default registry that adds `service=<SERVICE_NAME>` to each sample."""

    def collect(self) -> Iterator[Metric]:
        service = settings.SERVICE_NAME
        for metric in REGISTRY.collect():
            metric.samples = [
                sample._replace(labels={**sample.labels, "service": service})
                for sample in metric.samples
            ]
            yield metric
