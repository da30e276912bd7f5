"""The notification centre's API: the list, reading, channel choices, push devices."""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.tests.factories import UserFactory
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification, NotificationPreference, PushSubscription
from shared.notifications.services import notify
from shared.notifications.testing.browser import BrowserSubscription

pytestmark = pytest.mark.django_db

BROWSER = BrowserSubscription("https://fcm.googleapis.com/fcm/send/abc")
SUBSCRIPTION = {
    "endpoint": BROWSER.endpoint,
    "keys": {"p256dh": BROWSER.p256dh, "auth": BROWSER.auth},
    "language": "sv",
    "expirationTime": None,
}


def _tell(user: Any, n: int) -> None:
    for i in range(n):
        notify(
            recipient_ids=[user.id],
            kind=NotificationKind.JOIN_APPROVED,
            payload={"group_id": "5f1c2c0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f", "group_name": f"C{i}"},
            dedupe_key=f"approved:{i}",
        )


def test_the_list_pages_newest_first_with_the_unread_count(auth_client):
    client = auth_client()
    _tell(client.user, 25)
    first = client.get("/api/v1/users/me/notifications/").json()
    assert first["unread_count"] == 25
    assert len(first["results"]) == 20
    assert first["results"][0]["payload"]["group_name"] == "C24"
    assert first["results"][0]["link"].endswith("/chat")
    second = client.get(first["next"]).json()
    assert [n["payload"]["group_name"] for n in second["results"]] == [
        f"C{i}" for i in range(4, -1, -1)
    ]
    assert second["next"] is None


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/users/me/notifications/").status_code == 401


def test_reading_another_persons_notification_is_404_and_changes_nothing(auth_client):
    owner, other = auth_client(), auth_client()
    _tell(owner.user, 1)
    notification = Notification.objects.get(recipient=owner.user)
    response = other.post(f"/api/v1/users/me/notifications/{notification.id}/read/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "notification_not_found"
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_one_then_all(auth_client):
    client = auth_client()
    _tell(client.user, 3)
    notification = Notification.objects.filter(recipient=client.user).first()
    read = client.post(f"/api/v1/users/me/notifications/{notification.id}/read/")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/users/me/notifications/").json()["unread_count"] == 2
    assert client.post("/api/v1/users/me/notifications/read-all/").json() == {"unread_count": 0}
    assert client.get("/api/v1/users/me/notifications/").json()["unread_count"] == 0


def test_preferences_can_silence_a_kind_but_not_a_safety_one(auth_client):
    client = auth_client()
    url = "/api/v1/users/me/notification-preferences/"
    ok = client.patch(
        url, {"preferences": [{"kind": "event.reminder", "email": False}]}, format="json"
    )
    assert ok.status_code == 200
    reminder = next(p for p in ok.json()["preferences"] if p["kind"] == "event.reminder")
    assert reminder["email"] is False
    assert reminder["push"] is True
    refused = client.patch(
        url, {"preferences": [{"kind": "safety.alert_raised", "push": False}]}, format="json"
    )
    assert refused.status_code == 400
    assert not NotificationPreference.objects.filter(kind="safety.alert_raised").exists()
    unknown = client.patch(url, {"preferences": [{"kind": "nope"}]}, format="json")
    assert unknown.status_code == 400


def test_push_subscription_is_saved_moved_to_its_new_owner_and_deleted(auth_client):
    alice, bob = auth_client(), auth_client()
    url = "/api/v1/users/me/push-subscriptions/"
    assert alice.post(url, SUBSCRIPTION, format="json").status_code == 201
    assert PushSubscription.objects.get().user_id == alice.user.id
    assert PushSubscription.objects.get().language == "sv"
    # the same browser, now signed in as bob
    assert bob.post(url, SUBSCRIPTION, format="json").status_code == 201
    assert PushSubscription.objects.get().user_id == bob.user.id
    # alice cannot remove bob's device
    alice.delete(url, {"endpoint": SUBSCRIPTION["endpoint"]}, format="json")
    assert PushSubscription.objects.exists()
    assert bob.delete(url, {"endpoint": SUBSCRIPTION["endpoint"]}, format="json").status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({**SUBSCRIPTION, "endpoint": "http://fcm.googleapis.com/x"}, id="http_case"),
        pytest.param(
            {**SUBSCRIPTION, "endpoint": "https://127.0.0.1:8001/internal/"}, id="internal_case"
        ),
        pytest.param(
            {**SUBSCRIPTION, "keys": {"p256dh": "short", "auth": "y" * 22}}, id="keys_case"
        ),
        pytest.param({"endpoint": SUBSCRIPTION["endpoint"]}, id="no_keys_case"),
    ],
)
def test_a_bad_subscription_is_400_and_stores_nothing(auth_client, body):
    response = auth_client().post("/api/v1/users/me/push-subscriptions/", body, format="json")
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_push_config_gives_the_public_key_or_null(auth_client, settings):
    client = auth_client()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    assert client.get("/api/v1/users/push-config/").json() == {"vapid_public_key": None}
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "BPublicKey"
    assert client.get("/api/v1/users/push-config/").json() == {"vapid_public_key": "BPublicKey"}


def test_a_banned_user_is_refused(auth_client):
    client = auth_client(user=UserFactory(is_banned=True))
    assert client.get("/api/v1/users/me/notifications/").status_code == 403
