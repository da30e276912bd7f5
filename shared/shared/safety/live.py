"""What a crew sees of an alert: the notice in its chat stream, and the live updates.

The "raised", "resolved" and "cancelled" notices go into each crew's chat stream through the
group service, which owns the chat (`shared.http.groups.group_safety_alert_post`); a notice
names only the crew it is posted to and that crew's event. Acknowledgements and location
updates are transient: the safety service sends them to the crews' live sockets directly,
through the channel layer (`safety.alert` events, `safety_alert` frames on the socket).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point

from shared.api.representation import user_summary
from shared.chat import realtime
from shared.safety.models import Alert, AlertAcknowledgement, AlertTarget, LocationPoint

SAFETY_ALERT_EVENT = "safety.alert"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def location_json(point: Point | None) -> dict[str, float] | None:
    """Return a point as `{"lat", "lng"}` (None when there is none, or it was purged)."""
    if point is None:
        return None
    return {"lat": point.y, "lng": point.x}


def alert_payload(alert: Alert, *, target: AlertTarget) -> dict[str, Any]:
    """Return the alert as one crew's notice carries it (its own crew and event only)."""
    return {
        "id": str(alert.id),
        "alert_type": alert.alert_type,
        "message": alert.message,
        "status": alert.status,
        "sender": user_summary(alert.sender),
        "location": location_json(alert.location),
        "group_id": str(target.group_id),
        "event": target.event_details or None,
        "created_at": _iso(alert.created_at),
        "resolved_at": _iso(alert.resolved_at),
        "resolved_by": user_summary(alert.resolved_by),
        "resolution_note": alert.resolution_note,
        "cancelled_at": _iso(alert.cancelled_at),
        "check_in_due_at": _iso(alert.check_in_due_at),
    }


def acknowledgement_payload(acknowledgement: AlertAcknowledgement) -> dict[str, Any]:
    return {
        "user": user_summary(acknowledgement.user),
        "kind": acknowledgement.kind,
        "created_at": _iso(acknowledgement.created_at),
        "updated_at": _iso(acknowledgement.updated_at),
    }


def location_point_payload(point: LocationPoint) -> dict[str, Any]:
    return {
        "lat": point.point.y,
        "lng": point.point.x,
        "recorded_at": _iso(point.recorded_at),
        "accuracy_m": point.accuracy_m,
    }


def broadcast_change(
    *, alert_id: UUID, group_ids: Iterable[UUID], change: str, payload: dict[str, Any]
) -> None:
    """Send a transient change of an alert to the live sockets of each of its crews.

    Side effects: one `safety.alert` channel-layer event per crew (a `safety_alert` frame on
    every socket of the crew's chat); a broadcast that fails is logged and counted.
    """
    for group_id in group_ids:
        realtime.broadcast_to_group(
            group_id,
            event_type=SAFETY_ALERT_EVENT,
            payload={"change": change, "alert_id": str(alert_id), **payload},
        )
