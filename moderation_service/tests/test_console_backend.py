"""The console's OIDC backend: accounts found by `sub`, rights from the realm roles, at each sign-in."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from shared.accounts.models import User
from shared.accounts.services import user_anonymise
from shared.accounts.tests.factories import UserFactory
from shared.auth.oidc_admin import ModeratorConsoleBackend
from shared.moderation.services import MODERATORS_GROUP

pytestmark = pytest.mark.django_db


def claims(
    roles: list[str], *, sub: str = "9b1c6f4e-0000-4000-8000-000000000001"
) -> dict[str, Any]:
    """The claims the provider returns for maria (ID token and userinfo, as Keycloak sends)."""
    now = int(time.time())
    return {
        "iss": "http://127.0.0.1:8090/realms/crewup",
        "aud": "crewup-admin",
        "azp": "crewup-admin",
        "typ": "ID",
        "sub": sub,
        "iat": now,
        "exp": now + 300,
        "nonce": "n-0S6_WzA2Mj",
        "preferred_username": "maria",
        "email": "maria@crewup.test",
        "email_verified": True,
        "given_name": "Maria",
        "family_name": "Moderator",
        "name": "Maria Moderator",
        "realm_access": {"roles": roles},
    }


@pytest.fixture
def backend() -> ModeratorConsoleBackend:
    return ModeratorConsoleBackend()


def test_a_moderator_signing_in_for_the_first_time_gets_an_account_and_staff_rights(
    backend: ModeratorConsoleBackend,
) -> None:
    # given
    maria = claims(["moderator", "user"])
    assert not backend.filter_users_by_claims(maria).exists()
    # when
    user = backend.create_user(maria)
    # then
    stored = User.objects.get(id=user.id)
    assert (stored.keycloak_id, stored.username, stored.email) == (
        maria["sub"],
        "maria",
        "maria@crewup.test",
    )
    assert (stored.is_staff, stored.is_superuser) == (True, False)
    assert stored.realm_roles == ["moderator", "user"]
    assert list(stored.groups.values_list("name", flat=True)) == [MODERATORS_GROUP]
    assert stored.has_perm("moderation.ban_user")
    assert stored.has_perm("events.view_event")
    assert not stored.has_perm("events.change_event")
    assert not stored.has_usable_password()
    assert list(backend.filter_users_by_claims(maria)) == [stored]


def test_an_admin_becomes_superuser(backend: ModeratorConsoleBackend) -> None:
    user = backend.create_user(claims(["admin", "moderator", "user"]))

    assert (user.is_staff, user.is_superuser) == (True, True)
    assert not user.groups.exists()


def test_the_account_the_api_made_is_the_one_the_console_uses(
    backend: ModeratorConsoleBackend,
) -> None:
    # given: maria used the API before (her account was provisioned from an access token)
    maria = claims(["moderator", "user"])
    api_user = UserFactory(keycloak_id=maria["sub"], username="maria")
    # when
    found = backend.filter_users_by_claims(maria)
    user = backend.update_user(found.get(), maria)
    # then
    assert user.id == api_user.id
    assert User.objects.filter(keycloak_id=maria["sub"]).count() == 1


def test_accounts_are_matched_by_sub_never_by_email(backend: ModeratorConsoleBackend) -> None:
    UserFactory(email="maria@crewup.test", keycloak_id="someone-else")

    assert not backend.filter_users_by_claims(claims(["moderator"])).exists()
    assert not backend.filter_users_by_claims({"email": "maria@crewup.test"}).exists()


@pytest.mark.parametrize(
    "roles",
    [pytest.param(["user"], id="user_case"), pytest.param([], id="no_roles_case")],
)
def test_without_a_moderator_or_admin_role_the_sign_in_is_refused(
    backend: ModeratorConsoleBackend, roles: list[str]
) -> None:
    with pytest.raises(SuspiciousOperation):
        backend.create_user(claims(roles))

    user = User.objects.get(keycloak_id=claims(roles)["sub"])
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_a_role_taken_away_is_taken_away_at_the_next_sign_in(
    backend: ModeratorConsoleBackend,
) -> None:
    user = backend.create_user(claims(["admin", "moderator", "user"]))

    with pytest.raises(SuspiciousOperation):
        backend.update_user(user, claims(["user"]))

    stored = User.objects.get(id=user.id)
    assert (stored.is_staff, stored.is_superuser, stored.realm_roles) == (False, False, ["user"])
    assert not stored.groups.exists()
    assert backend.get_user(user.id) is None


def test_an_admin_demoted_to_moderator_keeps_staff_only(backend: ModeratorConsoleBackend) -> None:
    user = backend.create_user(claims(["admin", "moderator"]))

    user = backend.update_user(user, claims(["moderator"]))

    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.groups.filter(name=MODERATORS_GROUP).exists()


def test_a_banned_moderator_cannot_sign_in(backend: ModeratorConsoleBackend) -> None:
    maria = claims(["moderator", "user"])
    user = UserFactory(keycloak_id=maria["sub"], is_banned=True)

    with pytest.raises(SuspiciousOperation):
        backend.update_user(user, maria)

    assert backend.get_user(user.id) is None


def test_an_erased_moderator_cannot_sign_in_nor_get_a_new_account(
    backend: ModeratorConsoleBackend,
) -> None:
    # given: maria's account was erased; her identity at the provider still exists
    maria = claims(["moderator", "user"])
    user = backend.create_user(maria)
    user_anonymise(user_id=user.id)
    assert not backend.filter_users_by_claims(maria).exists()
    # when / then
    with pytest.raises(SuspiciousOperation):
        backend.create_user(maria)
    assert list(User.objects.values_list("id", flat=True)) == [user.id]
    assert backend.get_user(user.id) is None


def test_the_whole_claims_step_refuses_a_plain_user(
    backend: ModeratorConsoleBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the provider's userinfo answers for a plain user
    plain = claims(["user"])
    monkeypatch.setattr(OIDCAuthenticationBackend, "get_userinfo", lambda *args: plain)
    # when / then
    with pytest.raises(SuspiciousOperation):
        backend.get_or_create_user("access-token", "id-token", plain)


def test_userinfo_is_merged_over_the_id_token_for_the_same_subject(
    backend: ModeratorConsoleBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a userinfo without the roles (a provider whose mapper leaves them out)
    id_token = claims(["moderator", "user"])
    userinfo = {"sub": id_token["sub"], "email": "new@crewup.test"}
    monkeypatch.setattr(OIDCAuthenticationBackend, "get_userinfo", lambda *args: userinfo)
    # when
    user = backend.get_or_create_user("access-token", "id-token", id_token)
    # then
    assert (user.email, user.is_staff) == ("new@crewup.test", True)


def test_userinfo_about_another_subject_is_refused(
    backend: ModeratorConsoleBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    id_token = claims(["moderator"])
    monkeypatch.setattr(
        OIDCAuthenticationBackend, "get_userinfo", lambda *args: {"sub": "someone-else"}
    )

    with pytest.raises(SuspiciousOperation):
        backend.get_userinfo("access-token", "id-token", id_token)
    assert not User.objects.exists()
