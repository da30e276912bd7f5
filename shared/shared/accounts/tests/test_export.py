"""`user_data_export`: everything held on a user, and nothing of anyone else's."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.export import user_data_export
from shared.accounts.tests.factories import UserFactory
from shared.chat.services import message_delete, message_send
from shared.events.models import ParticipationStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.models import JoinPolicy
from shared.groups.tests.factories import GroupFactory, JoinRequestFactory, MembershipFactory
from shared.moderation.tests.factories import BanFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_part_of_the_users_data(
    django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    # given
    user = UserFactory()
    organised = EventFactory(organizer=user)
    rsvp = ParticipationFactory(user=user, status=ParticipationStatus.INTERESTED)
    crew = GroupFactory(created_by=user)
    joined = MembershipFactory(user=user)
    request = JoinRequestFactory(user=user, group__join_policy=JoinPolicy.REQUEST, message="Hi!")
    with django_capture_on_commit_callbacks(execute=False):
        kept = message_send(group_id=joined.group_id, sender_id=user.id, body="Hello")
        deleted = message_send(group_id=joined.group_id, sender_id=user.id, body="Oops")
        message_delete(group_id=joined.group_id, message_id=deleted.id, actor_id=user.id)
    filed = ReportFactory(reporter=user)
    ban = BanFactory(user=user, lifted_at=timezone.now(), lift_reason="Appeal accepted.")
    # someone else's data, which must not appear
    other = UserFactory()
    EventFactory(organizer=other)
    ReportFactory(target_author=user, target_id=user.id)
    # when
    with django_assert_max_num_queries(10):
        export = user_data_export(user_id=user.id)
    # then
    assert export.user.id == user.id
    assert [e.id for e in export.events_organised] == [organised.id]
    assert {(p.event_id, p.status) for p in export.rsvps} == {
        (organised.id, "going"),
        (rsvp.event_id, "interested"),
    }
    assert {m.group_id for m in export.crew_memberships} == {crew.id, joined.group_id}
    assert [(r.id, r.message) for r in export.join_requests] == [(request.id, "Hi!")]
    assert [(m.id, m.body, m.deleted_at is not None) for m in export.messages] == [
        (kept.id, "Hello", False),
        (deleted.id, "Oops", True),
    ]
    assert [r.id for r in export.reports_filed] == [filed.id]
    assert [b.id for b in export.bans] == [ban.id]


def test_an_erased_account_has_nothing_to_export() -> None:
    user = UserFactory(deleted_at=timezone.now())

    with pytest.raises(UserNotFound):
        user_data_export(user_id=user.id)
