"""Chat messages, numbered per crew so a client can tell what it missed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.core.models import BaseModel

MAX_MESSAGE_LENGTH = 2000


class MessageKind(models.TextChoices):
    TEXT = "text", "Text"
    # Written by the system: member joined/left, and safety alerts raised to the crew.
    SYSTEM = "system", "System"
    SAFETY_ALERT = "safety_alert", "Safety alert"


class ChatStream(models.Model):
    """The sequence counter of one crew's chat: the last number handed out.

    Incremented by one atomic UPDATE per message, so numbers are gap-free and ordered per crew.
    """

    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, primary_key=True, related_name="chat_stream"
    )
    last_sequence = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.group_id} @ {self.last_sequence}"


class Message(BaseModel):
    """One message in a crew's chat, written before it is broadcast."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="messages")
    sequence = models.BigIntegerField()
    # Kept as "deleted user" when the sender's account is erased.
    sender = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
    )
    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.TEXT)
    body = models.TextField(max_length=MAX_MESSAGE_LENGTH, blank=True)
    # Structured content of system and safety messages (e.g. the alert's id, type and position).
    data = models.JSONField(default=dict, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["group", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "sequence"], name="chat_message_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="chat_message_sequence_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} in {self.group_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
