"""Reads of notifications: a person's list and unread count, their channel choices."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Count, QuerySet

from shared.notifications.kinds import (
    ALWAYS_ON,
    DEFAULT_CHANNELS,
    SAFETY_KINDS,
    Channel,
    NotificationKind,
)
from shared.notifications.models import Notification, NotificationPreference, PushSubscription


def notification_list(*, recipient_id: UUID) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first (cursor-paginated by the API)."""
    return Notification.objects.filter(recipient_id=recipient_id, in_app=True).order_by(
        "-created_at", "-id"
    )


def unread_count(*, recipient_id: UUID) -> int:
    """How many of the person's in-app notifications are unread."""
    return Notification.objects.filter(
        recipient_id=recipient_id, in_app=True, read_at__isnull=True
    ).count()


def unread_counts(*, recipient_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Unread counts of several people in one query (0 for those with none)."""
    ids = list(recipient_ids)
    counts = dict(
        Notification.objects.filter(recipient_id__in=ids, in_app=True, read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    return {user_id: counts.get(user_id, 0) for user_id in ids}


def _channels(
    kind: NotificationKind, preference: NotificationPreference | None
) -> frozenset[Channel]:
    if preference is None:
        channels = DEFAULT_CHANNELS[kind]
    else:
        channels = frozenset(
            channel
            for channel, enabled in (
                (Channel.IN_APP, preference.in_app),
                (Channel.PUSH, preference.push),
                (Channel.EMAIL, preference.email),
            )
            if enabled
        )
    if kind in SAFETY_KINDS:
        channels |= ALWAYS_ON
    return channels


def channels_of(
    *, user_ids: Iterable[UUID], kind: NotificationKind
) -> dict[UUID, frozenset[Channel]]:
    """The channels each person gets `kind` on: their choice, else the kind's defaults.

    Safety kinds always include the app and push, whatever a row says. One query.
    """
    ids = list(user_ids)
    chosen = {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(user_id__in=ids, kind=kind)
    }
    return {user_id: _channels(kind, chosen.get(user_id)) for user_id in ids}


def preference_table(*, user_id: UUID) -> list[dict[str, object]]:
    """Every kind with the person's channels and which of them cannot be switched off."""
    chosen = {
        preference.kind: preference
        for preference in NotificationPreference.objects.filter(user_id=user_id)
    }
    table: list[dict[str, object]] = []
    for kind in NotificationKind:
        channels = _channels(kind, chosen.get(kind.value))
        table.append(
            {
                "kind": kind.value,
                "in_app": Channel.IN_APP in channels,
                "push": Channel.PUSH in channels,
                "email": Channel.EMAIL in channels,
                "locked": sorted(ALWAYS_ON) if kind in SAFETY_KINDS else [],
            }
        )
    return table


# --- A person's own notification data (the data export) ---


def notification_list_of_recipient(*, recipient_id: UUID) -> QuerySet[Notification]:
    """Every notification of the person, also those they get only by push or e-mail, newest first."""
    return Notification.objects.filter(recipient_id=recipient_id).order_by("-created_at", "-id")


def preference_list_of_user(*, user_id: UUID) -> QuerySet[NotificationPreference]:
    """The channel choices the person stored (kinds without one follow their defaults)."""
    return NotificationPreference.objects.filter(user_id=user_id).order_by("kind")


def push_subscription_list_of_user(*, user_id: UUID) -> QuerySet[PushSubscription]:
    """The person's push subscriptions (one per browser), newest first."""
    return PushSubscription.objects.filter(user_id=user_id).order_by("-created_at", "id")
