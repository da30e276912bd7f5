"""The event service's public API, as other services call it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from django.conf import settings

from shared.http.client import Credentials, ServiceClient
from shared.http.errors import ServiceUnavailable

EVENT = "event"


def event_service() -> ServiceClient:
    """Return a client of the event service at `EVENT_SERVICE_URL`."""
    return ServiceClient(name=EVENT, base_url=settings.EVENT_SERVICE_URL)


@dataclass(frozen=True)
class RemoteEvent:
    """What another service needs to know of an event (times as ISO 8601 strings)."""

    id: UUID
    title: str
    event_type: str
    status: str
    starts_at: str
    ends_at: str
    venue_name: str
    address: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": str(self.id)}


def event_details_get(*, event_id: UUID, credentials: Credentials) -> RemoteEvent | None:
    """Return the event as the credentials' holder may see it, or None when they may not.

    With a user's token (`UserToken`), the event's visibility applies: a private event the
    user does not take part in is None, as it is for them in the API.

    Raises:
        ServiceUnavailable: the event service is down, slow or answered something unexpected.
    """
    response = event_service().get(f"/api/v1/events/{event_id}/", credentials=credentials)
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise ServiceUnavailable(EVENT, f"event details answered {response.status_code}")
    try:
        body = response.json()
        return RemoteEvent(
            id=UUID(str(body["id"])),
            title=str(body["title"]),
            event_type=str(body["event_type"]),
            status=str(body["status"]),
            starts_at=str(body["starts_at"]),
            ends_at=str(body["ends_at"]),
            venue_name=str(body.get("venue_name") or ""),
            address=str(body.get("address") or ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ServiceUnavailable(EVENT, f"unreadable event: {error!r}") from error
