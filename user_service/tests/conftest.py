"""Fixtures of the user service's API tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.accounts.tests.factories import UserFactory


@pytest.fixture
def client_as(api_client: Any, auth_client: Callable[..., Any]) -> Callable[[str], Any]:
    """A client for one role of the authorization matrix."""

    def build(actor: str) -> Any:
        if actor == "anonymous":
            return api_client
        if actor == "user":
            return auth_client()
        if actor == "banned":
            return auth_client(user=UserFactory(is_banned=True))
        if actor == "moderator":
            return auth_client(roles=("user", "moderator"))
        if actor == "admin":
            return auth_client(roles=("user", "moderator", "admin"))
        raise ValueError(actor)

    return build


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_schema(openapi_validated_responses: list[str]) -> None:
    """Every answer the API tests get is one the user API's OpenAPI schema documents."""
