"""Requests generated from the safety API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in user, over the test database, and checks each answer: no 5xx, a documented
status code and content type, a body that matches the documented schema. An `{id}` in the
path names that user's open alert to their crew, or their running check-in timer, so the
requests reach more than the 404 of a random id.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.models import User
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.safety.models import Alert, CheckInTimer
from shared.safety.tests.factories import AlertFactory, CheckInTimerFactory
from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema

schema = service_schema()


@pytest.fixture
def fuzz_alert(fuzz_user: User) -> Alert:
    crew = GroupFactory(created_by=fuzz_user)
    MembershipFactory(group=crew)
    return AlertFactory(sender=fuzz_user, crews=[crew])


@pytest.fixture
def fuzz_check_in(fuzz_user: User, fuzz_alert: Alert) -> CheckInTimer:
    return CheckInTimerFactory(user=fuzz_user, group=fuzz_alert.targets.get().group)


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any,
    fuzz_app: None,
    fuzz_headers: dict[str, str],
    fuzz_alert: Alert,
    fuzz_check_in: CheckInTimer,
) -> None:
    if "id" in (case.path_parameters or {}):
        owned = fuzz_check_in if "/check-ins/" in case.path else fuzz_alert
        case.path_parameters["id"] = str(owned.id)

    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())
