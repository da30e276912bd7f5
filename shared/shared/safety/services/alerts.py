"""Raising an alert, and closing it: resolved, or cancelled as a false alarm.

Raising reads the sender's crews and their events in one query, then stores the alert, its
crews, its first position and the `alert.raised` outbox row in one transaction; a check-in
timer's alert (`checkins`) is stored the same way. Each change's notices into the crews' chat
streams follow its commit (`notices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.groups.errors import GroupNotFound
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import AlertClosed, AlertRaised, CheckInMissed
from shared.safety.ack_tokens import ack_token_mint
from shared.safety.errors import (
    AlertNotOpen,
    AlertRateLimited,
    CancelWindowPassed,
    NotAlertSender,
    NotAllowedToResolve,
)
from shared.safety.metrics import SAFETY_ALERTS
from shared.safety.models import (
    USER_ALERT_TYPES,
    Alert,
    AlertStatus,
    AlertTarget,
    CheckInTimer,
    LocationPoint,
)
from shared.safety.ratelimit import alert_rate_limit_hit, alert_rate_limit_refund
from shared.safety.selectors import (
    ADMIN_ROLES,
    SenderCrew,
    alert_crew_roles,
    crew_member_ids,
    sender_crews,
)
from shared.safety.services._common import (
    _accuracy,
    _crew_ids,
    _optional_point,
    _text,
    _visible_locked_alert,
)
from shared.safety.services.notices import CANCELLED, RAISED, RESOLVED, _deliver_soon


@dataclass(frozen=True)
class RaisedAlert:
    """A stored alert, and the crews it did not go to because the sender is not in them."""

    alert: Alert
    skipped_group_ids: list[UUID] = field(default_factory=list)


def _crews_check(
    *, user_id: UUID, group_ids: Sequence[UUID]
) -> tuple[list[SenderCrew], list[UUID]]:
    """Return the crews of `group_ids` the user is in (in that order), and the ids of the others
    (not theirs, removed, or not existing)."""
    found = sender_crews(user_id=user_id, group_ids=group_ids)
    crews = [found[group_id] for group_id in group_ids if group_id in found]
    return crews, [group_id for group_id in group_ids if group_id not in found]


def alert_raise(
    *,
    sender_id: UUID,
    group_ids: Sequence[UUID],
    alert_type: str,
    lat: float | None = None,
    lng: float | None = None,
    message: str = "",
    accuracy_m: float | None = None,
) -> RaisedAlert:
    """Raise an alert from the sender to the crews of `group_ids` they belong to.

    Crews the sender is not in are skipped (and listed in the result), so an alert is never
    lost to one stale crew in the client's list; when none is theirs, nothing is raised.
    No other service is asked: a slow or dead one cannot hold the alert up.

    The position is optional: a phone indoors or without location access must still reach
    its crew at once. Without one the alert's `location` stays empty until the sender's
    first position arrives through `alert_location_add`.

    Raises:
        ValidationError: an unknown type, no crew, too long a message, a bad or partial
            location (lat without lng), an accuracy without a location.
        AlertRateLimited: more than `SAFETY_ALERT_RATE_LIMIT` alerts in the window.
        GroupNotFound: the sender is in none of the crews (or they do not exist); the attempt
            does not count against the rate limit.
    Side effects: the `alert.raised` domain event (outbox); on commit, `safety_alerts_total`
        and the alert's notice into each crew's chat stream, sent in the background.
    """
    if alert_type not in USER_ALERT_TYPES:
        raise ValidationError({"alert_type": [f"Choose one of: {', '.join(USER_ALERT_TYPES)}."]})
    unique_group_ids = list(dict.fromkeys(group_ids))
    if not unique_group_ids:
        raise ValidationError({"group_ids": ["Name at least one crew."]})
    if len(unique_group_ids) > settings.SAFETY_ALERT_MAX_CREWS:
        raise ValidationError(
            {"group_ids": [f"At most {settings.SAFETY_ALERT_MAX_CREWS} crews per alert."]}
        )
    message = _text(message, field_name="message")
    point = _optional_point(lat, lng)
    _accuracy(accuracy_m)
    if point is None and accuracy_m is not None:
        raise ValidationError({"accuracy_m": ["An accuracy goes with a location."]})
    decision = alert_rate_limit_hit(user_id=sender_id)
    if decision.retry_after:
        raise AlertRateLimited(decision.retry_after)
    crews, skipped = _crews_check(user_id=sender_id, group_ids=unique_group_ids)
    if not crews:
        alert_rate_limit_refund(user_id=sender_id, decision=decision)
        raise GroupNotFound()
    alert = _alert_store(
        sender_id=sender_id,
        crews=crews,
        alert_type=alert_type,
        message=message,
        point=point,
        accuracy_m=accuracy_m,
    )
    return RaisedAlert(alert=alert, skipped_group_ids=skipped)


@transaction.atomic
def _alert_store(
    *,
    sender_id: UUID,
    crews: Sequence[SenderCrew],
    alert_type: str,
    message: str,
    point: Point | None,
    accuracy_m: float | None,
    timer: CheckInTimer | None = None,
) -> Alert:
    alert = Alert(
        sender_id=sender_id,
        alert_type=alert_type,
        message=message,
        location=point,
        check_in_due_at=timer.due_at if timer is not None else None,
    )
    # The database enforces the constraints and the fresh ids' uniqueness; checking them here
    # would cost a query each on the way of every alert.
    alert.full_clean(
        exclude=["sender", "resolved_by"], validate_unique=False, validate_constraints=False
    )
    alert.save(force_insert=True)
    AlertTarget.objects.bulk_create(
        [
            AlertTarget(
                alert=alert,
                group_id=crew.group_id,
                event_id=crew.event_id,
                event_details=crew.event,
            )
            for crew in crews
        ]
    )
    if point is not None:
        start = LocationPoint(
            alert=alert, point=point, recorded_at=alert.created_at, accuracy_m=accuracy_m
        )
        start.full_clean(exclude=["alert"], validate_unique=False)
        start.save(force_insert=True)
    group_ids = [crew.group_id for crew in crews]
    _alert_raised_enqueue(alert=alert, group_ids=group_ids, timer=timer)
    transaction.on_commit(partial(SAFETY_ALERTS.labels(alert_type).inc))
    transaction.on_commit(
        partial(_deliver_soon, alert_id=alert.id, group_ids=group_ids, change=RAISED)
    )
    return alert


def _alert_raised_enqueue(
    *, alert: Alert, group_ids: list[UUID], timer: CheckInTimer | None
) -> None:
    """Write the domain event that notifies the crews, with each member's acknowledgement token.

    Side effects: an outbox row (`alert.raised`, or `checkin.missed` for a timer's alert).
    """
    members = crew_member_ids(group_ids=group_ids)
    tokens = {
        str(user_id): ack_token_mint(alert_id=alert.id, user_id=user_id)
        for user_id in members
        if user_id != alert.sender_id
    }
    if timer is not None:
        event: AlertRaised | CheckInMissed = CheckInMissed(
            timer_id=timer.id,
            alert_id=alert.id,
            user_id=alert.sender_id,
            group_id=timer.group_id,
            due_at=timer.due_at,
            ack_tokens=tokens,
        )
    else:
        event = AlertRaised(
            alert_id=alert.id,
            sender_id=alert.sender_id,
            alert_type=alert.alert_type,
            message=alert.message,
            group_ids=tuple(group_ids),
            has_location=alert.location is not None,
            ack_tokens=tokens,
        )
    outbox_enqueue(event=event)


# --- Closing an alert ---


def _close(alert: Alert, change: str) -> None:
    group_ids = _crew_ids(alert.id)
    outbox_enqueue(
        event=AlertClosed(
            alert_id=alert.id, sender_id=alert.sender_id, status=change, group_ids=tuple(group_ids)
        )
    )

    transaction.on_commit(
        partial(_deliver_soon, alert_id=alert.id, group_ids=group_ids, change=change)
    )


@transaction.atomic
def alert_resolve(
    *, alert_id: UUID, actor_id: UUID, note: str = "", actor_is_moderator: bool = False
) -> Alert:
    """Close an open alert as dealt with, with an optional note; by its sender or a crew admin.

    Raises:
        AlertNotFound: the actor may not see the alert.
        NotAllowedToResolve: neither the sender nor an owner or admin of one of its crews.
        AlertNotOpen: already resolved or cancelled.
        ValidationError: too long a note.
    Side effects: on commit, a "resolved" notice into each crew's chat stream through the
        group service (stored and broadcast live).
    """
    note = _text(note, field_name="note")
    alert = _visible_locked_alert(
        alert_id=alert_id, viewer_id=actor_id, viewer_is_moderator=actor_is_moderator
    )
    if alert.sender_id != actor_id and not (
        alert_crew_roles(alert_id=alert_id, user_id=actor_id) & set(ADMIN_ROLES)
    ):
        raise NotAllowedToResolve()
    if not alert.is_open:
        raise AlertNotOpen()
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = timezone.now()
    alert.resolved_by_id = actor_id
    alert.resolution_note = note
    alert.full_clean(exclude=["sender", "resolved_by"], validate_constraints=False)
    alert.save(
        update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "updated_at"]
    )
    _close(alert, RESOLVED)
    return alert


@transaction.atomic
def alert_cancel(
    *, alert_id: UUID, actor_id: UUID, actor_is_moderator: bool = False, now: datetime | None = None
) -> Alert:
    """Withdraw one's own alert as a false alarm, within `SAFETY_ALERT_CANCEL_WINDOW_SECONDS`.

    Raises:
        AlertNotFound: the actor may not see the alert.
        NotAlertSender: someone other than its sender.
        AlertNotOpen: already resolved or cancelled.
        CancelWindowPassed: too late to call it a false alarm; resolve it instead.
    Side effects: on commit, a "cancelled" notice into each crew's chat stream through the
        group service (stored and broadcast live).
    """
    now = now or timezone.now()
    alert = _visible_locked_alert(
        alert_id=alert_id, viewer_id=actor_id, viewer_is_moderator=actor_is_moderator
    )
    if alert.sender_id != actor_id:
        raise NotAlertSender()
    if not alert.is_open:
        raise AlertNotOpen()
    if now - alert.created_at > timedelta(seconds=settings.SAFETY_ALERT_CANCEL_WINDOW_SECONDS):
        raise CancelWindowPassed()
    alert.status = AlertStatus.CANCELLED
    alert.cancelled_at = now
    alert.full_clean(exclude=["sender", "resolved_by"], validate_constraints=False)
    alert.save(update_fields=["status", "cancelled_at", "updated_at"])
    _close(alert, CANCELLED)
    return alert
