"""`user_provision_from_claims` keeps the realm-role snapshot in step with the tokens, and
never lets an erased subject back in."""

from __future__ import annotations

import time

import pytest

from shared.accounts.errors import AccountErased
from shared.accounts.models import ErasedSubject, User
from shared.accounts.services import user_anonymise, user_provision_from_claims
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


def test_an_erased_subject_is_refused_and_never_provisioned_again() -> None:
    # given: the subject signed in (the row is read, and kept by the user cache), then erased
    first = user_provision_from_claims(claims=claims("kc-erased", ["user"]))
    assert user_provision_from_claims(claims=claims("kc-erased", ["user"])).id == first.id
    user_anonymise(user_id=first.id)
    # when / then: its token, still valid, is refused, and no account is made for it
    with pytest.raises(AccountErased):
        user_provision_from_claims(claims=claims("kc-erased", ["user"]))
    assert not User.objects.filter(username="maria").exists()
    assert list(User.objects.values_list("id", flat=True)) == [first.id]


def test_the_erased_subject_is_kept_only_as_a_digest() -> None:
    user = user_provision_from_claims(claims=claims("kc-digest", ["user"]))

    user_anonymise(user_id=user.id)

    erased = ErasedSubject.objects.get()
    assert erased.subject_digest == ErasedSubject.digest_of("kc-digest")
    assert "kc-digest" not in erased.subject_digest
    assert User.objects.get(id=user.id).keycloak_id == f"deleted:{user.id}"


def test_another_subject_still_signs_in_after_an_erasure() -> None:
    erased = user_provision_from_claims(claims=claims("kc-gone", ["user"]))
    user_anonymise(user_id=erased.id)

    fresh = user_provision_from_claims(claims=claims("kc-new", ["user"]))

    assert (fresh.keycloak_id, fresh.deleted_at) == ("kc-new", None)
