"""What several safety writes share: checking their input, and finding the alert to change.

Raising, answering, closing and trails all validate positions, texts and times alike, and
lock the alert as its actor may see it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.safety.errors import AlertNotFound
from shared.safety.models import MAX_MESSAGE_LENGTH, Alert, AlertTarget
from shared.safety.selectors import alert_visible_queryset


def _point(*, lat: float, lng: float, field_name: str = "location") -> Point:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(
            {field_name: ["Latitude must be within ±90 and longitude within ±180."]}
        )
    return Point(lng, lat, srid=4326)


def _optional_point(lat: float | None, lng: float | None) -> Point | None:
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        raise ValidationError({"location": ["A location has both lat and lng."]})
    return _point(lat=lat, lng=lng)


def _text(value: str, *, field_name: str) -> str:
    value = value.strip()
    if len(value) > MAX_MESSAGE_LENGTH:
        raise ValidationError({field_name: [f"At most {MAX_MESSAGE_LENGTH} characters, please."]})
    return value


def _accuracy(accuracy_m: float | None) -> None:
    if accuracy_m is not None and not 0 <= accuracy_m <= 100_000:
        raise ValidationError({"accuracy_m": ["Accuracy is between 0 and 100000 metres."]})


def _require_aware(moment: datetime, *, field_name: str) -> None:
    if timezone.is_naive(moment):
        raise ValidationError({field_name: ["A time needs a time zone."]})


def _visible_locked_alert(*, alert_id: UUID, viewer_id: UUID, viewer_is_moderator: bool) -> Alert:
    visible = alert_visible_queryset(viewer_id=viewer_id, viewer_is_moderator=viewer_is_moderator)
    if not visible.filter(id=alert_id).exists():
        raise AlertNotFound()
    return Alert.objects.select_for_update(of=("self",)).select_related("sender").get(id=alert_id)


def _crew_ids(alert_id: UUID) -> list[UUID]:
    return list(AlertTarget.objects.filter(alert_id=alert_id).values_list("group_id", flat=True))
