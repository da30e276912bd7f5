"""Requests generated from the moderation API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in moderator, over the test database, and checks each answer: no 5xx, a
documented status code and content type, a body that matches the documented schema. An
`{id}` in the path names an open report or an active ban, so the requests reach more than the
404 of a random id.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.moderation.models import Ban, Report
from shared.moderation.tests.factories import BanFactory, ReportFactory
from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema

schema = service_schema()


@pytest.fixture
def fuzz_roles() -> tuple[str, ...]:
    return ("user", "moderator")


@pytest.fixture
def fuzz_report(db: None) -> Report:
    return ReportFactory()


@pytest.fixture
def fuzz_ban(db: None) -> Ban:
    return BanFactory()


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any, fuzz_app: None, fuzz_headers: dict[str, str], fuzz_report: Report, fuzz_ban: Ban
) -> None:
    if "id" in (case.path_parameters or {}):
        target = fuzz_ban if "/bans/" in case.path else fuzz_report
        case.path_parameters["id"] = str(target.id)

    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())
