"""Bans, reports from users, and the audit log of every moderator action."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q

from shared.core.models import BaseModel

# What a moderator writes to explain a ban, a lift, a takedown or a report's resolution.
MODERATOR_REASON_MIN_LENGTH = 10
MODERATOR_REASON_MAX_LENGTH = 500
REPORT_REASON_MAX_LENGTH = 1000


class TargetType(models.TextChoices):
    """What an audit row or a report is about."""

    USER = "user", "User"
    EVENT = "event", "Event"
    CREW = "crew", "Crew"
    MESSAGE = "message", "Message"
    REPORT = "report", "Report"
    BAN = "ban", "Ban"


class ReportTargetType(models.TextChoices):
    EVENT = "event", "Event"
    CREW = "crew", "Crew"
    MESSAGE = "message", "Message"
    USER = "user", "User"


class RemovableTargetType(models.TextChoices):
    EVENT = "event", "Event"
    CREW = "crew", "Crew"
    MESSAGE = "message", "Message"


class ActionCode(models.TextChoices):
    """The audit log's verbs: `<entity>.<past verb>`, as the bus's routing keys are."""

    USER_BANNED = "user.banned", "User banned"
    USER_UNBANNED = "user.unbanned", "Ban lifted"
    USER_BAN_EXPIRED = "user.ban_expired", "Ban expired"
    EVENT_REMOVED = "event.removed", "Event removed"
    CREW_REMOVED = "crew.removed", "Crew removed"
    MESSAGE_REMOVED = "message.removed", "Message removed"
    REPORT_TAKEN = "report.taken", "Report taken"
    REPORT_RESOLVED = "report.resolved", "Report resolved"
    REPORT_DISMISSED = "report.dismissed", "Report dismissed"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


OPEN_REPORT_STATUSES = (ReportStatus.OPEN, ReportStatus.IN_REVIEW)


class ReportResolution(models.TextChoices):
    DISMISS = "dismiss", "Dismiss"
    REMOVE_CONTENT = "remove_content", "Remove the content"
    BAN_AUTHOR = "ban_author", "Ban the author"


class BanQuerySet(models.QuerySet["Ban"]):
    def not_lifted(self) -> BanQuerySet:
        """Bans nobody has lifted yet, an expired one waiting for `ban_expire_due` included."""
        return self.filter(lifted_at__isnull=True)

    def in_force_at(self, moment: datetime) -> BanQuerySet:
        """Bans that hold at `moment`: not lifted, and permanent or not yet over."""
        return self.not_lifted().filter(Q(until__isnull=True) | Q(until__gt=moment))


class Ban(BaseModel):
    """A user barred from CrewUp by a moderator, until `until` (None: until lifted).

    A user has at most one ban not lifted at a time; a temporary one is lifted by
    `ban_expire_due` once `until` passes. Past bans stay as the user's history.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="bans")
    reason = models.CharField(
        max_length=MODERATOR_REASON_MAX_LENGTH,
        validators=[MinLengthValidator(MODERATOR_REASON_MIN_LENGTH)],
    )
    starts_at = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    # None on a lifted ban: it expired by itself.
    lifted_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(max_length=MODERATOR_REASON_MAX_LENGTH, blank=True)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        permissions = [("ban_user", "Can ban and unban users")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="moderation_ban_one_not_lifted_per_user",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("starts_at")),
                name="moderation_ban_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["until"],
                condition=Q(lifted_at__isnull=True, until__isnull=False),
                name="moderation_ban_expiry_due",
            ),
            models.Index(fields=["user", "starts_at"], name="moderation_ban_user_history"),
        ]

    def __str__(self) -> str:
        # Names the user (one query unless loaded with them): the console shows no bare ids.
        return f"ban of {self.user} from {self.starts_at:%Y-%m-%d}"

    def is_in_force_at(self, moment: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > moment)


class ModerationAction(models.Model):
    """One line of the audit log: who did what, to which target, why, and when.

    Written by the moderation services in the transaction of the change itself, never
    updated. `actor` is None for what CrewUp did by itself (a temporary ban ending).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=50, choices=ActionCode.choices)
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.UUIDField()
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="moderation_action_target"
            ),
            models.Index(fields=["action", "created_at"], name="moderation_action_code"),
            models.Index(fields=["actor", "created_at"], name="moderation_action_actor"),
        ]

    def __str__(self) -> str:
        when = f" on {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else ""
        return f"{self.get_action_display()}{when}"


class Report(BaseModel):
    """A signed-in user's report of an event, a crew, a message or a user, and its handling.

    `target_author` is who the reported thing belongs to when it was reported (the organizer,
    the crew's owner, the sender, or the user reported): the one `ban_author` bans.
    """

    reporter = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_filed",
    )
    target_type = models.CharField(max_length=20, choices=ReportTargetType.choices)
    target_id = models.UUIDField()
    target_author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(
        max_length=REPORT_REASON_MAX_LENGTH,
        validators=[MaxLengthValidator(REPORT_REASON_MAX_LENGTH)],
    )
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=20, choices=ReportResolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [
            ("handle_report", "Can take and resolve reports"),
            ("remove_content", "Can remove events, crews and messages"),
        ]
        constraints = [
            # Reporting the same thing again while the first report is open adds nothing.
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status__in=OPEN_REPORT_STATUSES),
                name="moderation_report_one_open_per_reporter_target",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="moderation_report_queue"),
            models.Index(fields=["target_type", "target_id"], name="moderation_report_target"),
            models.Index(fields=["reporter", "created_at"], name="moderation_report_reporter"),
        ]

    def __str__(self) -> str:
        when = f" on {self.created_at:%Y-%m-%d}" if self.created_at else ""
        kind = self.get_target_type_display().lower()
        return f"{kind} report{when} ({self.get_status_display().lower()})"

    @property
    def is_closed(self) -> bool:
        return self.status in (ReportStatus.RESOLVED, ReportStatus.DISMISSED)
