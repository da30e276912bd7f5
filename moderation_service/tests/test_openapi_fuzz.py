"""Requests generated from the moderation API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in moderator, over the test database, and checks each answer: no 5xx, a
documented status code and content type, a body that matches the documented schema.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema

schema = service_schema()


@pytest.fixture
def fuzz_roles() -> tuple[str, ...]:
    return ("user", "moderator")


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any, fuzz_app: None, fuzz_headers: dict[str, str]
) -> None:
    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())
