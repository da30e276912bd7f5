"""Requests generated from the user API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in user, over the test database, and checks each answer: no 5xx, a documented
status code and content type, a body that matches the documented schema. An `{id}` in the
path names that user (or one of their notifications), so the requests reach more than a 404.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.models import User
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification
from shared.notifications.services import notify
from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema

schema = service_schema()


@pytest.fixture
def fuzz_notification(fuzz_user: User) -> Notification:
    notify(
        recipient_ids=[fuzz_user.id],
        kind=NotificationKind.JOIN_APPROVED,
        payload={"group_id": "5f1c2c0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f", "group_name": "Crew"},
        dedupe_key="approved:fuzz",
    )
    return Notification.objects.get(recipient=fuzz_user)


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any,
    fuzz_app: None,
    fuzz_headers: dict[str, str],
    fuzz_user: User,
    fuzz_notification: Notification,
) -> None:
    if "id" in (case.path_parameters or {}):
        owned = fuzz_notification if "notifications" in case.path else fuzz_user
        case.path_parameters["id"] = str(owned.id)

    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())
