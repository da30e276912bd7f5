"""The group service's internal API, as other services call it (with a service token).

Both endpoints live under `/internal/v1/groups/`, which the public ingress does not route and
the group service opens to tokens with the `service` realm role only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings

from shared.http.client import SERVICE_ACCOUNT, ServiceClient
from shared.http.errors import ServiceUnavailable

GROUP = "group"
ADMIN_ROLES = frozenset({"owner", "admin"})


def group_service() -> ServiceClient:
    """Return a client of the group service at `GROUP_SERVICE_URL`."""
    return ServiceClient(name=GROUP, base_url=settings.GROUP_SERVICE_URL)


@dataclass(frozen=True)
class RemoteMembership:
    """A user's place in an active crew, as the group service reports it."""

    group_id: UUID
    user_id: UUID
    role: str
    event_id: UUID
    member_ids: tuple[UUID, ...]

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


@dataclass(frozen=True)
class AlertNoticeReceipt:
    """The chat message an alert notice became, and whether it reached the channel layer."""

    message_id: UUID
    sequence: int
    created: bool
    broadcast: bool


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise ServiceUnavailable(GROUP, "answered something other than JSON") from error
    if not isinstance(body, dict):
        raise ServiceUnavailable(GROUP, "answered an unexpected JSON shape")
    return body


def group_membership_get(*, group_id: UUID, user_id: UUID) -> RemoteMembership | None:
    """Return the user's membership of the active crew, or None when they are not in it.

    Raises:
        ServiceUnavailable: the group service (or the identity provider, for the service
            token) is down, slow or answered something unexpected.
    """
    response = group_service().get(
        f"/internal/v1/groups/{group_id}/members/{user_id}/", credentials=SERVICE_ACCOUNT
    )
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise ServiceUnavailable(GROUP, f"membership check answered {response.status_code}")
    body = _json(response)
    try:
        return RemoteMembership(
            group_id=UUID(str(body["group_id"])),
            user_id=UUID(str(body["user_id"])),
            role=str(body["role"]),
            event_id=UUID(str(body["event_id"])),
            member_ids=tuple(UUID(str(member)) for member in body["member_ids"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ServiceUnavailable(GROUP, f"unreadable membership: {error!r}") from error


def group_safety_notice_locations_purge(*, before: datetime) -> int:
    """Ask the group service to clear the positions in alert notices stored before `before`.

    Returns how many notices it cleared.

    Raises:
        ServiceUnavailable: the group service (or the identity provider) cannot be reached or
            failed.
    """
    response = group_service().post(
        "/internal/v1/groups/safety-alerts/purge-locations/",
        json={"before": before.isoformat()},
        credentials=SERVICE_ACCOUNT,
        idempotent=True,
    )
    if response.status_code != 200:
        raise ServiceUnavailable(GROUP, f"notice location purge answered {response.status_code}")
    try:
        return int(_json(response)["cleared"])
    except (KeyError, TypeError, ValueError) as error:
        raise ServiceUnavailable(GROUP, f"unreadable purge answer: {error!r}") from error


def group_safety_alert_post(
    *, group_id: UUID, alert_id: UUID, change: str, alert: dict[str, Any]
) -> AlertNoticeReceipt | None:
    """Ask the group service to post an alert notice into the crew's chat stream.

    The group service stores it as a `safety_alert` chat message (so members who are offline
    find it in the history) and broadcasts a `safety.alert` event to the crew's live sockets.
    It stores each (alert, change) once, so the call is safe to repeat. Returns None when the
    crew is gone (removed since the alert was raised).

    Raises:
        ServiceUnavailable: the group service (or the identity provider) cannot be reached or
            failed.
    """
    response = group_service().post(
        f"/internal/v1/groups/{group_id}/safety-alerts/",
        json={"alert_id": str(alert_id), "change": change, "alert": alert},
        credentials=SERVICE_ACCOUNT,
        idempotent=True,
    )
    if response.status_code == 404:
        return None
    if response.status_code not in (200, 201):
        raise ServiceUnavailable(GROUP, f"alert notice answered {response.status_code}")
    body = _json(response)
    try:
        return AlertNoticeReceipt(
            message_id=UUID(str(body["message_id"])),
            sequence=int(body["sequence"]),
            created=bool(body["created"]),
            broadcast=bool(body["broadcast"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ServiceUnavailable(GROUP, f"unreadable notice receipt: {error!r}") from error
