"""Check-in timers: unless their user checks in by the time set, the crew is alerted.

Setting or moving a timer schedules its firing on commit (`hooks.checkin_timer_due`), and
beat's sweep (`checkin_timers_fire_due`) fires what a lost schedule missed. A timer fires a
`missed_check_in` alert through the path of a user's alert (`alerts`), under the timer's row
lock, so two firings raise one alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shared.groups.errors import GroupNotFound
from shared.groups.selectors import is_member
from shared.safety import hooks
from shared.safety.errors import CheckInTimerExists, CheckInTimerNotActive, CheckInTimerNotFound
from shared.safety.models import Alert, AlertType, CheckInStatus, CheckInTimer
from shared.safety.selectors import checkin_timers_due
from shared.safety.services._common import _optional_point, _require_aware, _text
from shared.safety.services.alerts import _alert_store, _crews_check

logger = logging.getLogger(__name__)


def _validate_due_at(due_at: datetime, *, now: datetime) -> None:
    _require_aware(due_at, field_name="due_at")
    if due_at <= now:
        raise ValidationError({"due_at": ["A check-in time must be in the future."]})
    if due_at > now + timedelta(hours=settings.SAFETY_CHECKIN_MAX_HOURS):
        raise ValidationError(
            {"due_at": [f"At most {settings.SAFETY_CHECKIN_MAX_HOURS} hours ahead."]}
        )


def _locked_own_timer(*, timer_id: UUID, user_id: UUID) -> CheckInTimer:
    timer = CheckInTimer.objects.select_for_update().filter(id=timer_id, user_id=user_id).first()
    if timer is None:
        raise CheckInTimerNotFound()
    if not timer.is_active:
        raise CheckInTimerNotActive()
    return timer


def _remember_location(timer: CheckInTimer, point: Point | None, now: datetime) -> list[str]:
    if point is None:
        return []
    timer.last_location, timer.last_location_at = point, now
    return ["last_location", "last_location_at"]


def _schedule(timer: CheckInTimer) -> None:
    timer_id, due_at = timer.id, timer.due_at
    transaction.on_commit(lambda: hooks.checkin_timer_due.fire(timer_id, due_at))


@transaction.atomic
def checkin_timer_set(
    *,
    user_id: UUID,
    group_id: UUID,
    due_at: datetime,
    message: str = "",
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> CheckInTimer:
    """Start a dead-man switch: unless the user checks in by `due_at`, the crew is alerted.

    Raises:
        GroupNotFound: the user is not a member of the crew.
        CheckInTimerExists: they already have an active timer for this crew.
        ValidationError: a time in the past or too far ahead, a bad location, a long message.
    Side effects: on commit, the timer's firing is scheduled (`hooks.checkin_timer_due`).
    """
    now = now or timezone.now()
    _validate_due_at(due_at, now=now)
    message = _text(message, field_name="message")
    point = _optional_point(lat, lng)
    if not is_member(group_id=group_id, user_id=user_id):
        raise GroupNotFound()
    if CheckInTimer.objects.filter(
        user_id=user_id, group_id=group_id, status=CheckInStatus.ACTIVE
    ).exists():
        raise CheckInTimerExists()
    timer = CheckInTimer(user_id=user_id, group_id=group_id, due_at=due_at, message=message)
    _remember_location(timer, point, now)
    timer.full_clean(exclude=["user", "group", "fired_alert"], validate_constraints=False)
    try:
        with transaction.atomic():
            timer.save(force_insert=True)
    except IntegrityError as error:  # two requests racing past the check above
        raise CheckInTimerExists() from error
    _schedule(timer)
    return timer


@transaction.atomic
def checkin_timer_extend(
    *,
    timer_id: UUID,
    user_id: UUID,
    due_at: datetime,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> CheckInTimer:
    """Move an active timer's check-in time (later, or sooner), and its last known place.

    Raises:
        CheckInTimerNotFound: no such timer of the user's.
        CheckInTimerNotActive: it was checked in, cancelled or has fired.
        ValidationError: a time in the past or too far ahead, a bad location.
    Side effects: on commit, the new firing is scheduled; the old schedule finds the timer
        not yet due and does nothing.
    """
    now = now or timezone.now()
    _validate_due_at(due_at, now=now)
    point = _optional_point(lat, lng)
    timer = _locked_own_timer(timer_id=timer_id, user_id=user_id)
    timer.due_at = due_at
    changed = _remember_location(timer, point, now)
    timer.save(update_fields=["due_at", *changed, "updated_at"])
    _schedule(timer)
    return timer


@transaction.atomic
def checkin_timer_cancel(*, timer_id: UUID, user_id: UUID) -> CheckInTimer:
    """Switch an active timer off without checking in (plans changed).

    Raises:
        CheckInTimerNotFound, CheckInTimerNotActive.
    """
    timer = _locked_own_timer(timer_id=timer_id, user_id=user_id)
    timer.status = CheckInStatus.CANCELLED
    timer.cancelled_at = timezone.now()
    timer.save(update_fields=["status", "cancelled_at", "updated_at"])
    return timer


@transaction.atomic
def checkin_timer_check_in(
    *, timer_id: UUID, user_id: UUID, lat: float | None = None, lng: float | None = None
) -> CheckInTimer:
    """Check in: the user is fine, and the timer will not fire.

    Raises:
        CheckInTimerNotFound, CheckInTimerNotActive (too late: it fired, and the alert is out).
    """
    now = timezone.now()
    point = _optional_point(lat, lng)
    timer = _locked_own_timer(timer_id=timer_id, user_id=user_id)
    timer.status = CheckInStatus.CHECKED_IN
    timer.checked_in_at = now
    changed = _remember_location(timer, point, now)
    timer.save(update_fields=["status", "checked_in_at", *changed, "updated_at"])
    return timer


def checkin_timer_fire(*, timer_id: UUID, now: datetime | None = None) -> Alert | None:
    """Raise the `missed_check_in` alert of a timer that is due and still active.

    Takes the path of a user's alert, then stores the alert and marks the timer fired in one
    transaction under the timer's row lock, so two firings (the ETA task and the sweep) raise
    one alert. Returns the alert, or None when there was nothing to fire (not due, no longer
    active, or the user has left the crew: then it is cancelled).

    Side effects: those of raising an alert.
    """
    now = now or timezone.now()
    timer = CheckInTimer.objects.filter(id=timer_id).first()
    if timer is None or not timer.is_active or timer.due_at > now:
        return None
    crews, _ = _crews_check(user_id=timer.user_id, group_ids=[timer.group_id])
    with transaction.atomic():
        timer = CheckInTimer.objects.select_for_update().get(id=timer_id)
        if not timer.is_active or timer.due_at > now:
            return None
        if not crews:
            timer.status = CheckInStatus.CANCELLED
            timer.cancelled_at = now
            timer.save(update_fields=["status", "cancelled_at", "updated_at"])
            logger.info(
                "check-in timer of a former member cancelled", extra={"timer": str(timer_id)}
            )
            return None
        alert = _alert_store(
            sender_id=timer.user_id,
            crews=crews,
            alert_type=AlertType.MISSED_CHECK_IN,
            message=timer.message,
            point=timer.last_location,
            accuracy_m=None,
            timer=timer,
        )
        timer.status = CheckInStatus.FIRED
        timer.fired_at = now
        timer.fired_alert = alert
        timer.save(update_fields=["status", "fired_at", "fired_alert", "updated_at"])
    return alert


def checkin_timers_fire_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fire every active timer that is due; the sweep that survives lost schedules.

    Returns how many alerts were raised.

    Side effects: those of `checkin_timer_fire`.
    """
    now = now or timezone.now()
    fired = 0
    for timer_id, _ in checkin_timers_due(before=now + timedelta(microseconds=1), limit=limit):
        if checkin_timer_fire(timer_id=timer_id, now=now) is not None:
            fired += 1
    return fired
