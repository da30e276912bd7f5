"""Writes on notifications: telling people, their reading, their choices and push devices.

Owned by the user service. `notify` is what its notifier calls for each domain event: it
stores one notification per recipient (once: a redelivered event finds them stored) and one
delivery per push subscription and e-mail the recipient wants, in the caller's transaction.
After the commit the recipients' open sockets get the notification, and the deliveries go to
the user service's worker (`hooks.deliveries_created`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.accounts.models import User
from shared.notifications import hooks, live
from shared.notifications.kinds import SAFETY_KINDS, Channel, NotificationKind
from shared.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    PushSubscription,
)
from shared.notifications.selectors import channels_of, unread_count, unread_counts

MAX_SUBSCRIPTIONS_PER_USER = 20


@dataclass(frozen=True)
class Notified:
    """What `notify` stored: the new notifications and their deliveries."""

    notifications: list[Notification]
    delivery_ids: list[UUID]


@transaction.atomic
def notify(
    *,
    recipient_ids: Iterable[UUID],
    kind: NotificationKind,
    payload: dict[str, Any],
    dedupe_key: str,
    delivery_data: Mapping[UUID, dict[str, Any]] | None = None,
) -> Notified:
    """Tell each recipient `kind` with `payload`, on the channels they chose; once per key.

    Recipients that do not exist or were erased are skipped; so are those already told under
    `dedupe_key`. `delivery_data` adds per-recipient data to their push deliveries (a safety
    alert's acknowledgement token).
    Side effects: on commit, a live frame to each recipient's sockets and the new deliveries
        handed to the registered sender.
    """
    wanted = list(dict.fromkeys(recipient_ids))
    if not wanted:
        return Notified(notifications=[], delivery_ids=[])
    already = set(
        Notification.objects.filter(recipient_id__in=wanted, dedupe_key=dedupe_key).values_list(
            "recipient_id", flat=True
        )
    )
    people = dict(
        User.objects.filter(
            id__in=[user_id for user_id in wanted if user_id not in already],
            deleted_at__isnull=True,
        ).values_list("id", "email")
    )
    if not people:
        return Notified(notifications=[], delivery_ids=[])
    channels = channels_of(user_ids=people, kind=kind)
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=kind.value,
                payload=payload,
                dedupe_key=dedupe_key,
                in_app=Channel.IN_APP in channels[user_id],
                created_at=now,
            )
            for user_id in people
        ]
    )
    by_recipient = {notification.recipient_id: notification for notification in notifications}
    deliveries = [
        Delivery(
            notification=by_recipient[subscription.user_id],
            channel=Channel.PUSH.value,
            subscription=subscription,
            data=dict((delivery_data or {}).get(subscription.user_id, {})),
        )
        for subscription in PushSubscription.objects.filter(
            user_id__in=[user_id for user_id in people if Channel.PUSH in channels[user_id]]
        )
    ]
    deliveries += [
        Delivery(notification=by_recipient[user_id], channel=Channel.EMAIL.value)
        for user_id, email in people.items()
        if email and Channel.EMAIL in channels[user_id]
    ]
    Delivery.objects.bulk_create(deliveries)
    delivery_ids = [delivery.id for delivery in deliveries]
    shown = [notification for notification in notifications if notification.in_app]
    urgent = kind in SAFETY_KINDS

    def after_commit() -> None:
        if delivery_ids:
            hooks.deliveries_created.fire(delivery_ids, urgent)
        if shown:
            live.broadcast_notifications(
                notifications=shown,
                unread_counts=unread_counts(recipient_ids=[n.recipient_id for n in shown]),
            )

    transaction.on_commit(after_commit, robust=True)
    return Notified(notifications=notifications, delivery_ids=delivery_ids)


def notification_mark_read(*, notification_id: UUID, user_id: UUID) -> Notification:
    """Mark one of the person's notifications read (again is a no-op).

    Raises: Notification.DoesNotExist when it is not theirs (the API answers 404).
    Side effects: the person's other sockets hear the new unread count.
    """
    notification = Notification.objects.get(id=notification_id, recipient_id=user_id, in_app=True)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(id=notification.id, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        live.broadcast_unread(user_id=user_id, unread_count=unread_count(recipient_id=user_id))
    return notification


def notifications_mark_all_read(*, user_id: UUID, now: datetime | None = None) -> int:
    """Mark every unread notification of the person read; return how many were unread.

    Side effects: the person's other sockets hear that nothing is unread.
    """
    marked = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    if marked:
        live.broadcast_unread(user_id=user_id, unread_count=0)
    return marked


@transaction.atomic
def preferences_update(*, user_id: UUID, changes: list[dict[str, Any]]) -> None:
    """Set the person's channels for some kinds; the others keep theirs.

    Each change names a `kind` and any of `in_app`, `push`, `email` (booleans).
    Raises:
        ValidationError: an unknown kind, or switching off the app or push for a safety kind
            (nothing is changed then).
    """
    for change in changes:
        try:
            kind = NotificationKind(str(change.get("kind")))
        except ValueError:
            raise ValidationError(
                {"preferences": [f"Unknown kind {change.get('kind')!r}."]}
            ) from None
        now_on = channels_of(user_ids=[user_id], kind=kind)[user_id]
        values = {
            "in_app": change.get("in_app", Channel.IN_APP in now_on),
            "push": change.get("push", Channel.PUSH in now_on),
            "email": change.get("email", Channel.EMAIL in now_on),
        }
        if kind in SAFETY_KINDS and not (values["in_app"] and values["push"]):
            raise ValidationError(
                {"preferences": ["Safety alerts always come in the app and by push."]}
            )
        NotificationPreference.objects.update_or_create(
            user_id=user_id, kind=kind.value, defaults=values
        )


@transaction.atomic
def push_subscription_save(
    *,
    user_id: UUID,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    language: str = "",
) -> PushSubscription:
    """Store (or refresh) a browser's push subscription for the person.

    An endpoint belongs to one browser: saved again by another person (a shared device that
    changed hands), it moves to them.
    Raises: ValidationError for a bad endpoint or keys, or too many devices.
    """
    subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if subscription is None:
        if PushSubscription.objects.filter(user_id=user_id).count() >= MAX_SUBSCRIPTIONS_PER_USER:
            raise ValidationError(
                {"endpoint": [f"At most {MAX_SUBSCRIPTIONS_PER_USER} devices get push."]}
            )
        subscription = PushSubscription(endpoint=endpoint)
    subscription.user_id = user_id
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.user_agent = user_agent[:300]
    subscription.language = language
    subscription.failures = 0
    subscription.full_clean(exclude=["user"], validate_unique=False)
    subscription.save()
    return subscription


def push_subscription_delete(*, user_id: UUID, endpoint: str) -> bool:
    """Forget one of the person's push subscriptions; return whether there was one."""
    deleted, _ = PushSubscription.objects.filter(user_id=user_id, endpoint=endpoint).delete()
    return deleted > 0


@transaction.atomic
def notifications_erase(*, user_id: UUID) -> None:
    """Delete everything notifications hold of the person, as erasing their account asks.

    Their notifications (with their deliveries), channel choices and push subscriptions: only
    they ever saw them, and nothing must reach their devices any more.
    """
    Notification.objects.filter(recipient_id=user_id).delete()
    NotificationPreference.objects.filter(user_id=user_id).delete()
    PushSubscription.objects.filter(user_id=user_id).delete()
