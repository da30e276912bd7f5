"""The user service's ban handlers: idempotent, and ordered by when the events happened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.messaging.consumer import event_apply
from shared.messaging.models import ProcessedEvent
from shared.messaging.schemas import UserBanned, UserUnbanned
from user_service.celery import HANDLERS, app
from user_service.subscribers import on_user_banned, on_user_unbanned

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def banned(user, *, at=T0, until=None):
    return UserBanned(user_id=user.id, reason="Spam links", until=until, occurred_at=at)


def unbanned(user, *, at):
    return UserUnbanned(user_id=user.id, reason="Appeal granted", occurred_at=at)


def test_a_ban_marks_the_account_banned_until_its_end():
    user = UserFactory()
    until = T0 + timedelta(days=7)

    on_user_banned(banned(user, until=until))

    user.refresh_from_db()
    assert (user.is_banned, user.banned_until, user.ban_event_at) == (True, until, T0)
    assert user.is_banned_at(T0 + timedelta(days=1)) is True
    assert user.is_banned_at(T0 + timedelta(days=8)) is False


def test_the_same_ban_event_twice_has_the_effect_of_one():
    # given
    user = UserFactory()
    event = banned(user)
    applied = [event_apply(consumer="user", event=event, handler=on_user_banned)]
    updated_at = User.objects.get(id=user.id).updated_at

    # when
    applied.append(event_apply(consumer="user", event=event, handler=on_user_banned))

    # then
    assert applied == [True, False]
    assert ProcessedEvent.objects.filter(consumer="user", event_id=event.event_id).count() == 1
    assert User.objects.get(id=user.id).updated_at == updated_at


def test_the_same_unban_event_twice_has_the_effect_of_one():
    user = UserFactory()
    event_apply(consumer="user", event=banned(user), handler=on_user_banned)
    event = unbanned(user, at=T0 + timedelta(hours=1))

    first = event_apply(consumer="user", event=event, handler=on_user_unbanned)
    second = event_apply(consumer="user", event=event, handler=on_user_unbanned)

    assert (first, second) == (True, False)
    assert User.objects.get(id=user.id).is_banned is False


def test_an_unban_lifts_the_ban():
    user = UserFactory()
    on_user_banned(banned(user, until=T0 + timedelta(days=1)))

    on_user_unbanned(unbanned(user, at=T0 + timedelta(minutes=5)))

    user.refresh_from_db()
    assert (user.is_banned, user.banned_until, user.ban_event_at) == (
        False,
        None,
        T0 + timedelta(minutes=5),
    )


def test_an_unban_older_than_the_ban_in_force_does_not_lift_it():
    # given a ban, then an unban that happened before it arrives late
    user = UserFactory()
    on_user_banned(banned(user, at=T0))

    # when
    on_user_unbanned(unbanned(user, at=T0 - timedelta(seconds=1)))

    # then
    user.refresh_from_db()
    assert (user.is_banned, user.ban_event_at) == (True, T0)


def test_a_ban_older_than_the_unban_in_force_does_not_ban_again():
    user = UserFactory()
    on_user_unbanned(unbanned(user, at=T0))

    on_user_banned(banned(user, at=T0 - timedelta(minutes=1)))

    user.refresh_from_db()
    assert (user.is_banned, user.ban_event_at) == (False, T0)


def test_a_newer_ban_replaces_the_end_time_of_an_older_one():
    user = UserFactory()
    on_user_banned(banned(user, at=T0, until=T0 + timedelta(days=1)))

    on_user_banned(banned(user, at=T0 + timedelta(hours=1), until=None))

    user.refresh_from_db()
    assert (user.is_banned, user.banned_until) == (True, None)


def test_an_event_about_an_unknown_user_changes_nothing():
    user = UserFactory()

    on_user_banned(UserBanned(user_id=uuid.uuid4(), reason="Spam links", occurred_at=T0))

    assert User.objects.get(id=user.id).is_banned is False


def test_the_worker_consumes_both_ban_events_with_late_acknowledgement():
    (step,) = [
        step
        for step in app.steps["consumer"]
        if getattr(step, "service", "") == "user" and step.topic is None
    ]

    assert step.handlers == HANDLERS
    assert set(HANDLERS) == {"user.banned", "user.unbanned"}
    assert step.acks_late is True
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_default_queue == "user.tasks"


def test_the_worker_runs_the_notifier_on_its_own_queue_and_consumer_name():
    (notifier,) = [
        step for step in app.steps["consumer"] if getattr(step, "topic", None) == "notifications"
    ]
    assert notifier.acks_late is True
    assert "alert.raised" in notifier.handlers
    assert "user.banned" in notifier.handlers  # the banned person is told, too
    # Applied separately from the ban step's record of the same event.
    assert notifier(None).consumer_name == "user.notifications"
