"""The outbox relay: publish pending outbox rows to RabbitMQ with publisher confirms.

Each pending row is published in order (created_at, id) as a persistent JSON message with
`message_id = event_id`, and marked sent only after the broker confirmed it. Rows are locked
with `SELECT ... FOR UPDATE SKIP LOCKED`, so relays running side by side (the after-commit
task, the periodic one, another worker) never publish the same row twice while both are
healthy. A relay that dies after the confirm and before its commit leaves the rows pending,
and they are published again: delivery is at least once, and consumers are idempotent.

Messages are published `mandatory`: a message no queue is bound to comes back from the broker,
counts as a failure and stays pending, instead of being dropped by the exchange.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu import Connection, Exchange, Producer

from shared.messaging.models import OutboxMessage
from shared.metrics import BAN_EVENTS_PUBLISHED

logger = logging.getLogger(__name__)

BAN_ROUTING_KEYS = frozenset({"user.banned", "user.unbanned"})


def broker_connection(url: str | None = None) -> Connection:
    """Return a new (lazy) kombu connection with publisher confirms on every channel.

    `url` defaults to `settings.RABBITMQ_URL`.
    """
    return Connection(
        url or settings.RABBITMQ_URL,
        connect_timeout=settings.MESSAGING_CONNECT_TIMEOUT_SECONDS,
        transport_options={"confirm_publish": True},
    )


def topic_exchange(name: str) -> Exchange:
    """Return the durable topic exchange `name` (declared by publishers and consumers alike)."""
    return Exchange(name, type="topic", durable=True)


@dataclass(frozen=True)
class RelayResult:
    """What one relay run did."""

    published: int
    failed: bool
    pending: int


class _Publisher:
    """One confirmed channel, reused across relay runs of this process (and dropped on error)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pid = os.getpid()
        self.connection = broker_connection(url)
        self.connection.connect()  # one attempt: the relay runs again soon anyway
        self.channel = self.connection.channel()
        self.producer = Producer(self.channel)
        self.declared: set[str] = set()

    def publish(self, message: OutboxMessage) -> None:
        if message.exchange not in self.declared:
            topic_exchange(message.exchange).declare(channel=self.channel)
            self.declared.add(message.exchange)
        # With confirm_publish, this returns only once the broker has taken responsibility for
        # the message (written to disk for a durable queue); a nack or a return raises.
        self.producer.publish(
            message.payload,
            exchange=message.exchange,
            routing_key=message.routing_key,
            serializer="json",
            delivery_mode=2,
            mandatory=True,
            message_id=str(message.id),
            headers={"event_type": message.routing_key},
            retry=False,
            confirm_timeout=settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        try:
            self.connection.release()
        except Exception:  # already broken; nothing left to release
            logger.debug("closing a broken publisher connection failed", exc_info=True)


# One connection per process and thread (kombu channels are not thread-safe), rebuilt after a
# fork (the prefork pool) or an error.
_local = threading.local()


def _get_publisher(url: str) -> _Publisher:
    publisher: _Publisher | None = getattr(_local, "publisher", None)
    if publisher is None or publisher.pid != os.getpid() or publisher.url != url:
        _drop_publisher()
        publisher = _local.publisher = _Publisher(url)
    return publisher


def _drop_publisher() -> None:
    publisher: _Publisher | None = getattr(_local, "publisher", None)
    _local.publisher = None
    if publisher is not None and publisher.pid == os.getpid():
        publisher.close()


def outbox_pending_count() -> int:
    """Return how many outbox rows wait to be published (the `outbox_backlog` gauge)."""
    return OutboxMessage.objects.filter(published_at__isnull=True).count()


def _relay_batch(*, url: str, batch_size: int) -> tuple[int, bool, int]:
    """Publish one locked batch; return (published, failed, rows seen)."""
    published: list[Any] = []
    failed = False
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.filter(published_at__isnull=True)
            .order_by("created_at", "id")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        for message in batch:
            try:
                _get_publisher(url).publish(message)
            except Exception as error:  # any broker failure: keep the row, retry on the next run
                _drop_publisher()
                failed = True
                logger.warning(
                    "outbox relay could not publish %s %s",
                    message.routing_key,
                    message.id,
                    extra={"error": repr(error)},
                )
                OutboxMessage.objects.filter(id=message.id).update(
                    attempts=F("attempts") + 1, last_error=repr(error)[:2000]
                )
                # Stop here: the rows after it keep their order behind it.
                break
            published.append(message)
        if published:
            OutboxMessage.objects.filter(id__in=[message.id for message in published]).update(
                published_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    bans = sum(1 for message in published if message.routing_key in BAN_ROUTING_KEYS)
    if bans:
        BAN_EVENTS_PUBLISHED.inc(bans)
    return len(published), failed, len(batch)


def outbox_relay(
    *, url: str | None = None, batch_size: int = 500, max_batches: int | None = None
) -> RelayResult:
    """Publish pending outbox rows, oldest first, until none is left or the broker fails.

    Each batch is one transaction: its rows are locked (skipping rows another relay holds),
    published one by one with publisher confirms, then marked sent. On a failure the row's
    `attempts` and `last_error` are updated, it and the rows after it stay pending, and the
    run stops (the next run, on commit or periodic, tries again).

    Side effects: messages published to RabbitMQ; `ban_events_published_total` incremented.
    """
    url = url or settings.RABBITMQ_URL
    total = 0
    failed = False
    batches = 0
    while max_batches is None or batches < max_batches:
        published, failed, seen = _relay_batch(url=url, batch_size=batch_size)
        total += published
        batches += 1
        if failed or seen < batch_size:
            break
    return RelayResult(published=total, failed=failed, pending=outbox_pending_count())
