"""Answering an alert from its push notification, with a single-use token (no access token)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing

from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.safety.ack_tokens import ack_token_mint
from shared.safety.models import AlertAcknowledgement, AlertStatus
from shared.safety.tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(make_crew):
    return make_crew()


@pytest.fixture
def alert(crew):
    return AlertFactory(sender=crew.sender, crews=[crew.group])


def url(alert_id) -> str:
    return f"/api/v1/safety/alerts/{alert_id}/token-acknowledgements/"


def test_a_members_token_acknowledges_once_without_an_access_token(api_client, alert, crew):
    # given
    token = ack_token_mint(alert_id=alert.id, user_id=crew.member.id)
    # when
    first = api_client.post(url(alert.id), {"token": token, "kind": "on_my_way"}, format="json")
    again = api_client.post(url(alert.id), {"token": token, "kind": "seen"}, format="json")
    # then
    assert first.status_code == 201
    assert first.json()["kind"] == "on_my_way"
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "acknowledgement_token_invalid"
    acknowledgement = AlertAcknowledgement.objects.get()
    assert (acknowledgement.user_id, acknowledgement.kind) == (crew.member.id, "on_my_way")
    # the sender is told through the bus
    assert OutboxMessage.objects.filter(routing_key="alert.acknowledged").exists()


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda alert, crew: "not-a-token", id="forged_case"),
        pytest.param(
            lambda alert, crew: ack_token_mint(alert_id=crew.group.id, user_id=crew.member.id),
            id="other_alert_case",
        ),
        pytest.param(
            lambda alert, crew: signing.dumps(
                {"a": str(alert.id), "u": str(crew.member.id), "n": "x"}, salt="another"
            ),
            id="other_salt_case",
        ),
        pytest.param(
            lambda alert, crew: ack_token_mint(alert_id=alert.id, user_id=UserFactory().id),
            id="outsider_case",
        ),
    ],
)
def test_a_bad_token_is_refused_and_changes_nothing(api_client, alert, crew, make_token):
    token = make_token(alert, crew)
    response = api_client.post(url(alert.id), {"token": token, "kind": "seen"}, format="json")
    assert response.status_code in (403, 404)
    assert not AlertAcknowledgement.objects.exists()


def test_an_expired_token_is_refused(api_client, alert, crew, settings):
    token = ack_token_mint(alert_id=alert.id, user_id=crew.member.id)
    settings.SAFETY_ACK_TOKEN_MAX_AGE_SECONDS = -1
    response = api_client.post(url(alert.id), {"token": token, "kind": "seen"}, format="json")
    assert response.status_code == 403
    assert not AlertAcknowledgement.objects.exists()


def test_a_banned_members_token_is_refused(api_client, alert, crew):
    token = ack_token_mint(alert_id=alert.id, user_id=crew.member.id)
    crew.member.is_banned = True
    crew.member.save()
    response = api_client.post(url(alert.id), {"token": token, "kind": "seen"}, format="json")
    assert response.status_code == 403
    assert not AlertAcknowledgement.objects.exists()


def test_a_closed_alert_cannot_be_acknowledged(api_client, alert, crew):
    alert.status = AlertStatus.CANCELLED
    alert.cancelled_at = alert.created_at + timedelta(seconds=5)
    alert.save()
    token = ack_token_mint(alert_id=alert.id, user_id=crew.member.id)
    response = api_client.post(url(alert.id), {"token": token, "kind": "seen"}, format="json")
    assert response.status_code == 409


def test_a_bad_kind_is_400(api_client, alert, crew):
    token = ack_token_mint(alert_id=alert.id, user_id=crew.member.id)
    response = api_client.post(url(alert.id), {"token": token, "kind": "maybe"}, format="json")
    assert response.status_code == 400
