"""Reads of the realm: a user's roles and the claims a token carries about them."""

from __future__ import annotations

from typing import Any

from identity.realm.models import SERVICE_ACCOUNT_PREFIX, User


def user_roles(*, user: User) -> list[str]:
    """Return the user's realm roles, sorted: the names of the groups they are in."""
    return sorted(user.groups.values_list("name", flat=True))


def user_profile_claims(*, user: User) -> dict[str, Any]:
    """Return the profile claims Keycloak puts in tokens and userinfo for `user`.

    Like Keycloak, claims for attributes the user does not have are left out.
    """
    claims: dict[str, Any] = {
        "preferred_username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "name": user.get_full_name(),
        "realm_access": {"roles": user_roles(user=user)},
    }
    return {name: value for name, value in claims.items() if value != ""}


def service_account_get(*, client_id: str) -> User | None:
    """Return the active service-account user of the client `client_id`, or None."""
    return User.objects.filter(
        username=f"{SERVICE_ACCOUNT_PREFIX}{client_id}", is_active=True
    ).first()
