from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from shared.auth.permissions import IsService


def request_of(user: Any) -> Any:
    return SimpleNamespace(user=user)


def signed_in(*roles: str) -> Any:
    return SimpleNamespace(is_authenticated=True, roles=frozenset(roles))


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        pytest.param(signed_in("service"), True, id="service_case"),
        pytest.param(signed_in("user", "service"), True, id="service_with_user_role_case"),
        pytest.param(signed_in("user"), False, id="user_case"),
        pytest.param(signed_in("user", "moderator", "admin"), False, id="moderator_admin_case"),
        pytest.param(signed_in(), False, id="no_roles_case"),
        pytest.param(AnonymousUser(), False, id="anonymous_case"),
        pytest.param(
            SimpleNamespace(is_authenticated=False, roles={"service"}),
            False,
            id="unauthenticated_with_role_case",
        ),
    ],
)
def test_is_service_needs_a_signed_in_caller_with_the_service_role(
    user: Any, allowed: bool
) -> None:
    assert IsService().has_permission(request_of(user), view=None) is allowed
