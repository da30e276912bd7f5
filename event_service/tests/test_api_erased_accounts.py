"""A still-valid token of an account the user service erased is refused here too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.accounts.models import User
from shared.accounts.services import user_anonymise
from shared.accounts.tests.factories import UserFactory
from shared.events.models import Event
from tests.test_api_events import URL, payload

pytestmark = pytest.mark.django_db


def test_a_still_valid_token_of_an_erased_account_is_refused_and_makes_no_account(
    auth_client: Callable[..., Any],
) -> None:
    # given: the user worked here (this process read and kept their row), then the user
    # service erased the account over the shared database
    client = auth_client(user=UserFactory(username="maria", email="maria@example.test"))
    assert client.post(URL, payload(), format="json").status_code == 201
    user_anonymise(user_id=client.user.id)
    # when
    responses = [client.post(URL, payload(title="Again"), format="json"), client.get(URL)]
    # then
    for response in responses:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "account_erased"
    assert not Event.objects.filter(title="Again").exists()
    assert not User.objects.filter(username="maria").exists()


def test_others_still_sign_in_after_an_erasure(auth_client: Callable[..., Any]) -> None:
    erased, other = auth_client(), auth_client()
    user_anonymise(user_id=erased.user.id)

    response = other.post(URL, payload(), format="json")

    assert response.status_code == 201
    assert Event.objects.get().organizer_id == other.user.id
