"""The moderator console's view of events and RSVPs (shown by the moderation service).

Read-only on purpose: every change to an event goes through `shared.events.services`, which
keep the counters, the capacity and the waitlist true; a form save would bypass them. The one
change moderators make, removing an event, is an action calling the moderation services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared.events.models import Event, Participation
from shared.moderation.admin_actions import ModerationPermissionsMixin, remove_events


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    list_display = [
        "title",
        "event_type",
        "starts_at",
        "status",
        "visibility",
        "organizer",
        "going_count",
        "capacity",
        "waitlist_count",
        "removed_at",
        "created_at",
    ]
    list_filter = ["status", "visibility", "event_type", "starts_at", "removed_at"]
    search_fields = ["title", "venue_name", "address", "organizer__username", "=id"]
    list_select_related = ["organizer"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    exclude = ["search_vector"]
    actions = [remove_events]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["event", "user", "status", "waitlisted_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["event__title", "user__username", "=event__id", "=user__id"]
    list_select_related = ["event", "user"]
    ordering = ["-created_at"]
