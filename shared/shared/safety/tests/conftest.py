"""Fixtures of the safety app's tests: crews, the stand-in group and event services, hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from shared.accounts.models import User
from shared.groups.models import Group, MemberRole
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.http.tokens import service_tokens
from shared.safety import hooks
from shared.safety.tests.fakes import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET, FakeCrewServices


@dataclass
class Crew:
    group: Group
    owner: User
    admin: User
    member: User


@pytest.fixture
def make_crew(db: None) -> Callable[..., Crew]:
    """A crew with an owner, an admin and a plain member."""

    def build(**group_kwargs: Any) -> Crew:
        group = GroupFactory(**group_kwargs)
        admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
        member = MembershipFactory(group=group, role=MemberRole.MEMBER).user
        return Crew(group=group, owner=group.created_by, admin=admin, member=member)

    return build


@pytest.fixture
def service_identity(settings: Any, oidc_provider: Any) -> Iterator[None]:
    """This process as the `crewup-safety` client of the test identity provider, fast timeouts."""
    settings.SERVICE_CLIENT_ID = SERVICE_CLIENT_ID
    settings.SERVICE_CLIENT_SECRET = SERVICE_CLIENT_SECRET
    settings.SERVICE_TOKEN_URL = ""
    settings.SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS = 0.5
    settings.SERVICE_HTTP_READ_TIMEOUT_SECONDS = 1.0
    settings.SERVICE_HTTP_RETRY_BACKOFF_SECONDS = 0.02
    oidc_provider.register_client(SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET)
    service_tokens.clear()
    yield
    service_tokens.clear()


@pytest.fixture
def crew_services(settings: Any, service_identity: None) -> Iterator[FakeCrewServices]:
    """The stand-in group and event services, where the settings point the safety calls."""
    fake = FakeCrewServices().start()
    settings.GROUP_SERVICE_URL = fake.url
    settings.EVENT_SERVICE_URL = fake.url
    yield fake
    fake.stop()


@dataclass
class HookCalls:
    timers: list[tuple[UUID, datetime]]
    undelivered: list[tuple[UUID, UUID, str]]


@pytest.fixture
def hook_calls() -> Iterator[HookCalls]:
    """What the services asked the runtime to schedule, instead of a Celery worker."""
    calls = HookCalls(timers=[], undelivered=[])

    def timer_due(timer_id: UUID, due_at: datetime) -> None:
        calls.timers.append((timer_id, due_at))

    def undelivered(alert_id: UUID, group_id: UUID, change: str) -> None:
        calls.undelivered.append((alert_id, group_id, change))

    with (
        hooks.checkin_timer_due.connected(timer_due),
        hooks.alert_notice_undelivered.connected(undelivered),
    ):
        yield calls
