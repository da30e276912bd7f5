"""What a person is told, how (in the app, by push, by e-mail), and what they chose to hear.

Owned by the user service: its notifier turns domain events into `Notification` rows (the
in-app list, also pushed live on the person's socket) and `Delivery` rows (one per push
subscription and one for e-mail), which its worker sends and retries.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.core.models import BaseModel
from shared.notifications.kinds import Channel, NotificationKind

ENDPOINT_MAX_LENGTH = 2000
KIND_CHOICES = [(kind.value, kind.value) for kind in NotificationKind]


class Notification(BaseModel):
    """One thing one person is told, with the facts to show it (see `kinds`)."""

    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    payload = models.JSONField(default=dict)
    # What makes it unique for its recipient (the event that caused it and what it says): a
    # redelivered event, or two reminder sweeps racing, never tell a person twice.
    dedupe_key = models.CharField(max_length=200)
    read_at = models.DateTimeField(null=True, blank=True)
    # False when the person silenced this kind in the app but still gets it by push or e-mail:
    # the row carries what those deliveries send, and the list leaves it out.
    in_app = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notifications_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notifications_recipient_new"
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, in_app=True),
                name="notifications_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationPreference(models.Model):
    """A person's choice of channels for one kind (no row: the kind's defaults)."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    in_app = models.BooleanField(default=True)
    push = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_pref_unique"),
            # Safety kinds always go in the app and by push (kinds.SAFETY_KINDS).
            models.CheckConstraint(
                condition=~Q(kind__startswith="safety.") | (Q(in_app=True) & Q(push=True)),
                name="notifications_pref_safety_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class PushSubscription(BaseModel):
    """One browser's Web Push subscription (RFC 8030) for one person."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=ENDPOINT_MAX_LENGTH, unique=True)
    # The browser's P-256 public key and auth secret (RFC 8291), base64url.
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    # The app's language on that device, for the texts the push carries (action buttons).
    language = models.CharField(max_length=10, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    # Failures since the last success.
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"push for {self.user_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    # The push service said the subscription is gone (404/410); it was removed.
    GONE = "gone", "Gone"
    FAILED = "failed", "Failed"


class Delivery(BaseModel):
    """Sending one notification on one channel: to one push subscription, or by e-mail."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(
        max_length=10, choices=[(c.value, c.value) for c in (Channel.PUSH, Channel.EMAIL)]
    )
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What this delivery alone carries: a safety alert's single-use acknowledgement token.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notifications_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} of {self.notification_id} ({self.status})"


class ReminderLead(models.TextChoices):
    DAY = "24h", "24 hours"
    TWO_HOURS = "2h", "2 hours"


class EventReminder(models.Model):
    """A reminder the scheduler has issued: one per event, lead and start time.

    Keyed by the start time too, so moving an event makes its reminders due again at the new
    time, and a reminder already issued is never issued twice.
    """

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    lead = models.CharField(max_length=4, choices=ReminderLead.choices)
    starts_at = models.DateTimeField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "lead", "starts_at"], name="notifications_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead} reminder of {self.event_id} at {self.starts_at:%Y-%m-%d %H:%M}"
