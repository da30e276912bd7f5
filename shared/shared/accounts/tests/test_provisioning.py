"""`user_provision_from_claims` keeps the realm-role snapshot in step with the tokens."""

from __future__ import annotations

import time

import pytest

from shared.accounts.models import User
from shared.accounts.services import user_provision_from_claims
from shared.auth.tokens import TokenClaims

pytestmark = pytest.mark.django_db


def claims(sub: str, roles: list[str]) -> TokenClaims:
    return TokenClaims.from_payload(
        {
            "sub": sub,
            "preferred_username": "maria",
            "email": "maria@example.test",
            "exp": int(time.time()) + 60,
            "realm_access": {"roles": roles},
        }
    )


def test_the_first_token_stores_the_roles_sorted() -> None:
    user = user_provision_from_claims(claims=claims("kc-1", ["user", "moderator"]))

    assert User.objects.get(id=user.id).realm_roles == ["moderator", "user"]


def test_a_later_token_with_other_roles_replaces_the_snapshot() -> None:
    user_provision_from_claims(claims=claims("kc-1", ["user", "moderator", "admin"]))

    user = user_provision_from_claims(claims=claims("kc-1", ["user"]))

    assert User.objects.get(id=user.id).realm_roles == ["user"]


def test_the_same_roles_again_write_nothing(django_assert_num_queries) -> None:
    user_provision_from_claims(claims=claims("kc-1", ["user"]))

    with django_assert_num_queries(1):
        user_provision_from_claims(claims=claims("kc-1", ["user"]))
