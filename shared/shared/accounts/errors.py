"""The business-rule refusals of accounts."""

from __future__ import annotations

from shared.api.errors import NotFound


class UserNotFound(NotFound):
    """No such user, or an erased account (it has no profile left to show)."""

    code = "user_not_found"
    message = "No such user."
