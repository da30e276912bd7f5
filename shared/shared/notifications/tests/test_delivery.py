"""Sending deliveries to a real local push service and SMTP server, with their outcomes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.notifications.delivery import MAX_ATTEMPTS, deliveries_due, deliveries_send
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Delivery, DeliveryStatus, PushSubscription
from shared.notifications.services import notify
from shared.notifications.testing.browser import BrowserSubscription, vapid_verify

pytestmark = pytest.mark.django_db


def _subscribe(user, push_service, name: str) -> BrowserSubscription:
    browser = BrowserSubscription(push_service.endpoint(name))
    PushSubscription.objects.create(
        user=user, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    return browser


def _alert(recipient, *, token: str = "") -> list[Any]:
    alert_id = str(uuid4())
    notified = notify(
        recipient_ids=[recipient.id],
        kind=NotificationKind.ALERT_RAISED,
        payload={
            "alert_id": alert_id,
            "alert_type": "lost",
            "sender_id": str(uuid4()),
            "sender_name": "Alice",
            "message": "Lost you at the exit",
            "group_ids": [],
            "group_names": ["Front row"],
            "has_location": False,
        },
        dedupe_key=f"alert.raised:{alert_id}",
        delivery_data={recipient.id: {"ack_token": token}} if token else None,
    )
    return notified.delivery_ids


def test_an_alert_push_arrives_encrypted_signed_urgent_and_able_to_acknowledge(
    push_service, vapid_keys
):
    # given
    bob = UserFactory(email="", language="sv")
    browser = _subscribe(bob, push_service, "bob")
    delivery_ids = _alert(bob, token="single-use-token")
    # when
    sent = deliveries_send(delivery_ids=delivery_ids)
    # then
    assert sent == 1
    (request,) = push_service.requests_to(browser.endpoint)
    vapid_verify(
        request.headers["authorization"],
        endpoint=browser.endpoint,
        public_key=vapid_keys.public_key,
        subject=vapid_keys.subject,
    )
    assert request.headers["urgency"] == "high"
    assert int(request.headers["ttl"]) <= 15 * 60
    message = json.loads(browser.decrypt(request.body))
    assert message["urgent"] is True
    assert message["title"].startswith("Alice")
    assert message["ack"]["token"] == "single-use-token"
    assert message["ack"]["url"].endswith("/token-acknowledgements/")
    assert "location" not in json.dumps(message)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert PushSubscription.objects.get().last_success_at is not None


def test_a_gone_subscription_is_removed(push_service, vapid_keys):
    bob = UserFactory(email="")
    browser = _subscribe(bob, push_service, "gone")
    push_service.answer(browser.endpoint, 410)
    deliveries_send(delivery_ids=_alert(bob))
    assert Delivery.objects.get().status == DeliveryStatus.GONE
    assert not PushSubscription.objects.exists()


def test_a_busy_push_service_is_retried_after_its_retry_after_then_given_up(
    push_service, vapid_keys
):
    # given
    bob = UserFactory(email="")
    browser = _subscribe(bob, push_service, "busy")
    push_service.answer(browser.endpoint, 429, headers={"Retry-After": "120"})
    delivery_ids = _alert(bob)
    # when
    deliveries_send(delivery_ids=delivery_ids)
    # then due again no sooner than the push service asked
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at >= delivery.updated_at + timedelta(seconds=119)
    assert PushSubscription.objects.get().failures == 1
    # when the retry is due the sweep finds it, and when it keeps failing it is given up
    Delivery.objects.update(next_attempt_at=delivery.created_at)
    assert deliveries_due() == [delivery.id]
    for _ in range(MAX_ATTEMPTS):
        Delivery.objects.update(next_attempt_at=delivery.created_at)
        deliveries_send(delivery_ids=[delivery.id])
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    assert Delivery.objects.get().attempts == MAX_ATTEMPTS


def test_a_claimed_delivery_is_left_alone_by_a_sweep_while_its_sender_works(
    push_service, vapid_keys
):
    from shared.notifications.delivery import _claim

    bob = UserFactory(email="")
    browser = _subscribe(bob, push_service, "leased")
    delivery_ids = _alert(bob)
    assert [d.id for d in _claim(delivery_ids, timezone.now())] == delivery_ids
    # a sweep (or a duplicate task) meanwhile
    assert deliveries_due() == []
    assert deliveries_send(delivery_ids=delivery_ids) == 0
    assert push_service.requests_to(browser.endpoint) == []


def test_a_delivery_is_not_sent_twice(push_service, vapid_keys):
    bob = UserFactory(email="")
    browser = _subscribe(bob, push_service, "once")
    delivery_ids = _alert(bob)
    deliveries_send(delivery_ids=delivery_ids)
    deliveries_send(delivery_ids=delivery_ids)
    assert len(push_service.requests_to(browser.endpoint)) == 1


def test_an_email_goes_in_the_recipients_language(smtp_server):
    bob = UserFactory(email="bob@example.com", language="sv")
    sent = deliveries_send(delivery_ids=_alert(bob))
    assert sent == 1
    (mail,) = smtp_server.received
    assert mail.message["To"] == "bob@example.com"
    assert mail.message["Content-Language"] == "sv"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_an_smtp_server_that_says_try_later_gets_a_retry(smtp_server):
    bob = UserFactory(email="bob@example.com")
    smtp_server.refuse_data("451 4.3.0 Try again later")
    deliveries_send(delivery_ids=_alert(bob))
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None
    assert "451" in delivery.last_error
