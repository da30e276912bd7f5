"""The safety part of erasing an account (`shared.accounts.erasure` calls it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shared.safety.models import (
    Alert,
    AlertAcknowledgement,
    AlertTarget,
    CheckInTimer,
    LocationPoint,
)


@dataclass(frozen=True)
class SafetyDataErased:
    """The alerts of an erased user, and the crews they went to (whose chat has notices of them)."""

    alert_ids: list[UUID]
    group_ids: list[UUID]


@transaction.atomic
def safety_data_erase(*, user_id: UUID, now: datetime | None = None) -> SafetyDataErased:
    """Remove the user's safety data, as erasing their account asks.

    - The alerts they raised stay, for the crews they reached (the crews' history, answers and
      chat notices point to them), but without the person's positions and words: the trail
      is deleted, the position and message cleared, and the resolution note where they
      resolved it themselves. An open one stays open for its crews to resolve.
    - Their answers to others' alerts are deleted: a crew must not count on an "on my way"
      from someone who is gone.
    - Their check-in timers are deleted: only they saw them, and an active one must not fire.

    The notices of their alerts in the crews' chat carry a copy of the alert:
    `shared.chat.alerts.safety_notices_anonymise` clears it, given what this returns.
    """
    now = now or timezone.now()
    alerts = Alert.objects.filter(sender_id=user_id)
    alert_ids = list(alerts.order_by("id").values_list("id", flat=True))
    group_ids = list(
        AlertTarget.objects.filter(alert_id__in=alert_ids)
        .order_by("group_id")
        .values_list("group_id", flat=True)
        .distinct()
    )
    LocationPoint.objects.filter(alert_id__in=alert_ids).delete()
    alerts.filter(resolved_by_id=user_id).update(resolution_note="")
    alerts.update(location=None, message="", updated_at=now)
    AlertAcknowledgement.objects.filter(user_id=user_id).delete()
    CheckInTimer.objects.filter(user_id=user_id).delete()
    return SafetyDataErased(alert_ids=alert_ids, group_ids=group_ids)
