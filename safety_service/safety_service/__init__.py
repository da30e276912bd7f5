"""The CrewUp safety service: a deployable composition of the shared domain apps."""

from safety_service.celery import app as celery_app
from shared.metrics import register_scrape_time_collector
from shared.safety.metrics import OpenAlertsCollector

# The safety service owns the alerts; its /metrics exports how many are open.
register_scrape_time_collector(OpenAlertsCollector())

__all__ = ["celery_app"]
