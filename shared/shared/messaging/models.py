"""The transactional outbox: events written with the change that caused them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """One domain event waiting to be published (or already published, kept for audit).

    Written in the same transaction as the change it reports; the relay publishes pending rows
    with publisher confirms and then sets `published_at`. The id is the event's `event_id`.
    """

    id = models.UUIDField(primary_key=True)
    exchange = models.CharField(max_length=100)
    routing_key = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(published_at__isnull=True),
                name="messaging_outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.routing_key} {self.id}"


class ProcessedEvent(models.Model):
    """An event a consumer has applied: the record that makes handling idempotent."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "event_id"], name="messaging_processed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} applied {self.event_id}"
