"""The safety app's business metrics, exported by the safety service's `/metrics`."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.metrics_core import Metric

SAFETY_ALERTS = Counter("safety_alerts", "Safety alerts raised, by type.", ["alert_type"])
# Every type is exported from the start (at 0), so a dashboard's rate() has a series to read
# before the first alert of that type.
for _alert_type in ("help", "medical", "harassment", "lost", "other", "missed_check_in"):
    SAFETY_ALERTS.labels(alert_type=_alert_type)
SAFETY_ALERT_DELIVERY_SECONDS = Histogram(
    "safety_alert_delivery_seconds",
    "From an alert's creation to its notice handed to a crew's channel layer (per crew).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class OpenAlertsCollector:
    """`safety_alerts_open`: alerts still open, counted in the database at scrape time.

    Counted rather than kept by the services: a gauge moved up and down by several processes
    drifts, and one process's restart would forget its share.
    """

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        from shared.safety.selectors import alert_open_count

        try:
            count = alert_open_count()
        except Exception:  # the database is down: /readyz says so; export nothing
            return
        yield GaugeMetricFamily("safety_alerts_open", "Safety alerts still open.", value=count)
