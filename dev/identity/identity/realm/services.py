"""Writes of the realm: roles, users and clients, each upserted so seeding can run again."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from oauth2_provider.models import Application

from identity.realm.models import ROLE_USER, SERVICE_ACCOUNT_PREFIX, User


@transaction.atomic
def role_ensure(*, name: str) -> Group:
    """Return the realm role `name`, creating it if it does not exist."""
    role, _ = Group.objects.get_or_create(name=name)
    return role


@transaction.atomic
def user_default_roles_grant(*, user: User) -> None:
    """Give `user` the realm's default role, as Keycloak does for every new user."""
    user.groups.add(role_ensure(name=ROLE_USER))


@transaction.atomic
def user_upsert(
    *,
    username: str,
    password: str,
    email: str,
    given_name: str,
    family_name: str,
    roles: Iterable[str],
) -> User:
    """Create or update the user `username` with exactly these attributes, password and roles."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.email = email
    user.email_verified = True
    user.first_name = given_name
    user.last_name = family_name
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.set([role_ensure(name=role) for role in roles])
    return user


@transaction.atomic
def client_upsert(
    *,
    client_id: str,
    name: str,
    client_type: str,
    grant_type: str,
    redirect_uris: Iterable[str] = (),
    post_logout_redirect_uris: Iterable[str] = (),
    client_secret: str | None = None,
) -> Application:
    """Create or update the OIDC client `client_id`; its tokens are signed with the realm key.

    A confidential client gets `client_secret` (stored hashed); a public one has none to use.
    Consent is skipped, as in Keycloak's default for first-party clients.
    """
    client = Application.objects.filter(client_id=client_id).first() or Application(
        client_id=client_id
    )
    client.name = name
    client.client_type = client_type
    client.authorization_grant_type = grant_type
    client.redirect_uris = " ".join(redirect_uris)
    client.post_logout_redirect_uris = " ".join(post_logout_redirect_uris)
    client.algorithm = Application.RS256_ALGORITHM
    client.skip_authorization = True
    if client_secret is not None:
        client.client_secret = client_secret
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def service_account_upsert(*, client_id: str, roles: Iterable[str]) -> User:
    """Create or update the service-account user of the client `client_id`, with exactly `roles`.

    As in Keycloak, the client-credentials grant mints tokens for this user: its id is `sub`
    and its roles are the token's `realm_access.roles`. It has no password: nobody signs in as
    it, and it gets no default role.
    """
    username = f"{SERVICE_ACCOUNT_PREFIX}{client_id}"
    user = User.objects.filter(username=username).first() or User(username=username)
    user.email = ""
    user.email_verified = False
    user.first_name = ""
    user.last_name = ""
    user.is_active = True
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.set([role_ensure(name=role) for role in roles])
    return user
