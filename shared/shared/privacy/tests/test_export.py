"""`user_data_export`: everything held on a user, and nothing of anyone else's."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.tests.factories import UserFactory
from shared.chat.services import message_delete, message_send
from shared.events.models import ParticipationStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.models import JoinPolicy
from shared.groups.tests.factories import GroupFactory, JoinRequestFactory, MembershipFactory
from shared.moderation.tests.factories import BanFactory, ReportFactory
from shared.notifications.kinds import NotificationKind
from shared.notifications.services import notify, preferences_update, push_subscription_save
from shared.privacy.export import user_data_export
from shared.safety.models import AcknowledgementKind, AlertStatus, CheckInStatus
from shared.safety.tests.factories import (
    AlertAcknowledgementFactory,
    AlertFactory,
    CheckInTimerFactory,
    LocationPointFactory,
)

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
    with django_assert_max_num_queries(18):
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


def test_the_export_holds_their_safety_data_and_none_of_anyone_elses() -> None:
    # given: an alert they raised, with its crew and trail, an answer and two timers
    user = UserFactory()
    crew = GroupFactory()
    alert = AlertFactory(sender=user, message="Lost at the exit", crews=[crew])
    first = LocationPointFactory(alert=alert, recorded_at=timezone.now())
    second = LocationPointFactory(alert=alert, recorded_at=timezone.now())
    others_alert = AlertFactory(status=AlertStatus.OPEN)
    answer = AlertAcknowledgementFactory(
        alert=others_alert, user=user, kind=AcknowledgementKind.ON_MY_WAY
    )
    active = CheckInTimerFactory(user=user, message="Walking home")
    fired = CheckInTimerFactory(
        user=user, status=CheckInStatus.FIRED, fired_at=timezone.now(), fired_alert=alert
    )
    # someone else's, which must not appear
    AlertAcknowledgementFactory(alert=alert)
    LocationPointFactory(alert=others_alert)
    CheckInTimerFactory()
    # when
    export = user_data_export(user_id=user.id)
    # then
    assert [a.id for a in export.alerts_raised] == [alert.id]
    raised = export.alerts_raised[0]
    assert raised.message == "Lost at the exit"
    assert [t.group_id for t in raised.targets.all()] == [crew.id]
    assert [p.id for p in raised.locations.all()] == [first.id, second.id]
    assert [(a.id, a.kind) for a in export.alert_acknowledgements] == [(answer.id, "on_my_way")]
    assert {t.id for t in export.check_in_timers} == {active.id, fired.id}


def test_the_export_holds_their_notifications_choices_and_devices(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    user, other = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        notify(
            recipient_ids=[user.id, other.id],
            kind=NotificationKind.JOIN_APPROVED,
            payload={"group_name": "Front row"},
            dedupe_key="approved:1",
        )
        preferences_update(
            user_id=user.id, changes=[{"kind": NotificationKind.JOIN_APPROVED, "email": True}]
        )
        push_subscription_save(
            user_id=user.id,
            endpoint="https://push.example.test/phone",
            p256dh="BPk3e4D7J8wy9o3fHMc7nvQ1C4",
            auth="tB3l8M5d",
        )
    # when
    export = user_data_export(user_id=user.id)
    # then
    assert [(n.recipient_id, n.kind) for n in export.notifications] == [
        (user.id, "crew.join_approved")
    ]
    assert [(p.kind, p.email) for p in export.notification_preferences] == [
        ("crew.join_approved", True)
    ]
    assert [s.endpoint for s in export.push_subscriptions] == ["https://push.example.test/phone"]


def test_an_erased_account_has_nothing_to_export() -> None:
    user = UserFactory(deleted_at=timezone.now())

    with pytest.raises(UserNotFound):
        user_data_export(user_id=user.id)
