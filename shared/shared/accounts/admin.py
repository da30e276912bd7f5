"""The moderator console's view of accounts (shown by the moderation service).

Read-only: names and e-mail come from the identity provider, profiles are their owners', and
bans go through the ban actions (which write the audit log and tell every service), never a
form save. Console rights follow the realm roles at each sign-in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shared.accounts.models import User
from shared.moderation.admin_actions import ModerationPermissionsMixin, ban_users, unban_users
from shared.moderation.admin_display import ConsoleAdmin, user_label, when


@admin.register(User)
class UserAdmin(ModerationPermissionsMixin, ConsoleAdmin):
    # Few and short columns: the list fits a 1440 px screen beside both sidebars (#15).
    list_display = [
        "user_column",
        "email_column",
        "roles",
        "banned",
        "is_active",
        "last_seen",
        "joined",
    ]
    list_display_links = ["user_column"]
    list_filter = ["is_banned", "is_staff", "is_active", "deleted_at", "created_at"]
    search_fields = [
        "username",
        "email",
        "first_name",
        "last_name",
        "display_name_override",
        "=keycloak_id",
        "=id",
    ]
    exclude = ["password", "groups", "user_permissions"]
    # Avatars are https only (and Django 6 assumes https for scheme-less input).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    ordering = ["username"]
    actions = [ban_users, unban_users]

    @admin.display(description="User", ordering="username")
    def user_column(self, user: User) -> SafeString:
        return format_html(
            '<span class="cu-user" title="{}"><span>{}</span> <span class="cu-handle">@{}</span></span>',
            user_label(user),
            user.display_name,
            user.username,
        )

    @admin.display(description="E-mail", ordering="email")
    def email_column(self, user: User) -> SafeString:
        return format_html(
            '<span class="cu-text cu-cut" title="{}">{}</span>', user.email, user.email
        )

    @admin.display(description="Banned", ordering="banned_until")
    def banned(self, user: User) -> str:
        if not user.is_banned:
            return "no"
        return f"until {when(user.banned_until)}" if user.banned_until else "until lifted"

    @admin.display(description="Last seen", ordering="last_seen_at")
    def last_seen(self, user: User) -> str:
        return when(user.last_seen_at)

    @admin.display(description="Joined", ordering="created_at")
    def joined(self, user: User) -> str:
        return when(user.created_at)

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(user.realm_roles)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
