"""Fixtures of the moderation service's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.accounts.tests.factories import UserFactory

ACTORS = ("anonymous", "user", "banned", "moderator", "admin")


# The matrix of the moderators-only endpoints.
MODERATORS_ONLY = {"anonymous": 401, "user": 403, "banned": 403, "moderator": None, "admin": None}


@pytest.fixture
def client_as(api_client: Any, auth_client: Callable[..., Any]) -> Callable[[str], Any]:
    """A client for one role of the authorization matrix; `client.user` is its user."""

    def build(actor: str) -> Any:
        if actor == "anonymous":
            api_client.user = None
            return api_client
        if actor == "user":
            return auth_client(user=UserFactory(realm_roles=["user"]))
        if actor == "banned":
            user = UserFactory(is_banned=True, realm_roles=["moderator", "user"])
            return auth_client(user=user, roles=("user", "moderator"))
        if actor == "moderator":
            user = UserFactory(realm_roles=["moderator", "user"])
            return auth_client(user=user, roles=("user", "moderator"))
        if actor == "admin":
            user = UserFactory(realm_roles=["admin", "moderator", "user"])
            return auth_client(user=user, roles=("user", "moderator", "admin"))
        raise ValueError(actor)

    return build


@pytest.fixture
def moderator(client_as: Callable[[str], Any]) -> Any:
    """A signed-in moderator's client."""
    return client_as("moderator")


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_schema(openapi_validated_responses: list[str]) -> None:
    """Every answer the API tests get is one the moderation API's OpenAPI schema documents."""
