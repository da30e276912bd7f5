"""The business-rule refusals of accounts."""

from __future__ import annotations

from shared.api.errors import ApplicationError, NotFound


class UserNotFound(NotFound):
    """No such user, or an erased account (it has no profile left to show)."""

    code = "user_not_found"
    message = "No such user."


class AccountErased(ApplicationError):
    """The token's subject erased their CrewUp account: its tokens are refused for good."""

    code = "account_erased"
    status = 401
    message = "This account was erased; its sign-in cannot be used on CrewUp again."
