"""An event a moderator removed: its organizer sees that and why; everyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.events.models import Event
from shared.events.services import event_remove
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.testing.api import actor_params

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
REASON = "Advertises an illegal rave."


@pytest.mark.parametrize(
    ("actor", "status"),
    actor_params(
        {"anonymous": 404, "organizer": 200, "other": 404, "banned": 403, "moderator": 404}
    ),
)
def test_a_removed_event_is_shown_to_its_organizer_only(
    client_as: Callable[[str, Event], Any], actor: str, status: int
) -> None:
    # given
    event = EventFactory()
    event_remove(event_id=event.id, reason=REASON)
    client = client_as(actor, event)
    # when
    detail = client.get(f"{URL}{event.id}/")
    listed = client.get(URL)
    # then
    assert detail.status_code == status
    if status == 200:
        body = detail.json()
        assert body["removal_reason"] == REASON
        assert body["removed_at"] is not None
        assert [e["id"] for e in listed.json()["results"]] == [str(event.id)]
    elif status == 404:
        assert REASON not in detail.content.decode()
        assert listed.json()["results"] == []


def test_a_participant_can_still_leave_a_removed_event(auth_client: Callable[..., Any]) -> None:
    event = EventFactory()
    client = auth_client()
    ParticipationFactory(event=event, user=client.user)
    event_remove(event_id=event.id, reason=REASON)

    response = client.delete(f"{URL}{event.id}/leave/")

    assert response.status_code == 204
    assert not event.participations.filter(user_id=client.user.id).exists()


def test_the_organizer_cannot_edit_a_removed_event(auth_client: Callable[..., Any]) -> None:
    event = EventFactory(title="Before")
    event_remove(event_id=event.id, reason=REASON)

    response = auth_client(user=event.organizer).patch(
        f"{URL}{event.id}/", {"title": "After"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "event_removed"
    assert Event.objects.get(id=event.id).title == "Before"
