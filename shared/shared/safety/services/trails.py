"""The sender's positions on an open alert (its trail), sent live to the crews' sockets."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.safety import live
from shared.safety.errors import AlertNotOpen, NotAlertSender
from shared.safety.models import LocationPoint
from shared.safety.services._common import (
    _accuracy,
    _crew_ids,
    _point,
    _require_aware,
    _visible_locked_alert,
)

# A position may be stamped a little ahead of our clock (the phone's clock runs fast).
CLOCK_SKEW = timedelta(seconds=60)


@transaction.atomic
def alert_location_add(
    *,
    alert_id: UUID,
    actor_id: UUID,
    lat: float,
    lng: float,
    accuracy_m: float | None = None,
    recorded_at: datetime | None = None,
    actor_is_moderator: bool = False,
) -> LocationPoint:
    """Add the sender's current position to an open alert's trail.

    The first position of an alert raised without one also becomes the alert's `location`:
    that field is "the trail's first point", which the crew's views and the chat notices
    show as where the sender is.

    Raises:
        AlertNotFound: the actor may not see the alert.
        NotAlertSender: someone other than its sender.
        AlertNotOpen: the alert was resolved or cancelled: positions stop there.
        ValidationError: a bad position or accuracy, or a time in the future.
    Side effects: on commit, a `location` change to the crews' live sockets.
    """
    now = timezone.now()
    point = _point(lat=lat, lng=lng)
    _accuracy(accuracy_m)
    if recorded_at is not None:
        _require_aware(recorded_at, field_name="recorded_at")
        if recorded_at > now + CLOCK_SKEW:
            raise ValidationError({"recorded_at": ["A position cannot be from the future."]})
    alert = _visible_locked_alert(
        alert_id=alert_id, viewer_id=actor_id, viewer_is_moderator=actor_is_moderator
    )
    if alert.sender_id != actor_id:
        raise NotAlertSender()
    if not alert.is_open:
        raise AlertNotOpen()
    location = LocationPoint(
        alert=alert, point=point, recorded_at=recorded_at or now, accuracy_m=accuracy_m
    )
    location.full_clean(exclude=["alert"])
    location.save(force_insert=True)
    if alert.location is None:
        # Under the alert's row lock: of two first positions racing, one sets it.
        alert.location = point
        alert.save(update_fields=["location", "updated_at"])
    payload = {"location": live.location_point_payload(location)}
    group_ids = _crew_ids(alert_id)
    transaction.on_commit(
        lambda: live.broadcast_change(
            alert_id=alert_id, group_ids=group_ids, change="location", payload=payload
        )
    )
    return location
