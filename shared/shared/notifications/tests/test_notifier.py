"""The notifier: domain events become notifications for the right people, once each."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.models import ParticipationStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.messaging.consumer import event_apply, event_parse
from shared.messaging.models import OutboxMessage
from shared.messaging.schemas import (
    AlertRaised,
    EventReminderDue,
    JoinRequestReceived,
    UserBanned,
)
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import (
    Delivery,
    EventReminder,
    Notification,
    NotificationPreference,
    PushSubscription,
)
from shared.notifications.notifier import HANDLERS
from shared.notifications.reminders import event_reminders_issue
from shared.notifications.selectors import preference_table, unread_count
from shared.notifications.services import notifications_mark_all_read, notify, preferences_update

pytestmark = pytest.mark.django_db


def _apply(event) -> bool:
    """Deliver `event` to the notifier as the broker would: parsed from its JSON."""
    parsed = event_parse(routing_key=event.routing_key, body=event.to_dict())
    return event_apply(
        consumer="user.notifications", event=parsed, handler=HANDLERS[event.routing_key]
    )


def _crew(*members, owner=None):
    """A crew of `members`; its owner is `owner` (a new user when omitted)."""
    group = GroupFactory(**({"created_by": owner} if owner is not None else {}))
    for member in members:
        MembershipFactory(group=group, user=member)
    return group


def test_alert_raised_notifies_every_crew_member_but_the_sender_once():
    # given
    sender, anna, bo = UserFactory(), UserFactory(), UserFactory()
    group = _crew(sender, anna, bo)
    PushSubscription.objects.create(
        user=anna, endpoint="https://push.example/anna", p256dh="k" * 87, auth="a" * 22
    )
    alert_id = uuid4()
    event = AlertRaised(
        alert_id=alert_id,
        sender_id=sender.id,
        alert_type="lost",
        message="Lost you at the exit",
        group_ids=(group.id,),
        has_location=False,
        ack_tokens={str(anna.id): "token-anna", str(bo.id): "token-bo"},
    )
    # when
    first, again = _apply(event), _apply(event)
    # then
    assert (first, again) == (True, False)
    told = Notification.objects.filter(kind=NotificationKind.ALERT_RAISED)
    assert sorted(n.recipient_id for n in told) == sorted([anna.id, bo.id, group.created_by_id])
    payload = told.get(recipient=anna).payload
    assert payload["sender_name"] == sender.display_name
    assert payload["group_names"] == [group.name]
    assert payload["has_location"] is False
    assert "location" not in payload
    push = Delivery.objects.get(channel="push")
    assert push.notification.recipient_id == anna.id
    assert push.data == {"ack_token": "token-anna"}
    # Safety kinds go by e-mail too by default, to those with an address.
    assert Delivery.objects.filter(channel="email").count() == 3


def test_a_notification_is_stored_once_per_recipient_and_key_even_when_notify_runs_twice():
    user = UserFactory()
    for _ in range(2):
        notify(
            recipient_ids=[user.id],
            kind=NotificationKind.UNBANNED,
            payload={},
            dedupe_key="user.unbanned:1",
        )
    assert Notification.objects.filter(recipient=user).count() == 1


def test_join_request_notifies_the_crew_admins_only():
    owner, member, asker = UserFactory(), UserFactory(), UserFactory()
    group = _crew(member, owner=owner)
    _apply(JoinRequestReceived(request_id=uuid4(), group_id=group.id, user_id=asker.id))
    told = Notification.objects.get(kind=NotificationKind.JOIN_REQUESTED)
    assert told.recipient_id == owner.id
    assert told.payload["user_name"] == asker.display_name


def test_ban_notifies_the_banned_user_with_the_end_of_the_ban():
    user = UserFactory()
    until = timezone.now() + timedelta(days=3)
    _apply(UserBanned(user_id=user.id, reason="Spam links.", until=until))
    told = Notification.objects.get(recipient=user)
    assert told.kind == NotificationKind.BANNED
    assert told.payload["reason"] == "Spam links."
    assert told.payload["until"] is not None


def test_a_silenced_kind_is_kept_out_of_the_list_and_its_push_is_not_sent():
    # given
    user = UserFactory()
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example/u", p256dh="k" * 87, auth="a" * 22
    )
    preferences_update(
        user_id=user.id,
        changes=[{"kind": "event.changed", "in_app": False, "push": False, "email": False}],
    )
    # when
    notify(
        recipient_ids=[user.id],
        kind=NotificationKind.EVENT_CHANGED,
        payload={"event_id": str(uuid4()), "event_title": "Jazz", "starts_at": "x", "changed": []},
        dedupe_key="event.changed:1",
    )
    # then
    assert unread_count(recipient_id=user.id) == 0
    assert not Delivery.objects.exists()


def test_safety_kinds_cannot_be_silenced_in_the_app_or_by_push():
    user = UserFactory()
    with pytest.raises(ValidationError, match="always come"):
        preferences_update(
            user_id=user.id, changes=[{"kind": "safety.alert_raised", "push": False}]
        )
    assert not NotificationPreference.objects.exists()
    row = next(r for r in preference_table(user_id=user.id) if r["kind"] == "safety.alert_raised")
    assert row["in_app"]
    assert row["push"]
    assert row["locked"] == ["in_app", "push"]


def test_mark_all_read_clears_the_unread_count():
    user = UserFactory()
    for n in range(3):
        notify(
            recipient_ids=[user.id],
            kind=NotificationKind.UNBANNED,
            payload={},
            dedupe_key=f"k{n}",
        )
    assert unread_count(recipient_id=user.id) == 3
    assert notifications_mark_all_read(user_id=user.id) == 3
    assert unread_count(recipient_id=user.id) == 0


def test_reminders_are_issued_once_per_lead_and_start_and_again_when_the_event_moves():
    # given an event in 20 hours with one person going
    now = timezone.now()
    event = EventFactory(starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=23))
    ParticipationFactory(event=event, status=ParticipationStatus.GOING)
    # when the sweep runs twice
    first = event_reminders_issue(now=now)
    again = event_reminders_issue(now=now)
    # then one day-before reminder, one outbox row
    assert (first, again) == (1, 0)
    assert OutboxMessage.objects.filter(routing_key="event.reminder_due").count() == 1
    # when the event moves, its reminder is due again at the new time
    event.starts_at = now + timedelta(hours=21)
    event.ends_at = now + timedelta(hours=23)
    event.save()
    assert event_reminders_issue(now=now) == 1
    # and an hour before the start only the two-hour reminder is due
    assert event_reminders_issue(now=event.starts_at - timedelta(hours=1)) == 1
    assert sorted(EventReminder.objects.values_list("lead", flat=True)) == ["24h", "24h", "2h"]


def test_a_reminder_of_an_event_that_moved_since_is_dropped_and_a_current_one_tells_the_going():
    now = timezone.now()
    event = EventFactory(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3))
    ParticipationFactory(event=event, status=ParticipationStatus.INTERESTED)
    _apply(
        EventReminderDue(
            calendar_event_id=event.id, lead="2h", starts_at=event.starts_at - timedelta(hours=1)
        )
    )
    assert not Notification.objects.exists()
    _apply(EventReminderDue(calendar_event_id=event.id, lead="2h", starts_at=event.starts_at))
    told = Notification.objects.get()  # the organizer is the one going
    assert told.recipient_id == event.organizer_id
    assert told.payload["lead"] == "2h"


def test_a_cancelled_event_gets_no_reminder():
    now = timezone.now()
    event = EventFactory(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=3))
    ParticipationFactory(event=event, status=ParticipationStatus.GOING)
    event.status = "cancelled"
    event.cancelled_at = now
    event.save()
    assert event_reminders_issue(now=now) == 0
