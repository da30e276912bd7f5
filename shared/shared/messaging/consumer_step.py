"""Consuming domain events inside a Celery worker (a consumer bootstep).

A service's `wiring.py` adds one step per subscription, once Django is set up::

    app.steps["consumer"].add(
        EventConsumerStep.configure(service="group", handlers={"user.banned": on_user_banned})
    )

The step shares the worker's broker connection (Celery reconnects it and restarts the step)
and declares its topology each time it starts:

- `<service>.moderation-events`: a durable *quorum* queue bound to the topic exchange
  `moderation.events` with the routing keys of the handler map. Quorum queues count the
  deliveries of each message (`x-delivery-count`) and dead-letter it once it was delivered
  `EVENT_CONSUMER_MAX_DELIVERIES` times (`x-delivery-limit`). The broker enforces the bound,
  so an event that crashes the whole worker (SIGKILL, OOM) cannot loop forever either.
- `<service>.dead-letter`: a direct exchange; `<service>.moderation-events.dlq` is bound to it
  with the queue's own name (`x-dead-letter-routing-key`), so each queue has its own DLQ.

Per message: parse with the routing key's schema (an invalid one is rejected without requeue:
straight to the DLQ), apply the handler and record the event in one transaction, and ack only
after the commit (late ack). A handler that raises is requeued after a short backoff that grows
with `x-delivery-count`; after the last delivery the broker dead-letters it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections, connection
from kombu import Consumer, Exchange, Queue, binding

from shared.messaging.schemas import EVENT_TYPES, MODERATION_EXCHANGE, InvalidEvent

logger = logging.getLogger(__name__)


def event_queue_name(
    service: str, exchange: str = MODERATION_EXCHANGE, topic: str | None = None
) -> str:
    """Return the queue of `service` for `topic`, by default the events of `exchange`
    (`group.moderation-events`, `user.notifications`)."""
    return f"{service}.{topic or exchange.replace('.', '-')}"


def dead_letter_queue_name(
    service: str, exchange: str = MODERATION_EXCHANGE, topic: str | None = None
) -> str:
    """Return the dead-letter queue of `service`'s event queue."""
    return f"{event_queue_name(service, exchange, topic)}.dlq"


def _exchange_of(routing_key: str, default: str) -> str:
    """The exchange an event type is published on (`default` for keys of no known type)."""
    event_type = EVENT_TYPES.get(routing_key)
    return event_type.exchange if event_type is not None else default


def event_topology(
    *,
    service: str,
    routing_keys: list[str],
    exchange: str = MODERATION_EXCHANGE,
    max_deliveries: int | None = None,
    topic: str | None = None,
) -> tuple[Queue, Queue]:
    """Return (event queue, dead-letter queue) of a service, unbound to any channel.

    Each routing key is bound on the exchange its event type is published on, so one queue
    may take events of several producers (the notifier's does).
    """
    max_deliveries = max_deliveries or settings.EVENT_CONSUMER_MAX_DELIVERIES
    name = event_queue_name(service, exchange, topic)
    dead_letter = Exchange(f"{service}.dead-letter", type="direct", durable=True)
    queue = Queue(
        name,
        bindings=[
            binding(
                Exchange(_exchange_of(routing_key, exchange), type="topic", durable=True),
                routing_key=routing_key,
            )
            for routing_key in routing_keys
        ],
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            # The broker counts deliveries from 0: the limit is the number of redeliveries.
            "x-delivery-limit": max(max_deliveries - 1, 0),
            "x-dead-letter-exchange": dead_letter.name,
            "x-dead-letter-routing-key": name,
        },
    )
    dead_letters = Queue(
        dead_letter_queue_name(service, exchange, topic),
        exchange=dead_letter,
        routing_key=name,
        durable=True,
    )
    return queue, dead_letters


def event_topology_declare(
    channel: Any,
    *,
    service: str,
    routing_keys: list[str],
    exchange: str = MODERATION_EXCHANGE,
    max_deliveries: int | None = None,
    topic: str | None = None,
) -> Queue:
    """Declare the exchanges, the service's queue with its bindings, and its DLQ; return the queue.

    Idempotent (declarations of the same arguments). Raises: amqp's PreconditionFailed when the
    queue exists with other arguments.
    """
    queue, dead_letters = event_topology(
        service=service,
        routing_keys=routing_keys,
        exchange=exchange,
        max_deliveries=max_deliveries,
        topic=topic,
    )
    dead_letters.bind(channel).declare()
    queue = queue.bind(channel)
    queue.declare()
    return queue


def _close_old_connections() -> None:
    """Drop a broken or expired DB connection between events, as Django does between requests."""
    if not connection.in_atomic_block:  # never inside a caller's transaction (tests)
        close_old_connections()


