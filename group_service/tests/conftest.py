"""Fixtures of the group service's API tests: a crew with one user per role, and their clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.groups.models import Group, MemberRole
from shared.groups.tests.conftest import member_changes  # noqa: F401 - a fixture, shared
from shared.groups.tests.factories import GroupFactory, MembershipFactory

# The authorization matrix: who asks, relative to the crew.
ACTORS = ["anonymous", "outsider", "member", "admin", "owner", "banned", "moderator"]


@dataclass
class Crew:
    group: Group
    owner: User
    admin: User
    member: User


@pytest.fixture
def make_crew(db: None) -> Callable[..., Crew]:
    """A crew with an owner, an admin and a plain member (3 of `max_members`, 10 by default)."""

    def build(**group_kwargs: Any) -> Crew:
        group = GroupFactory(**group_kwargs)
        admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
        member = MembershipFactory(group=group, role=MemberRole.MEMBER).user
        group.refresh_from_db()
        return Crew(group=group, owner=group.created_by, admin=admin, member=member)

    return build


@pytest.fixture
def client_as(api_client: Any, auth_client: Callable[..., Any]) -> Callable[[str, Crew], Any]:
    """A client for one actor of the matrix. `banned` is the crew's owner, banned: the ban
    alone is why they are refused. `moderator` is a moderator outside the crew."""

    def build(actor: str, crew: Crew) -> Any:
        if actor == "anonymous":
            return api_client
        if actor == "outsider":
            return auth_client()
        if actor in ("member", "admin", "owner"):
            return auth_client(user=getattr(crew, actor))
        if actor == "banned":
            crew.owner.is_banned = True
            crew.owner.save(update_fields=["is_banned"])
            return auth_client(user=crew.owner)
        if actor == "moderator":
            return auth_client(user=UserFactory(), roles=("user", "moderator"))
        raise ValueError(actor)

    return build


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_schema(openapi_validated_responses: list[str]) -> None:
    """Every answer the API tests get is one the group API's OpenAPI schema documents."""
