"""Requests generated from the group API's OpenAPI schema get the answers it documents.

schemathesis sends a few requests per operation (valid and invalid ones) to the service's WSGI
app as a signed-in user, over the test database, and checks each answer: no 5xx, a documented
status code and content type, a body that matches the documented schema. The crew in the path
is one that user owns, and a message id is one of theirs in it, so the requests reach more
than the 404 of a random id.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.models import User
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.groups.models import Group
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.testing.openapi import fuzz_checks, fuzz_settings, service_schema

schema = service_schema()


@pytest.fixture
def fuzz_group(fuzz_user: User) -> Group:
    group = GroupFactory(created_by=fuzz_user)
    MembershipFactory(group=group)
    return group


@pytest.fixture
def fuzz_message(fuzz_group: Group, fuzz_user: User) -> Message:
    return message_send(group_id=fuzz_group.id, sender_id=fuzz_user.id, body="Hello crew")


@schema.parametrize()
@fuzz_settings()
def test_generated_requests_get_documented_answers(
    case: Any,
    fuzz_app: None,
    fuzz_headers: dict[str, str],
    fuzz_group: Group,
    fuzz_message: Message,
) -> None:
    parameters = case.path_parameters or {}
    if "group_pk" in parameters:
        parameters["group_pk"] = str(fuzz_group.id)
        if "id" in parameters:
            parameters["id"] = str(fuzz_message.id)
    elif "id" in parameters:
        parameters["id"] = str(fuzz_group.id)

    case.call_and_validate(headers=fuzz_headers, checks=fuzz_checks())
