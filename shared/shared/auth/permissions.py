"""Permissions shared by every service's API."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from shared.auth.tokens import ROLE_ADMIN, ROLE_MODERATOR, ROLE_SERVICE


def user_roles(user: Any) -> frozenset[str]:
    """The realm roles of the token behind this request's user (empty for anonymous)."""
    return getattr(user, "roles", frozenset())


def is_moderator(user: Any) -> bool:
    return bool(user_roles(user) & {ROLE_MODERATOR, ROLE_ADMIN})


class NotBanned(BasePermission):
    """A banned user is refused everywhere, reads included."""

    message = "Your account is banned."
    code = "user_banned"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return not (user and user.is_authenticated and user.is_banned_at())


class ReadOnlyOrAuthenticated(BasePermission):
    """Anyone may read; writing needs a signed-in user."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class IsModerator(BasePermission):
    """The token carries the `moderator` or `admin` realm role."""

    message = "This needs the moderator role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and is_moderator(request.user))


class IsService(BasePermission):
    """The token carries the `service` realm role: another CrewUp service is calling.

    For internal endpoints only; pair it with `IsAuthenticated` so anonymous calls get 401.
    """

    message = "This needs a service token."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and ROLE_SERVICE in user_roles(user))
