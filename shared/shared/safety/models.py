"""Safety alerts, who they went to and who answered, the sender's trail, and check-in timers.

Location is personal data kept only as long as it helps: `location_data_purge` clears it
after `SAFETY_LOCATION_RETENTION_DAYS`, so every location field here may be empty.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q

from shared.core.models import BaseModel

MAX_MESSAGE_LENGTH = 500


class AlertType(models.TextChoices):
    HELP = "help", "Help"
    MEDICAL = "medical", "Medical"
    HARASSMENT = "harassment", "Harassment"
    LOST = "lost", "Lost"
    OTHER = "other", "Other"
    # Raised by CrewUp itself when a check-in timer runs out.
    MISSED_CHECK_IN = "missed_check_in", "Missed check-in"


# What a person may raise; `missed_check_in` only comes from a timer.
USER_ALERT_TYPES = [choice for choice in AlertType.values if choice != AlertType.MISSED_CHECK_IN]


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    # Withdrawn by its sender shortly after raising it: a false alarm.
    CANCELLED = "cancelled", "Cancelled"


class AcknowledgementKind(models.TextChoices):
    SEEN = "seen", "Seen"
    ON_MY_WAY = "on_my_way", "On my way"
    WITH_THEM = "with_them", "With them"


class CheckInStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CHECKED_IN = "checked_in", "Checked in"
    CANCELLED = "cancelled", "Cancelled"
    # Not checked in by `due_at`: an alert was raised.
    FIRED = "fired", "Fired"


class AlertQuerySet(models.QuerySet["Alert"]):
    def visible_to(self, viewer_id: UUID) -> AlertQuerySet:
        """Alerts the viewer sent, or that went to a crew the viewer belongs to."""
        from shared.groups.models import Membership

        in_my_crew = Exists(
            AlertTarget.objects.filter(
                alert_id=OuterRef("pk"),
                group_id__in=Membership.objects.filter(user_id=viewer_id).values("group_id"),
            )
        )
        return self.filter(Q(sender_id=viewer_id) | in_my_crew)

    def open(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.OPEN)


class Alert(BaseModel):
    """A call for help from one person to one or several of their crews."""

    sender = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    alert_type = models.CharField(max_length=20, choices=AlertType.choices)
    message = models.CharField(max_length=MAX_MESSAGE_LENGTH, blank=True)
    # The trail's first point: where the sender was when raising it, or, for an alert raised
    # without a position (indoors, location access off), the first one sent after. Empty
    # until then ("position not known yet"), and again after retention.
    location = models.PointField(
        geography=True, srid=4326, null=True, blank=True, spatial_index=False
    )
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(max_length=MAX_MESSAGE_LENGTH, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A `missed_check_in` alert's: when its timer was due. The message holds only what the user
    # wrote; each reader's app words "did not check in by …" in their language and time zone.
    check_in_due_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="safety_alert_status_created"),
            models.Index(fields=["sender", "created_at"], name="safety_alert_sender_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=AlertStatus.RESOLVED) & Q(resolved_at__isnull=False))
                | (~Q(status=AlertStatus.RESOLVED) & Q(resolved_at__isnull=True)),
                name="safety_alert_resolved_at_iff_resolved",
            ),
            models.CheckConstraint(
                condition=(Q(status=AlertStatus.CANCELLED) & Q(cancelled_at__isnull=False))
                | (~Q(status=AlertStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="safety_alert_cancelled_at_iff_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_type} alert by {self.sender_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN


class AlertTarget(BaseModel):
    """One crew an alert went to, and whether its notices reached the crew's chat stream."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="targets")
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="safety_alert_targets"
    )
    # The crew's event when the alert was raised, as the sender could see it (empty when the
    # event is private to them): context for the crew, copied so later edits do not rewrite it.
    event_id = models.UUIDField(null=True, blank=True)
    event_details = models.JSONField(default=dict, blank=True)
    # When the group service stored the "raised" notice in the crew's chat (and its number).
    delivered_at = models.DateTimeField(null=True, blank=True)
    message_sequence = models.BigIntegerField(null=True, blank=True)
    # When the "resolved" or "cancelled" notice was stored there.
    closure_delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "group"], name="safety_alerttarget_unique"),
        ]
        indexes = [
            models.Index(fields=["group", "alert"], name="safety_alerttarget_group"),
            models.Index(
                fields=["created_at"],
                condition=Q(delivered_at__isnull=True),
                name="safety_alerttarget_undelivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.group_id}"


class AlertAcknowledgement(BaseModel):
    """A crew member's answer to an alert; one per person, changed as they act."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="safety_acknowledgements"
    )
    kind = models.CharField(max_length=20, choices=AcknowledgementKind.choices)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "user"], name="safety_acknowledgement_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} on {self.alert_id}"


class LocationPoint(BaseModel):
    """One position of an alert's sender while the alert was open: the trail."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="locations")
    point = models.PointField(geography=True, srid=4326, spatial_index=False)
    recorded_at = models.DateTimeField()
    accuracy_m = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100_000)]
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["alert", "recorded_at"], name="safety_location_alert_time"),
            models.Index(fields=["recorded_at"], name="safety_location_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} @ {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class CheckInTimer(BaseModel):
    """A dead-man switch: unless its user checks in by `due_at`, the crew gets an alert."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="checkin_timers"
    )
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="checkin_timers"
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.ACTIVE
    )
    # Told to the crew if the timer fires ("walking home along the river").
    message = models.CharField(max_length=MAX_MESSAGE_LENGTH, blank=True)
    last_location = models.PointField(
        geography=True, srid=4326, null=True, blank=True, spatial_index=False
    )
    last_location_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    fired_alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(status=CheckInStatus.ACTIVE),
                name="safety_checkintimer_one_active_per_crew",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status=CheckInStatus.ACTIVE),
                name="safety_checkintimer_active_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} by {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == CheckInStatus.ACTIVE


class AcknowledgementTokenUse(models.Model):
    """A single-use acknowledgement token that was used (shared.safety.ack_tokens)."""

    nonce = models.CharField(max_length=40, primary_key=True)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token {self.nonce} on {self.alert_id}"
