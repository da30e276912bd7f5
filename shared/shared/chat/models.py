"""Chat messages, numbered per crew so a client can tell what it missed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.core.models import BaseModel

MAX_MESSAGE_LENGTH = 2000
MAX_CLIENT_ID_LENGTH = 64


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
    # The sender's own key for the message: a client that resends what was not acknowledged
    # gets the stored message back instead of a second copy (one per sender in a crew). NULL,
    # not "", for none: the unique index leaves out the messages without one.
    client_id = models.CharField(  # noqa: DJ001
        max_length=MAX_CLIENT_ID_LENGTH, null=True, blank=True
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
            # Per crew: the same key sent to another crew is another message, never answered
            # with this crew's. Also what makes a race of two resends fail rather than skip a
            # number (see `shared.chat.services._numbered_insert`).
            models.UniqueConstraint(
                fields=["group", "sender", "client_id"],
                condition=Q(client_id__isnull=False),
                name="chat_message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} in {self.group_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
