"""Fixtures of the event service's API tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.accounts.tests.factories import UserFactory
from shared.events.models import Event

ACTORS = ["anonymous", "organizer", "other", "banned", "moderator"]


@pytest.fixture
def client_as(api_client: Any, auth_client: Callable[..., Any]) -> Callable[[str, Event], Any]:
    """A client for one role of the authorization matrix, relative to `event`."""

    def build(actor: str, event: Event) -> Any:
        if actor == "anonymous":
            return api_client
        if actor == "organizer":
            return auth_client(user=event.organizer)
        if actor == "banned_organizer":
            event.organizer.is_banned = True
            event.organizer.save(update_fields=["is_banned"])
            return auth_client(user=event.organizer)
        if actor == "other":
            return auth_client()
        if actor == "banned":
            return auth_client(user=UserFactory(is_banned=True))
        if actor == "moderator":
            return auth_client(roles=("user", "moderator"))
        raise ValueError(actor)

    return build


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_schema(openapi_validated_responses: list[str]) -> None:
    """Every answer the API tests get is one the event API's OpenAPI schema documents."""
