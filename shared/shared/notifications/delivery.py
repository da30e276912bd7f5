"""Sending deliveries: push messages and e-mails, with retries that back off.

`deliveries_send` claims the pending deliveries it is given (a lease, so a sweep running at
the same time leaves them alone), sends them outside any transaction (pushes side by side),
and records each outcome:

- sent: done (`sent_at`; the subscription's `last_success_at`);
- gone (the push service answered 404 or 410): the subscription is deleted, as RFC 8030 asks;
- retry (429, 5xx, a network error, an SMTP error): due again after a backoff that grows
  with the attempts (or the push service's `Retry-After`), until `MAX_ATTEMPTS`;
- rejected (another 4xx): failed for good.

A push carries the rendered title and body, the deep link, and for a safety alert the
member's single-use acknowledgement token; never a location.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shared.notifications.email import EmailNotSent, email_send
from shared.notifications.kinds import SAFETY_KINDS, Channel, NotificationKind
from shared.notifications.models import Delivery, DeliveryStatus, PushSubscription
from shared.notifications.render import RenderedNotification, notification_render
from shared.notifications.webpush import (
    PushMessage,
    PushStatus,
    push_enabled,
    push_payload_encode,
    push_send_many,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Seconds before attempt n+1 (the last value repeats).
BACKOFF_SECONDS = (5, 30, 120, 600, 1800)
# How long a claimed delivery is left alone by sweeps (a sender that died lets it go after).
LEASE = timedelta(seconds=90)
# A delivery whose task never came (the broker lost it) is swept after this long.
UNSENT_AFTER = timedelta(seconds=30)
# Safety pushes: delivered at once or not at all within a short time (RFC 8030 TTL).
SAFETY_TTL_SECONDS = 15 * 60
DEFAULT_TTL_SECONDS = 24 * 3600


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[UUID]:
    """Return pending deliveries due again, or never attempted for a while, oldest first."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lte=now - UNSENT_AFTER)
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


def _claim(delivery_ids: list[UUID], now: datetime) -> list[Delivery]:
    """Take the pending, due ones of these deliveries for `LEASE`: a sweep or a second task
    running meanwhile finds them not due, so nothing is sent twice while this sender lives."""
    with transaction.atomic():
        claimed = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=delivery_ids, status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("notification", "notification__recipient", "subscription")
        )
        Delivery.objects.filter(id__in=[d.id for d in claimed]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE
        )
    return claimed


def push_message(delivery: Delivery, rendered: RenderedNotification) -> dict[str, Any]:
    """The JSON a push carries to the service worker (small: no location, no trail)."""
    notification = delivery.notification
    kind = notification.kind
    message: dict[str, Any] = {
        "id": str(notification.id),
        "kind": kind,
        "title": rendered.title,
        "body": rendered.body,
        "url": rendered.url,
        "tag": f"{kind}:{notification.payload.get('alert_id') or notification.id}",
        "urgent": kind in SAFETY_KINDS,
    }
    token = delivery.data.get("ack_token")
    if token and kind in (NotificationKind.ALERT_RAISED, NotificationKind.CHECK_IN_MISSED):
        alert_id = notification.payload["alert_id"]
        message["ack"] = {
            "url": f"/api/v1/safety/alerts/{alert_id}/token-acknowledgements/",
            "token": token,
        }
    return message


