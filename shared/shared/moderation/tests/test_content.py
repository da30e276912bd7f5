"""`content_remove`: events, crews and messages taken down, and audited."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.chat.errors import MessageNotFound
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.errors import EventNotFound
from shared.events.models import Event
from shared.events.tests.factories import EventFactory
from shared.groups.errors import GroupNotFound
from shared.groups.models import Group
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.moderation.errors import ContentAlreadyRemoved
from shared.moderation.models import ModerationAction
from shared.moderation.services import content_remove

pytestmark = pytest.mark.django_db

REASON = "Advertises an illegal rave."


@pytest.fixture
def moderator() -> User:
    return UserFactory(realm_roles=["moderator", "user"])


def test_removing_an_event_hides_it_and_audits_it(moderator: User) -> None:
    event = EventFactory(title="Free tickets!!!")

    audit = content_remove(
        moderator_id=moderator.id, target_type="event", target_id=event.id, reason=REASON
    )

    stored = Event.objects.get(id=event.id)
    assert stored.removal_reason == REASON
    assert stored.removed_at is not None
    assert (audit.actor_id, audit.action, audit.target_type, audit.target_id, audit.reason) == (
        moderator.id,
        "event.removed",
        "event",
        event.id,
        REASON,
    )
    assert audit.data == {"title": "Free tickets!!!", "owner_id": str(event.organizer_id)}


def test_removing_a_crew_hides_it_and_audits_it(moderator: User) -> None:
    group = GroupFactory(name="Rave crew")

    audit = content_remove(
        moderator_id=moderator.id, target_type="crew", target_id=group.id, reason=REASON
    )

    assert Group.objects.get(id=group.id).removal_reason == REASON
    assert (audit.action, audit.data) == (
        "crew.removed",
        {"name": "Rave crew", "event_id": str(group.event_id)},
    )


def test_removing_a_message_leaves_a_tombstone_deleted_by_the_moderator(
    moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    membership = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(
            group_id=membership.group_id, sender_id=membership.user_id, body="Buy pills here"
        )
    # when
    with django_capture_on_commit_callbacks(execute=False):
        audit = content_remove(
            moderator_id=moderator.id, target_type="message", target_id=message.id, reason=REASON
        )
    # then
    stored = Message.objects.get(id=message.id)
    assert stored.deleted_by_id == moderator.id
    assert stored.deleted_at is not None
    assert (audit.action, audit.data) == (
        "message.removed",
        {
            "group_id": str(membership.group_id),
            "sequence": message.sequence,
            "owner_id": str(membership.user_id),
        },
    )


@pytest.mark.parametrize("target_type", ["event", "crew"])
def test_removing_twice_is_refused_and_audited_once(moderator: User, target_type: str) -> None:
    target = EventFactory() if target_type == "event" else GroupFactory()
    content_remove(
        moderator_id=moderator.id, target_type=target_type, target_id=target.id, reason=REASON
    )

    with pytest.raises(ContentAlreadyRemoved):
        content_remove(
            moderator_id=moderator.id, target_type=target_type, target_id=target.id, reason=REASON
        )

    assert ModerationAction.objects.count() == 1


@pytest.mark.parametrize(
    ("target_type", "error"),
    [
        pytest.param("event", EventNotFound, id="event_case"),
        pytest.param("crew", GroupNotFound, id="crew_case"),
        pytest.param("message", MessageNotFound, id="message_case"),
    ],
)
def test_removing_unknown_content_is_not_found(
    moderator: User, target_type: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        content_remove(
            moderator_id=moderator.id, target_type=target_type, target_id=uuid4(), reason=REASON
        )

    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("target_type", "reason", "field"),
    [
        pytest.param("user", REASON, "target_type", id="user_is_not_content_case"),
        pytest.param("poll", REASON, "target_type", id="unknown_type_case"),
        pytest.param("event", "spam", "reason", id="short_reason_case"),
    ],
)
def test_content_remove_refuses_bad_input(
    moderator: User, target_type: str, reason: str, field: str
) -> None:
    event = EventFactory()

    with pytest.raises(ValidationError) as raised:
        content_remove(
            moderator_id=moderator.id, target_type=target_type, target_id=event.id, reason=reason
        )

    assert set(raised.value.message_dict) == {field}
    assert Event.objects.get(id=event.id).removed_at is None
    assert not ModerationAction.objects.exists()
