"""Reads on accounts.

The data export, which reads every domain app, lives in `shared.privacy.export`.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from rest_framework.request import Request

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User

SEARCH_MIN_LENGTH = 2


def signed_in_user(request: HttpRequest | Request) -> User:
    """The user of a request that a permission (or the console's login) required to be signed in.

    What `request.user` is once that check passed, said in a type: views and admin actions
    pass its id on to services that need a user, never an anonymous one.

    Raises:
        PermissionDenied: anonymous after all (a view without that permission): a 403.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def user_get(*, user_id: UUID) -> User | None:
    """Return the user with this id, or None."""
    return User.objects.filter(id=user_id).first()


def user_get_profile(*, user_id: UUID) -> User:
    """Return a user whose profile may be shown: it exists and has not been erased.

    Raises:
        UserNotFound: no such user, or an erased account.
    """
    user = User.objects.filter(id=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise UserNotFound()
    return user


def user_search(*, query: str) -> QuerySet[User]:
    """Return the accounts matching `query` (moderators' search), by username.

    Matches a part of the username, e-mail, first or last name or display name, ignoring
    case, or the exact id or Keycloak `sub`. Erased accounts are left out. The caller checks
    the searcher is a moderator: the results carry e-mail addresses and ban state.
    """
    query = query.strip()
    matches = (
        Q(username__icontains=query)
        | Q(email__icontains=query)
        | Q(first_name__icontains=query)
        | Q(last_name__icontains=query)
        | Q(display_name_override__icontains=query)
        | Q(keycloak_id=query)
    )
    with contextlib.suppress(ValueError):
        matches |= Q(id=UUID(query))
    return User.objects.filter(matches, deleted_at__isnull=True).order_by("username", "id")