class _Renderer:
    """Renders each (kind, payload, language, time zone) once per run: the 50 members an alert
    reaches share one text, and rendering (its HTML e-mail too) costs more than encrypting."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str, str, str], RenderedNotification] = {}

    def __call__(self, delivery: Delivery, language: str) -> RenderedNotification:
        notification = delivery.notification
        time_zone = notification.recipient.time_zone
        key = (
            notification.kind,
            json.dumps(notification.payload, sort_keys=True),
            language,
            time_zone,
        )
        if key not in self._done:
            self._done[key] = notification_render(
                kind=notification.kind,
                payload=notification.payload,
                language=language,
                time_zone=time_zone,
            )
        return self._done[key]


@dataclass(frozen=True)
class _Outcome:
    status: str  # sent, gone, retry, rejected
    error: str = ""
    retry_after: float | None = None


def _push_of(delivery: Delivery, render: _Renderer) -> PushMessage:
    notification = delivery.notification
    subscription = delivery.subscription
    assert subscription is not None  # noqa: S101 - only deliveries with one come here
    rendered = render(delivery, subscription.language or notification.recipient.language)
    urgent = notification.kind in SAFETY_KINDS
    return PushMessage(
        endpoint=subscription.endpoint,
        p256dh=subscription.p256dh,
        auth=subscription.auth,
        payload=push_message(delivery, rendered),
        urgency="high" if urgent else "normal",
        ttl=SAFETY_TTL_SECONDS if urgent else DEFAULT_TTL_SECONDS,
    )


def _send_pushes(deliveries: list[Delivery], render: _Renderer) -> dict[UUID, _Outcome]:
    if not deliveries:
        return {}
    if not push_enabled():
        return {d.id: _Outcome("rejected", "push is not configured") for d in deliveries}
    outcomes: dict[UUID, _Outcome] = {}
    sendable: list[tuple[Delivery, PushMessage]] = []
    for delivery in deliveries:
        message = _push_of(delivery, render)
        try:
            push_payload_encode(message.payload)
        except ValueError as error:  # too large: it never will fit
            outcomes[delivery.id] = _Outcome("rejected", str(error)[:500])
        else:
            sendable.append((delivery, message))
    sent = push_send_many([message for _, message in sendable])
    for (delivery, _), outcome in zip(sendable, sent, strict=True):
        outcomes[delivery.id] = _Outcome(
            str(outcome.status),
            "" if outcome.status == PushStatus.SENT else f"HTTP {outcome.status_code}",
            outcome.retry_after,
        )
    return outcomes


def _send_emails(deliveries: list[Delivery], render: _Renderer) -> dict[UUID, _Outcome]:
    """Send e-mails over one SMTP connection (opened only when there is one to send)."""
    outcomes: dict[UUID, _Outcome] = {}
    if not deliveries:
        return outcomes
    with get_connection() as connection:
        for delivery in deliveries:
            recipient = delivery.notification.recipient
            if not recipient.email or recipient.deleted_at is not None:
                outcomes[delivery.id] = _Outcome("rejected", "no e-mail address")
                continue
            rendered = render(delivery, recipient.language)
            try:
                email_send(
                    to=recipient.email,
                    rendered=rendered,
                    language=recipient.language,
                    connection=connection,
                )
            except EmailNotSent as error:
                status = "retry" if error.temporary else "rejected"
                outcomes[delivery.id] = _Outcome(status, str(error)[:500])
            else:
                outcomes[delivery.id] = _Outcome("sent")
    return outcomes


def _record(delivery: Delivery, outcome: _Outcome, now: datetime) -> None:
    if outcome.status == "sent":
        Delivery.objects.filter(id=delivery.id).update(
            status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
        )
        if delivery.subscription_id:
            PushSubscription.objects.filter(id=delivery.subscription_id).update(
                last_success_at=now, failures=0
            )
        return
    if outcome.status == "gone":
        Delivery.objects.filter(id=delivery.id).update(
            status=DeliveryStatus.GONE, next_attempt_at=None, last_error=outcome.error
        )
        if delivery.subscription_id is not None:
            PushSubscription.objects.filter(id=delivery.subscription_id).delete()
        return
    if delivery.subscription_id:
        PushSubscription.objects.filter(id=delivery.subscription_id).update(
            last_failure_at=now, failures=F("failures") + 1
        )
    attempts = delivery.attempts + 1
    if outcome.status == "retry" and attempts < MAX_ATTEMPTS:
        delay: float = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
        if outcome.retry_after:
            delay = max(delay, outcome.retry_after)
        Delivery.objects.filter(id=delivery.id).update(
            next_attempt_at=now + timedelta(seconds=delay), last_error=outcome.error
        )
        return
    Delivery.objects.filter(id=delivery.id).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=outcome.error
    )


def deliveries_send(*, delivery_ids: list[UUID], now: datetime | None = None) -> int:
    """Send the pending ones of these deliveries; return how many went out.

    Side effects: push requests and e-mails; outcomes recorded (see the module docstring).
    """
    now = now or timezone.now()
    claimed = _claim(delivery_ids, now)
    pushes = [d for d in claimed if d.channel == Channel.PUSH and d.subscription is not None]
    render = _Renderer()
    outcomes = _send_pushes(pushes, render)
    outcomes |= _send_emails([d for d in claimed if d.channel == Channel.EMAIL], render)
    for delivery in claimed:  # a push whose subscription was removed meanwhile
        outcomes.setdefault(delivery.id, _Outcome("gone", "subscription removed"))
    done = timezone.now()
    for delivery in claimed:
        _record(delivery, outcomes[delivery.id], done)
    return sum(1 for outcome in outcomes.values() if outcome.status == "sent")
