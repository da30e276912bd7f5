"""How long location data is kept: `SAFETY_LOCATION_RETENTION_DAYS`, then purged."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared.safety.models import Alert, AlertStatus, CheckInStatus, CheckInTimer, LocationPoint


def location_retention_cutoff(now: datetime) -> datetime:
    """Location data recorded before this moment is past `SAFETY_LOCATION_RETENTION_DAYS`."""
    return now - timedelta(days=settings.SAFETY_LOCATION_RETENTION_DAYS)


@transaction.atomic
def location_data_purge(*, now: datetime | None = None) -> int:
    """Delete location data older than `SAFETY_LOCATION_RETENTION_DAYS`; return points deleted.

    Trail points go; the position an alert was raised at is cleared on closed alerts raised
    before the cutoff, and the last known place of timers no longer active.
    """
    now = now or timezone.now()
    cutoff = location_retention_cutoff(now)
    deleted, _ = LocationPoint.objects.filter(recorded_at__lt=cutoff).delete()
    Alert.objects.filter(created_at__lt=cutoff, location__isnull=False).exclude(
        status=AlertStatus.OPEN
    ).update(location=None, updated_at=now)
    CheckInTimer.objects.filter(last_location_at__lt=cutoff, last_location__isnull=False).exclude(
        status=CheckInStatus.ACTIVE
    ).update(last_location=None, last_location_at=None, updated_at=now)
    return int(deleted)
