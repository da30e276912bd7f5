"""The moderator console's view of crew chats (shown by the moderation service).

Read-only: messages are written by their senders through the chat services, which number and
broadcast them. Moderators remove one with the action, which leaves a tombstone in its place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared.chat.models import Message
from shared.moderation.admin_actions import ModerationPermissionsMixin, remove_messages
from shared.moderation.admin_display import ConsoleAdmin

EXCERPT_LENGTH = 80


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Deleted"), ("no", "Not deleted")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Message)
class MessageAdmin(ModerationPermissionsMixin, ConsoleAdmin):
    list_display = ["created_at", "group", "sequence", "sender", "kind", "excerpt", "deleted_at"]
    list_filter = ["kind", DeletedFilter, "created_at"]
    search_fields = ["body", "sender__username", "=group__id", "=sender__id", "=id"]
    list_select_related = ["group", "sender"]
    raw_id_fields = ["group", "sender", "deleted_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = [remove_messages]

    @admin.display(description="Text")
    def excerpt(self, message: Message) -> str:
        if len(message.body) <= EXCERPT_LENGTH:
            return message.body
        return message.body[: EXCERPT_LENGTH - 1] + "…"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
