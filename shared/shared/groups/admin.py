"""The moderator console's view of crews, members, join requests and invites.

Read-only, as the events admin is: a form save would bypass the services that keep
`member_count`, the capacity, the one owner per crew and the after-commit hooks true.
Removing a crew is an action calling the moderation services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shared.groups.models import Group, Invite, JoinRequest, Membership
from shared.moderation.admin_actions import ModerationPermissionsMixin, remove_crews
from shared.moderation.admin_display import ConsoleAdmin, change_url, user_html, when


class ReadOnlyAdmin(ConsoleAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Group)
class GroupAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    # Few and short columns: the list fits a 1440 px screen beside both sidebars (#15).
    list_display = ["name_column", "event_column", "access", "members", "creator", "state"]
    list_display_links = ["name_column"]
    list_filter = ["visibility", "join_policy", "removed_at", "created_at"]
    search_fields = ["name", "event__title", "created_by__username", "=id", "=event__id"]
    list_select_related = ["event", "created_by"]
    raw_id_fields = ["event", "created_by"]
    ordering = ["-created_at"]
    actions = [remove_crews]

    @admin.display(description="Name", ordering="name")
    def name_column(self, group: Group) -> SafeString:
        return format_html(
            '<span class="cu-text cu-cut" title="{}">{}</span>', group.name, group.name
        )

    @admin.display(description="Event", ordering="event__title")
    def event_column(self, group: Group) -> SafeString:
        return format_html(
            '<a class="cu-text cu-cut" href="{}" title="{}">{}</a>',
            change_url(group.event),
            group.event.title,
            group.event.title,
        )

    @admin.display(description="Access")
    def access(self, group: Group) -> SafeString:
        return format_html(
            '{}<br><span class="cu-handle">{}</span>',
            group.get_visibility_display().lower(),
            group.get_join_policy_display().lower(),
        )

    @admin.display(description="Members", ordering="member_count")
    def members(self, group: Group) -> str:
        return f"{group.member_count} / {group.max_members}"

    @admin.display(description="Started by", ordering="created_by__username")
    def creator(self, group: Group) -> SafeString:
        return user_html(group.created_by)

    @admin.display(description="State", ordering="removed_at")
    def state(self, group: Group) -> str:
        if group.removed_at:
            return f"removed {when(group.removed_at)}"
        return f"since {when(group.created_at)}"


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["group", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["group__name", "user__username", "=group__id", "=user__id"]
    list_select_related = ["group", "user"]
    raw_id_fields = ["group", "user"]
    ordering = ["-created_at"]


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ["group", "user", "status", "decided_by", "decided_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["group__name", "user__username", "=group__id", "=user__id"]
    list_select_related = ["group", "user", "decided_by"]
    raw_id_fields = ["group", "user", "decided_by"]
    ordering = ["-created_at"]


@admin.register(Invite)
class InviteAdmin(ReadOnlyAdmin):
    list_display = [
        "group",
        "created_by",
        "expires_at",
        "max_uses",
        "use_count",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["group__name", "created_by__username", "=group__id"]
    list_select_related = ["group", "created_by"]
    raw_id_fields = ["group", "created_by"]
    # A hash of a secret helps no moderator; it stays out of the console.
    exclude = ["token_hash"]
    ordering = ["-created_at"]
