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

from shared.accounts.models import User
from shared.moderation.admin_actions import ModerationPermissionsMixin, ban_users, unban_users


@admin.register(User)
class UserAdmin(ModerationPermissionsMixin, admin.ModelAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "roles",
        "is_banned",
        "banned_until",
        "is_active",
        "last_seen_at",
        "created_at",
    ]
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

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(user.realm_roles)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
