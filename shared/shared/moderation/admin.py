"""The moderator console's own pages: bans, reports and the audit log.

Read-only, like every domain app's admin: bans are lifted, reports taken and resolved through
actions that call the moderation services, so the console and the API leave the same trace.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group as PermissionGroup
from django.http import HttpRequest
from django.utils import timezone

from shared.moderation.admin_actions import (
    ModerationPermissionsMixin,
    dismiss_reports,
    lift_bans,
    resolve_reports_ban_author,
    resolve_reports_remove_content,
    take_reports,
)
from shared.moderation.models import Ban, ModerationAction, Report

EXCERPT_LENGTH = 80

# Console rights come from the realm roles at each sign-in (`console_access_sync`); a group
# edited here would be overwritten at the next one.
if admin.site.is_registered(PermissionGroup):
    admin.site.unregister(PermissionGroup)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BanStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("in_force", "In force"), ("past", "Lifted or ended")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        in_force = Ban.objects.in_force_at(timezone.now()).values("id")
        if self.value() == "in_force":
            return queryset.filter(id__in=in_force)
        if self.value() == "past":
            return queryset.exclude(id__in=in_force)
        return queryset


@admin.register(Ban)
class BanAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    list_display = [
        "user",
        "reason_excerpt",
        "starts_at",
        "until",
        "in_force",
        "created_by",
        "lifted_at",
        "lifted_by",
    ]
    list_filter = [BanStateFilter, "starts_at", "lifted_at"]
    search_fields = ["user__username", "user__email", "=user__id", "reason", "lift_reason"]
    list_select_related = ["user", "created_by", "lifted_by"]
    raw_id_fields = ["user", "created_by", "lifted_by"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = [lift_bans]

    @admin.display(description="Reason")
    def reason_excerpt(self, ban: Ban) -> str:
        return _excerpt(ban.reason)

    @admin.display(description="In force", boolean=True)
    def in_force(self, ban: Ban) -> bool:
        return ban.is_in_force_at(timezone.now())


@admin.register(Report)
class ReportAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "status",
        "target_type",
        "target_id",
        "reason_excerpt",
        "reporter",
        "target_author",
        "assigned_to",
        "resolution",
    ]
    list_filter = ["status", "target_type", "resolution", "created_at"]
    search_fields = [
        "reason",
        "resolution_note",
        "reporter__username",
        "target_author__username",
        "=target_id",
        "=id",
    ]
    list_select_related = ["reporter", "target_author", "assigned_to"]
    raw_id_fields = ["reporter", "target_author", "assigned_to", "resolved_by"]
    date_hierarchy = "created_at"
    # The queue: oldest first.
    ordering = ["created_at"]
    actions = [
        take_reports,
        dismiss_reports,
        resolve_reports_remove_content,
        resolve_reports_ban_author,
    ]

    @admin.display(description="Reason")
    def reason_excerpt(self, report: Report) -> str:
        return _excerpt(report.reason)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "reason_excerpt"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["reason", "actor__username", "=actor__id", "=target_id"]
    list_select_related = ["actor"]
    raw_id_fields = ["actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    @admin.display(description="Reason")
    def reason_excerpt(self, entry: ModerationAction) -> str:
        return _excerpt(entry.reason)
