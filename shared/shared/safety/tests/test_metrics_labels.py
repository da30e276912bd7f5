"""The alert counter exports a series for every alert type from the start."""

from prometheus_client import REGISTRY

from shared.safety import metrics  # noqa: F401 - registers the counter
from shared.safety.models import AlertType


def test_every_alert_type_has_a_series_before_the_first_alert():
    exported = {
        sample.labels["alert_type"]
        for metric in REGISTRY.collect()
        if metric.name == "safety_alerts"
        for sample in metric.samples
        if sample.name == "safety_alerts_total"
    }

    assert exported == set(AlertType.values)
