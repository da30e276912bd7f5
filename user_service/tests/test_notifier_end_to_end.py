"""An alert reaches a crew whose app is closed: outbox → RabbitMQ → the user worker → push.

Real processes and servers: the user service's Celery worker (the notifier and the delivery
tasks) against this session's RabbitMQ vhost and test database, a local push service that
the test decrypts, and a local SMTP server.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import pytest
from django.db import transaction

from shared.accounts.tests.factories import UserFactory
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.publisher import outbox_relay
from shared.messaging.schemas import AlertRaised
from shared.messaging.testing import WorkerProcess, test_database_url, wait_until
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification, PushSubscription
from shared.notifications.testing.browser import BrowserSubscription, vapid_verify

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(bus, push_service, vapid_keys, smtp_server, tmp_path):
    process = WorkerProcess.celery(
        "user_service",
        cwd=ROOT / "user_service",
        env={
            "DJANGO_SETTINGS_MODULE": "user_service.settings",
            "DATABASE_URL": test_database_url(),
            "RABBITMQ_URL": bus.url,
            "WEBPUSH_VAPID_PRIVATE_KEY": vapid_keys.private_key,
            "WEBPUSH_VAPID_PUBLIC_KEY": vapid_keys.public_key,
            "WEBPUSH_VAPID_SUBJECT": vapid_keys.subject,
            "WEBPUSH_ENDPOINT_ORIGINS": push_service.origin,
            "EMAIL_PORT": str(smtp_server.port),
        },
        log_path=tmp_path / "user-worker.log",
    ).start()
    wait_until(lambda: bus.queue_exists("user.notifications"), timeout=30, message=process.output)
    yield process
    process.stop()


def test_a_crew_with_the_app_closed_gets_the_alert_by_push_and_e_mail_once(
    bus, worker, push_service, vapid_keys, smtp_server
):
    # given a crew of three besides the sender, each with a browser subscribed
    sender = UserFactory(display_name_override="Alice")
    group = GroupFactory(created_by=sender)
    members = [MembershipFactory(group=group).user for _ in range(3)]
    browsers = {}
    for member in members:
        browser = BrowserSubscription(push_service.endpoint())
        PushSubscription.objects.create(
            user=member, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
        )
        browsers[browser.endpoint] = (member, browser)
    tokens = {str(member.id): f"token-{member.id}" for member in members}
    event = AlertRaised(
        alert_id=uuid4(),
        sender_id=sender.id,
        alert_type="help",
        message="I need help at the exit",
        group_ids=(group.id,),
        has_location=False,
        ack_tokens=tokens,
    )

    # when the safety service stores the alert and its event, and the relay publishes it
    with transaction.atomic():
        outbox_enqueue(event=event)
    outbox_relay()
    outbox_relay()  # a relay that ran twice publishes nothing twice

    # then each member's browser gets one push, encrypted to it, with their own token
    wait_until(lambda: len(push_service.requests) >= 3, timeout=30, message=worker.output)
    for request in push_service.requests:
        member, browser = browsers[f"{push_service.origin}{request.path}"]
        vapid_verify(
            request.headers["authorization"],
            endpoint=browser.endpoint,
            public_key=vapid_keys.public_key,
            subject=vapid_keys.subject,
        )
        message = json.loads(browser.decrypt(request.body))
        assert message["kind"] == NotificationKind.ALERT_RAISED
        assert message["title"].startswith("Alice")
        assert message["ack"]["token"] == tokens[str(member.id)]
    # and an e-mail each; the in-app notification is there for each, once
    wait_until(lambda: len(smtp_server.received) >= 3, timeout=30, message=worker.output)
    assert Notification.objects.filter(kind=NotificationKind.ALERT_RAISED).count() == 3
    assert len(push_service.requests) == 3
