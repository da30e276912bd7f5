"""Requests generated from the event API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in user, over the test database, and checks each answer: no 5xx, a documented
status code and content type, a body that matches the documented schema. An `{id}` in the
path names an event of that user's, so the requests reach more than the 404 of a random id.
"""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup

from shared.accounts.models import User
from shared.events.models import Event, ParticipationStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema, validate_response

schema = service_schema()


@pytest.fixture
def fuzz_event(fuzz_user: User) -> Event:
    event = EventFactory(organizer=fuzz_user, capacity=2)
    ParticipationFactory(event=event, status=ParticipationStatus.GOING)
    ParticipationFactory(event=event, status=ParticipationStatus.WAITLISTED)
    return event


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any, fuzz_app: None, fuzz_headers: dict[str, str], fuzz_event: Event
) -> None:
    if "id" in (case.path_parameters or {}):
        case.path_parameters["id"] = str(fuzz_event.id)

    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())


def test_api_test_responses_are_checked_against_the_schema(
    db: None, openapi_validated_responses: list[str], api_client: Any
) -> None:
    api_client.get("/api/v1/events/")

    assert openapi_validated_responses == ["GET /api/v1/events/"]


@pytest.mark.parametrize(
    ("status_code", "content"),
    [
        pytest.param(418, None, id="undocumented_status_case"),
        pytest.param(200, b'{"results": "not a list"}', id="body_off_schema_case"),
    ],
)
def test_an_answer_the_schema_does_not_document_fails_the_test(
    db: None, api_client: Any, status_code: int, content: bytes | None
) -> None:
    response = api_client.get("/api/v1/events/")
    response.status_code = status_code
    if content is not None:
        response.content = content

    with pytest.raises((pytest.fail.Exception, FailureGroup)):
        validate_response(service_schema(), response)
