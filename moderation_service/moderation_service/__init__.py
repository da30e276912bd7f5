"""The CrewUp moderation service: a deployable composition of the shared domain apps."""

from moderation_service.celery import app as celery_app
from shared.metrics import register_outbox_backlog_metric

# The moderation service owns the outbox; its /metrics exports the backlog.
register_outbox_backlog_metric()

__all__ = ["celery_app"]
