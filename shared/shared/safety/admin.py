"""The moderator console's view of safety alerts, their answers and trails, and timers.

Read-only, as the crews admin is: a form save would bypass the services that tell the crews
(the chat notices and live updates) and keep an alert's timestamps in step with its status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared.moderation.admin_display import ConsoleAdmin
from shared.safety.models import (
    Alert,
    AlertAcknowledgement,
    AlertTarget,
    CheckInTimer,
    LocationPoint,
)


class ReadOnlyAdmin(ConsoleAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AlertTargetInline(ReadOnlyInline):
    model = AlertTarget
    fields = ["group", "event_id", "delivered_at", "message_sequence", "closure_delivered_at"]
    raw_id_fields = ["group"]


class AlertAcknowledgementInline(ReadOnlyInline):
    model = AlertAcknowledgement
    fields = ["user", "kind", "created_at", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["alert_type", "sender", "status", "created_at", "resolved_at", "cancelled_at"]
    list_filter = ["status", "alert_type", "created_at"]
    search_fields = ["sender__username", "message", "=id", "=sender__id", "=targets__group__id"]
    list_select_related = ["sender"]
    raw_id_fields = ["sender", "resolved_by"]
    inlines = [AlertTargetInline, AlertAcknowledgementInline]
    ordering = ["-created_at"]


@admin.register(LocationPoint)
class LocationPointAdmin(ReadOnlyAdmin):
    list_display = ["alert", "recorded_at", "accuracy_m"]
    search_fields = ["=alert__id"]
    raw_id_fields = ["alert"]
    ordering = ["-recorded_at"]


@admin.register(CheckInTimer)
class CheckInTimerAdmin(ReadOnlyAdmin):
    list_display = ["user", "group", "due_at", "status", "fired_alert", "created_at"]
    list_filter = ["status", "due_at"]
    search_fields = ["user__username", "=id", "=user__id", "=group__id"]
    list_select_related = ["user", "group"]
    raw_id_fields = ["user", "group", "fired_alert"]
    ordering = ["-created_at"]