class EventConsumerStep(bootsteps.ConsumerStep):
    """Consume one service's domain events in its Celery worker; see the module docstring."""

    service: ClassVar[str] = ""
    handlers: ClassVar[Mapping[str, Callable[[Any], None]]] = {}
    exchange: ClassVar[str] = MODERATION_EXCHANGE
    # The queue's topic (`<service>.<topic>`) when it is not the exchange's name; it also
    # names the consumer in `ProcessedEvent`, so two steps of one service apply an event each.
    topic: ClassVar[str | None] = None
    # False acknowledges on receipt, as Celery does by default: only for the fault test that
    # shows it loses events when a worker is killed.
    acks_late: ClassVar[bool] = True

    @classmethod
    def configure(
        cls,
        *,
        service: str,
        handlers: Mapping[str, Callable[[Any], None]],
        exchange: str = MODERATION_EXCHANGE,
        acks_late: bool = True,
        topic: str | None = None,
    ) -> type[EventConsumerStep]:
        """Return a step class for `service`, calling `handlers[routing_key](event)` per event.

        Raises: ValueError when the handler map is empty.
        """
        if not handlers:
            raise ValueError("an event consumer needs at least one handler")
        return type(
            f"{service.title().replace('_', '')}{(topic or '').title().replace('-', '')}"
            "EventConsumerStep",
            (cls,),
            {
                "service": service,
                "handlers": dict(handlers),
                "exchange": exchange,
                "acks_late": acks_late,
                "topic": topic,
                "__module__": cls.__module__,
            },
        )

    def __init__(self, parent: Any = None, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._hygiene_at = 0.0

    @property
    def consumer_name(self) -> str:
        """The name events are recorded under in `ProcessedEvent`."""
        return f"{self.service}.{self.topic}" if self.topic else self.service

    def get_consumers(self, channel: Any) -> list[Consumer]:
        """Declare the topology on `channel` and return the consumer of the service's queue."""
        queue = event_topology_declare(
            channel,
            service=self.service,
            routing_keys=list(self.handlers),
            exchange=self.exchange,
            topic=self.topic,
        )
        return [
            Consumer(
                channel,
                queues=[queue],
                callbacks=[self.on_message],
                on_decode_error=self.on_decode_error,
                accept=["json"],
                prefetch_count=settings.EVENT_CONSUMER_PREFETCH,
            )
        ]

    def on_decode_error(self, message: Any, error: Exception) -> None:
        """Dead-letter a message whose body is not JSON (or not of an accepted content type)."""
        logger.warning(
            "%s: undecodable message %s dead-lettered",
            self.service,
            message.properties.get("message_id"),
            extra={"error": repr(error)},
        )
        message.reject(requeue=False)

    def on_message(self, body: Any, message: Any) -> None:
        """Handle one delivery: parse, apply once, ack after commit; see the module docstring."""
        from shared.messaging.consumer import event_apply, event_parse

        if not self.acks_late:
            message.ack()
        routing_key = message.delivery_info.get("routing_key", "")
        try:
            event = event_parse(routing_key=routing_key, body=body)
            handler = self.handlers[routing_key]
        except (InvalidEvent, KeyError) as error:
            logger.warning(
                "%s: poison message %s (%s) dead-lettered",
                self.service,
                message.properties.get("message_id"),
                routing_key,
                extra={"error": repr(error)},
            )
            if self.acks_late:
                message.reject(requeue=False)
            return
        # Django's per-request hygiene (CONN_MAX_AGE, health check), at most once a second:
        # its health check costs a round trip, and a burst of events is one "request".
        if time.monotonic() - self._hygiene_at > 1.0:
            _close_old_connections()
            self._hygiene_at = time.monotonic()
        try:
            event_apply(consumer=self.consumer_name, event=event, handler=handler)
        except Exception:  # any handler failure: retry a bounded number of times, then DLQ
            deliveries = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            logger.exception(
                "%s: handling %s %s failed (delivery %s of %s)",
                self.service,
                routing_key,
                event.event_id,
                deliveries,
                settings.EVENT_CONSUMER_MAX_DELIVERIES,
            )
            _close_old_connections()
            if self.acks_late:
                time.sleep(self.retry_delay(deliveries))
                message.reject(requeue=True)
            return
        if self.acks_late:
            message.ack()

    @staticmethod
    def retry_delay(deliveries: int) -> float:
        """Return how long to wait before requeueing an event whose handler failed."""
        base = settings.EVENT_CONSUMER_RETRY_BACKOFF_SECONDS
        return float(
            min(base * 2 ** (deliveries - 1), settings.EVENT_CONSUMER_RETRY_BACKOFF_MAX_SECONDS)
        )
