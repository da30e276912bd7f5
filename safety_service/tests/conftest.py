"""Fixtures of the safety service's tests: crews, actors, stand-in or real dependencies."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.groups.models import Group, MemberRole
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.safety.tests.conftest import crew_services, hook_calls, service_identity  # noqa: F401
from shared.safety.tests.fakes import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET
from tests import live as live_processes

# The authorization matrix: who asks, relative to an alert raised by `sender` to a crew.
ACTORS = ["anonymous", "outsider", "sender", "member", "admin", "owner", "banned", "moderator"]


@pytest.fixture(scope="session", autouse=True)
def _own_task_queue() -> Iterator[str]:
    """A queue of this test run's own: tasks queued here reach this run's workers only."""
    name = f"safety.tasks.test-{uuid.uuid4().hex[:12]}"
    with override_settings(SAFETY_TASK_QUEUE=name):
        yield name
    from kombu import Connection

    from safety_service.celery import app

    # Never declared (no test queued a task), or RabbitMQ is away: nothing to clean.
    with (
        contextlib.suppress(Exception),
        Connection(app.conf.broker_url, connect_timeout=2) as connection,
    ):
        connection.default_channel.queue_delete(name)


@dataclass
class Crew:
    group: Group
    owner: User
    admin: User
    member: User
    sender: User


@pytest.fixture
def make_crew(db: None) -> Callable[..., Crew]:
    """A crew with an owner, an admin, a plain member, and the member who raises alerts."""

    def build(**group_kwargs: Any) -> Crew:
        group = GroupFactory(**group_kwargs)
        admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
        member = MembershipFactory(group=group, role=MemberRole.MEMBER).user
        sender = MembershipFactory(group=group, role=MemberRole.MEMBER).user
        return Crew(group=group, owner=group.created_by, admin=admin, member=member, sender=sender)

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
        if actor in ("sender", "member", "admin", "owner"):
            return auth_client(user=getattr(crew, actor))
        if actor == "banned":
            crew.owner.is_banned = True
            crew.owner.save(update_fields=["is_banned"])
            return auth_client(user=crew.owner)
        if actor == "moderator":
            return auth_client(user=UserFactory(), roles=("user", "moderator"))
        raise ValueError(actor)

    return build


@dataclass
class LiveServices:
    """The real group service (daphne: REST, internal endpoints, chat sockets) and event service."""

    group: live_processes.WebService
    event: live_processes.WebService
    env: dict[str, str]


@pytest.fixture(scope="session")
def live_services(django_db_setup: Any, oidc_provider: Any) -> Iterator[LiveServices]:
    """Start the group and event services once for the session, on the test database."""
    oidc_provider.register_client(SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET)
    env = live_processes.service_env(
        database_url=live_processes.test_database_url(), issuer=oidc_provider.issuer
    )
    group = live_processes.group_service(env)
    try:
        event = live_processes.gunicorn_service("event", env)
    except Exception:
        group.stop()
        raise
    yield LiveServices(group=group, event=event, env=env)
    group.stop()
    event.stop()


@pytest.fixture
def live(
    live_services: LiveServices,
    settings: Any,
    service_identity: None,  # noqa: F811 - the fixture imported above
) -> LiveServices:
    """This process (the safety service) calling the live services, with the production timeouts."""
    settings.GROUP_SERVICE_URL = live_services.group.url
    settings.EVENT_SERVICE_URL = live_services.event.url
    settings.SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS = 1.0
    settings.SERVICE_HTTP_READ_TIMEOUT_SECONDS = 2.0
    settings.SERVICE_HTTP_RETRY_BACKOFF_SECONDS = 0.1
    for process in (live_services.group, live_services.event):
        assert process.alive(), process.output()
    return live_services


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_schema(openapi_validated_responses: list[str]) -> None:
    """Every answer the API tests get is one the safety API's OpenAPI schema documents."""
