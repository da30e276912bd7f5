"""The moderator console's view of events and RSVPs (shown by the moderation service).

Read-only on purpose: every change to an event goes through `shared.events.services`, which
keep the counters, the capacity and the waitlist true; a form save would bypass them. The one
change moderators make, removing an event, is an action calling the moderation services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shared.events.models import Event, Participation
from shared.moderation.admin_actions import ModerationPermissionsMixin, remove_events
from shared.moderation.admin_display import ConsoleAdmin, user_html, when


class ReadOnlyAdmin(ConsoleAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    # Few and short columns: the list fits a 1440 px screen beside both sidebars (#15).
    list_display = ["title_column", "event_type", "starts", "state", "organizer_column", "seats"]
    list_display_links = ["title_column"]
    list_filter = ["status", "visibility", "event_type", "starts_at", "removed_at"]
    search_fields = ["title", "venue_name", "address", "organizer__username", "=id"]
    list_select_related = ["organizer"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    exclude = ["search_vector"]
    actions = [remove_events]

    @admin.display(description="Title", ordering="title")
    def title_column(self, event: Event) -> SafeString:
        return format_html(
            '<span class="cu-text cu-cut" title="{}">{}</span>', event.title, event.title
        )

    @admin.display(description="Starts", ordering="starts_at")
    def starts(self, event: Event) -> str:
        return when(event.starts_at)

    @admin.display(description="Status", ordering="status")
    def state(self, event: Event) -> SafeString:
        status = "removed" if event.removed_at else event.get_status_display().lower()
        return format_html(
            '{}<br><span class="cu-handle">{}</span>',
            status,
            event.get_visibility_display().lower(),
        )

    @admin.display(description="Organizer", ordering="organizer__username")
    def organizer_column(self, event: Event) -> SafeString:
        return user_html(event.organizer)

    @admin.display(description="Going / seats")
    def seats(self, event: Event) -> str:
        seats = f"{event.going_count} / {event.capacity or '∞'}"
        return f"{seats} (+{event.waitlist_count} waiting)" if event.waitlist_count else seats


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["event", "user", "status", "waitlisted_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["event__title", "user__username", "=event__id", "=user__id"]
    list_select_related = ["event", "user"]
    ordering = ["-created_at"]
