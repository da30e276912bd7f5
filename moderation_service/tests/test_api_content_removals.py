"""`/api/v1/moderation/content-removals/`: events, crews and messages taken down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.errors import EventNotFound
from shared.events.models import Event
from shared.events.selectors import event_get
from shared.events.tests.factories import EventFactory
from shared.groups.errors import GroupNotFound
from shared.groups.models import Group
from shared.groups.selectors import group_get
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.moderation.models import ModerationAction
from shared.testing.api import actor_params, error
from tests.conftest import MODERATORS_ONLY

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/content-removals/"
REASON = "Advertises an illegal rave."


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 201, "admin": 201})
)
def test_only_moderators_and_admins_remove_content(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    event = EventFactory()

    response = client_as(actor).post(
        URL, {"target_type": "event", "target_id": str(event.id), "reason": REASON}, format="json"
    )

    assert response.status_code == status
    assert (Event.objects.get(id=event.id).removed_at is not None) == (status == 201)
    assert ModerationAction.objects.exists() == (status == 201)


def test_a_removed_event_is_hidden_from_others_and_its_organizer_sees_why(moderator: Any) -> None:
    # given
    event = EventFactory()
    # when
    response = moderator.post(
        URL, {"target_type": "event", "target_id": str(event.id), "reason": REASON}, format="json"
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["action"], body["target_type"], body["target_id"], body["reason"]) == (
        "event.removed",
        "event",
        str(event.id),
        REASON,
    )
    assert body["actor"]["id"] == str(moderator.user.id)
    seen = event_get(event_id=event.id, viewer_id=event.organizer_id)
    assert (seen.removal_reason, seen.removed_at is not None) == (REASON, True)
    with pytest.raises(EventNotFound):
        event_get(event_id=event.id, viewer_id=None)


def test_a_removed_crew_is_hidden_from_others_and_its_owner_sees_why(moderator: Any) -> None:
    group = GroupFactory()
    member = MembershipFactory(group=group).user

    response = moderator.post(
        URL, {"target_type": "crew", "target_id": str(group.id), "reason": REASON}, format="json"
    )

    assert response.status_code == 201
    assert group_get(group_id=group.id, viewer_id=group.created_by_id).removal_reason == REASON
    with pytest.raises(GroupNotFound):
        group_get(group_id=group.id, viewer_id=member.id)
    assert Group.objects.get(id=group.id).removed_at is not None


def test_a_removed_message_becomes_a_tombstone(
    moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    membership = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(
            group_id=membership.group_id, sender_id=membership.user_id, body="Buy pills"
        )

    with django_capture_on_commit_callbacks(execute=False):
        response = moderator.post(
            URL,
            {"target_type": "message", "target_id": str(message.id), "reason": REASON},
            format="json",
        )

    assert response.status_code == 201
    stored = Message.objects.get(id=message.id)
    assert (stored.deleted_by_id, stored.deleted_at is not None) == (moderator.user.id, True)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        pytest.param({"target_type": "user"}, 400, "invalid", id="user_is_not_content_case"),
        pytest.param({"reason": "spam"}, 400, "invalid", id="short_reason_case"),
        pytest.param({"target_id": "nope"}, 400, "invalid", id="bad_id_case"),
        pytest.param({"target_id": str(uuid4())}, 404, "event_not_found", id="unknown_case"),
        pytest.param({"removed": True}, 409, "content_already_removed", id="twice_case"),
    ],
)
def test_bad_removals_are_refused(
    moderator: Any, payload: dict[str, Any], status: int, code: str
) -> None:
    # given
    event = EventFactory()
    body = {"target_type": "event", "target_id": str(event.id), "reason": REASON}
    if payload.pop("removed", False):
        moderator.post(URL, body, format="json")
    audits_before = ModerationAction.objects.count()
    # when
    response = moderator.post(URL, {**body, **payload}, format="json")
    # then
    assert response.status_code == status
    assert error(response)["code"] == code
    assert ModerationAction.objects.count() == audits_before
