"""The outbox relay: publish pending outbox rows to RabbitMQ with publisher confirms.

Each pending row is published in order (created_at, id) as a persistent JSON message with
`message_id = event_id`, and marked sent only after the broker confirmed it. Rows are locked
with `SELECT ... FOR UPDATE SKIP LOCKED`, so relays running side by side (the after-commit
task, the periodic one, another worker) never publish the same row twice while both are
healthy. A relay that dies after the confirm and before its commit leaves the rows pending,
and they are published again: delivery is at least once, and consumers are idempotent.

Confirms are streamed: a batch of rows is published on a channel in confirm mode, then the
relay waits for the broker's acks of the whole batch (RabbitMQ acks several deliveries at
once), instead of one round trip per message. A row the broker nacks or returns stays
pending with its error, and is retried by the next run, after the rows behind it that were
confirmed: no consumer depends on the order of arrival (the ban state is written with the
ban itself, not by a consumer; the events only make the other services act on it).

Messages are published `mandatory`: a message no queue is bound to comes back from the broker,
counts as a failure and stays pending, instead of being dropped by the exchange.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from amqp import Message
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu import Connection, Exchange

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
    """One channel in confirm mode, reused across relay runs of this thread (dropped on error)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pid = os.getpid()
        # No `confirm_publish` transport option: that waits after every message; the channel
        # is put in confirm mode here and `publish_batch` waits once per batch.
        self.connection = Connection(
            url, connect_timeout=settings.MESSAGING_CONNECT_TIMEOUT_SECONDS
        )
        self.connection.connect()  # one attempt: the relay runs again soon anyway
        # py-amqp's channel: confirm mode and its `events` are not in kombu's or amqp's stubs.
        self.channel = cast(Any, self.connection.channel())
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        self.next_tag = 1  # the broker numbers a confirm-mode channel's publishes from 1
        self.declared: set[str] = set()
        self._unconfirmed: dict[int, OutboxMessage] = {}
        self._returned: dict[str, str] = {}
        self.confirmed: list[OutboxMessage] = []
        self.failed: dict[UUID, str] = {}

    def publish_batch(self, messages: list[OutboxMessage]) -> None:
        """Publish `messages` in order and wait until the broker confirmed or refused each.

        Afterwards `confirmed` lists the rows the broker took responsibility for (written to
        disk for durable queues) and `failed` maps the rows it returned or nacked to why.

        Raises: a kombu/amqp connection error or TimeoutError (the rows confirmed until then
        are in `confirmed`).
        """
        self._unconfirmed, self._returned = {}, {}
        self.confirmed, self.failed = [], {}
        for message in messages:
            if message.exchange not in self.declared:
                topic_exchange(message.exchange).declare(channel=self.channel)
                self.declared.add(message.exchange)
            self.channel.basic_publish(
                Message(
                    json.dumps(message.payload),
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=str(message.id),
                    application_headers={"event_type": message.routing_key},
                ),
                exchange=message.exchange,
                routing_key=message.routing_key,
                mandatory=True,
            )
            self._unconfirmed[self.next_tag] = message
            self.next_tag += 1
        deadline = time.monotonic() + settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._unconfirmed)} publishes not confirmed in time")
            try:
                self.connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue

    def _settle(self, delivery_tag: int, multiple: bool, nacked: bool) -> None:
        if multiple:
            tags = [tag for tag in self._unconfirmed if tag <= delivery_tag]
        else:
            tags = [delivery_tag]
        for tag in tags:
            message = self._unconfirmed.pop(tag, None)
            if message is None:
                continue
            returned = self._returned.pop(str(message.id), None)
            if nacked:
                self.failed[message.id] = "nacked by the broker"
            elif returned is not None:
                self.failed[message.id] = returned
            else:
                self.confirmed.append(message)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, nacked=False)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, nacked=True)

    def _on_return(self, error: Exception, exchange: str, routing_key: str, message: Any) -> None:
        # A returned message is then acked: remember why, for its ack.
        self._returned[str(message.properties.get("message_id"))] = repr(error)

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
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.filter(published_at__isnull=True)
            .order_by("created_at", "id")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        if not batch:
            return 0, False, 0
        publisher: _Publisher | None = None
        error: Exception | None = None
        try:
            publisher = _get_publisher(url)
            publisher.publish_batch(batch)
        except Exception as exc:  # any broker failure: the unconfirmed rows wait for the next run
            error = exc
        confirmed = list(publisher.confirmed) if publisher is not None else []
        failed = dict(publisher.failed) if publisher is not None else {}
        if error is not None:
            _drop_publisher()
            logger.warning("outbox relay could not publish", extra={"error": repr(error)})
            settled = {message.id for message in confirmed} | set(failed)
            failed.update(
                {message.id: repr(error) for message in batch if message.id not in settled}
            )
        if confirmed:
            OutboxMessage.objects.filter(id__in=[message.id for message in confirmed]).update(
                published_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
        for reason in set(failed.values()):  # usually one reason for all
            OutboxMessage.objects.filter(
                id__in=[message_id for message_id, why in failed.items() if why == reason]
            ).update(attempts=F("attempts") + 1, last_error=reason[:2000])
        if failed and error is None:
            logger.warning("outbox relay: %s rows refused by the broker", len(failed))
    bans = sum(1 for message in confirmed if message.routing_key in BAN_ROUTING_KEYS)
    if bans:
        BAN_EVENTS_PUBLISHED.inc(bans)
    return len(confirmed), bool(failed), len(batch)


def outbox_relay(
    *, url: str | None = None, batch_size: int = 500, max_batches: int | None = None
) -> RelayResult:
    """Publish pending outbox rows, oldest first, until none is left or the broker fails.

    Each batch is one transaction: its rows are locked (skipping rows another relay holds),
    published with publisher confirms (one wait per batch), and the confirmed ones marked
    sent. A row the broker returns or nacks keeps `attempts` and `last_error` and stays
    pending for the next run; the run goes on while batches make progress. A connection
    failure stops the run (the next one, on commit or from beat, tries again).

    Side effects: messages published to RabbitMQ; `ban_events_published_total` incremented.
    """
    url = url or settings.RABBITMQ_URL
    total = 0
    failed = False
    batches = 0
    while max_batches is None or batches < max_batches:
        published, batch_failed, seen = _relay_batch(url=url, batch_size=batch_size)
        total += published
        failed = failed or batch_failed
        batches += 1
        # A refused row comes first in every batch until it goes out: stop when a batch
        # published nothing (all refused, or the broker is away) or the backlog is done.
        if published == 0 or seen < batch_size:
            break
    return RelayResult(published=total, failed=failed, pending=outbox_pending_count())
