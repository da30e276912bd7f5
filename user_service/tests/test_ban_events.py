"""The ban events reach the user service's worker late, twice or out of order: the ban state
stays the one moderation committed (the worker never writes it), and the person is told.

Real moderation writes (`user_ban`, `user_unban`), their outbox rows published as they are
to this session's RabbitMQ vhost in the order each test picks, and consumed by every
consumer step the user service's worker runs, in this process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.messaging.testing import celery_app_broker
from shared.moderation.services import user_ban, user_unban
from shared.notifications import notifier as notifier_handlers
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification
from user_service.celery import app

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Posted spam links in three crews."
APPEAL = "Appeal accepted by the team."


@pytest.fixture
def moderator() -> User:
    return UserFactory(realm_roles=["moderator", "user"])


@pytest.fixture
def deliver(bus):
    """Deliver outbox rows, in the order given, to the user service's worker's steps."""
    channel = bus.connection().channel()
    steps = [step() for step in app.steps["consumer"] if hasattr(step, "handlers")]
    consumers = [consumer for step in steps for consumer in step.get_consumers(channel)]
    for consumer in consumers:
        consumer.consume()

    def publish_and_consume(*rows: OutboxMessage) -> None:
        with celery_app_broker(app, bus.url):
            for row in rows:
                bus.publish_raw(row.payload, routing_key=row.routing_key, message_id=str(row.id))
                while True:
                    try:
                        bus.connection().drain_events(timeout=0.3)
                    except TimeoutError:
                        break
        connection.close()

    yield publish_and_consume
    for consumer in consumers:
        consumer.cancel()


def ban_state(user: User) -> tuple[bool, object]:
    user.refresh_from_db()
    return user.is_banned, user.banned_until


def test_a_ban_event_delivered_after_the_lift_does_not_ban_again(moderator, deliver):
    # given a ban, lifted before its event reached the user service
    target = UserFactory()
    user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON)
    user_unban(moderator_id=moderator.id, user_id=target.id, reason=APPEAL)
    banned, unbanned = OutboxMessage.objects.order_by("created_at")

    # when the ban's event arrives after the lift, before the unban's
    deliver(banned)
    # then the lifted ban does not come back
    assert ban_state(target) == (False, None)

    # when the unban's event follows, and the ban's again (a redelivery)
    deliver(unbanned, banned)
    # then still not banned; the person was told both, once each
    assert ban_state(target) == (False, None)
    assert sorted(Notification.objects.filter(recipient=target).values_list("kind", flat=True)) == [
        NotificationKind.BANNED,
        NotificationKind.UNBANNED,
    ]


def test_a_late_unban_of_an_earlier_ban_never_lifts_the_ban_in_force(moderator, deliver):
    # given: banned, lifted, banned again, and none of the events delivered yet
    target = UserFactory()
    until = timezone.now() + timedelta(days=3)
    user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON)
    user_unban(moderator_id=moderator.id, user_id=target.id, reason=APPEAL)
    user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON, until=until)
    first_ban, unban, second_ban = OutboxMessage.objects.order_by("created_at")
    assert ban_state(target) == (True, until)

    # when they arrive in every wrong order, one at a time, and redelivered
    for row in (unban, first_ban, second_ban, unban, first_ban):
        deliver(row)
        # then the ban in force holds after each of them
        assert ban_state(target) == (True, until)


def test_the_worker_consumes_ban_events_only_to_tell_the_person():
    steps = [step for step in app.steps["consumer"] if getattr(step, "service", "") == "user"]

    assert [step.topic for step in steps] == ["notifications"]
    (notifier,) = steps
    assert notifier.handlers["user.banned"] is notifier_handlers.on_user_banned
    assert notifier.handlers["user.unbanned"] is notifier_handlers.on_user_unbanned
    assert "alert.raised" in notifier.handlers
    assert notifier.acks_late is True
    assert notifier(None).consumer_name == "user.notifications"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_default_queue == "user.tasks"
