"""Writes on safety: raising and answering alerts, the sender's trail, and check-in timers.

Owned by the safety service. Raising an alert needs no other service (ADR 0001): whether the
sender is in each crew, and each crew's event as the sender may see it, are read in one
query from the tables the group and event services write. The alert is stored in one
transaction with the domain event that notifies the crews (push, e-mail, the members' live
channel). After the commit, on a thread of the process's own (`shared.core.background`), the
group service posts the alert into each crew's chat stream over HTTP, which stores it
(members offline find it in the history) and broadcasts it (members online get a
`safety_alert` frame); a notice it cannot take is retried by the safety worker and swept up
by beat. No dependency can stop or slow down an alert: the answer never waits for one.

The "resolved" and "cancelled" notices take the same path into the chat. Acknowledgements and
positions are transient: they go to the crews' live sockets straight through the channel
layer. No database transaction is ever held open across an HTTP call.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shared.core.background import BackgroundJobs
from shared.groups.errors import GroupNotFound
from shared.groups.selectors import is_member
from shared.http.client import call_budget
from shared.http.errors import ServiceUnavailable
from shared.http.groups import AlertNoticeReceipt, group_safety_alert_post
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import AlertAcknowledged, AlertClosed, AlertRaised, CheckInMissed
from shared.safety import hooks, live
from shared.safety.ack_tokens import ack_token_mint, ack_token_read
from shared.safety.errors import (
    AckTokenInvalid,
    AlertNotFound,
    AlertNotOpen,
    AlertRateLimited,
    CancelWindowPassed,
    CannotAcknowledgeOwnAlert,
    CheckInTimerExists,
    CheckInTimerNotActive,
    CheckInTimerNotFound,
    NotAlertCrewMember,
    NotAlertSender,
    NotAllowedToResolve,
)
from shared.safety.metrics import SAFETY_ALERT_DELIVERY_SECONDS, SAFETY_ALERTS
from shared.safety.models import (
    MAX_MESSAGE_LENGTH,
    USER_ALERT_TYPES,
    AcknowledgementKind,
    AcknowledgementTokenUse,
    Alert,
    AlertAcknowledgement,
    AlertStatus,
    AlertTarget,
    AlertType,
    CheckInStatus,
    CheckInTimer,
    LocationPoint,
)
from shared.safety.ratelimit import alert_rate_limit_hit, alert_rate_limit_refund
from shared.safety.selectors import (
    ADMIN_ROLES,
    SenderCrew,
    alert_crew_roles,
    alert_targets_closure_undelivered,
    alert_targets_undelivered,
    alert_visible_queryset,
    checkin_timers_due,
    crew_member_ids,
    sender_crews,
)

logger = logging.getLogger(__name__)

# The changes of an alert that become notices in a crew's chat stream.
RAISED = "raised"
RESOLVED = AlertStatus.RESOLVED.value
CANCELLED = AlertStatus.CANCELLED.value
CLOSURES = {AlertStatus.RESOLVED: RESOLVED, AlertStatus.CANCELLED: CANCELLED}
# Notices one change posts at once (one per crew).
MAX_PARALLEL_CALLS = 8
# A position may be stamped a little ahead of our clock (the phone's clock runs fast).
CLOCK_SKEW = timedelta(seconds=60)


# --- Validation helpers ---


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


# --- Raising an alert ---


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


_notices = BackgroundJobs("alert-notices")


def _deliver_soon(*, alert_id: UUID, group_ids: list[UUID], change: str) -> None:
    """Hand the notices of a committed change to this process's notice thread; never raises.

    With `SAFETY_NOTICES_IN_BACKGROUND` off (the tests), they are delivered here and now.
    """
    deliver = partial(_deliver_or_retry, alert_id=alert_id, group_ids=group_ids, change=change)
    if not settings.SAFETY_NOTICES_IN_BACKGROUND:
        deliver()
        return
    try:
        # In a copy of this context: the request id goes along to the group service and the logs.
        _notices.submit(partial(contextvars.copy_context().run, deliver))
    except Exception as error:  # no thread to be had: the retry task delivers them
        for group_id in group_ids:
            _retry_later(alert_id, group_id, change, error)


def _deliver_or_retry(*, alert_id: UUID, group_ids: list[UUID], change: str) -> None:
    """Deliver a notice to each crew now, side by side; hand failures to the retry hook.

    Runs after a commit, on the notice thread (`_deliver_soon`): the alert is stored whatever
    happens here, and the deliveries together get `SAFETY_DEPENDENCY_BUDGET_SECONDS`. Never
    raises. The database
    is read and written here, in the committing thread; only the calls run side by side.
    """
    try:
        targets = list(
            AlertTarget.objects.select_related("alert__sender", "alert__resolved_by").filter(
                alert_id=alert_id, group_id__in=group_ids
            )
        )
    except Exception:  # the database went away after the commit: the sweep catches up
        logger.exception("alert notices not delivered", extra={"alert_id": str(alert_id)})
        for group_id in group_ids:
            hooks.alert_notice_undelivered.fire(alert_id, group_id, change)
        return
    due: list[AlertTarget] = []
    for target in targets:
        if not _notice_due(target, change):
            continue
        if change != RAISED and target.delivered_at is None:
            # A closure goes after the "raised" notice, which is still missing: send it first.
            try:
                alert_notice_deliver(
                    alert_id=target.alert_id, group_id=target.group_id, change=RAISED
                )
            except Exception as error:  # the closure waits for its retry, in order
                _retry_later(target.alert_id, target.group_id, change, error)
                continue
        due.append(target)
    with call_budget(settings.SAFETY_DEPENDENCY_BUDGET_SECONDS):
        if len(due) <= 1:
            outcomes = [_notice_post_safely(target, change) for target in due]
        else:
            with ThreadPoolExecutor(max_workers=min(len(due), MAX_PARALLEL_CALLS)) as pool:
                calls = [
                    pool.submit(contextvars.copy_context().run, _notice_post_safely, target, change)
                    for target in due
                ]
            outcomes = [call.result() for call in calls]
    for target, outcome in zip(due, outcomes, strict=True):
        try:
            if isinstance(outcome, Exception):
                raise outcome
            _notice_record(target, change, outcome)
        except Exception as error:  # the group service is away, or worse: retry, never fail
            _retry_later(target.alert_id, target.group_id, change, error)


def _retry_later(alert_id: UUID, group_id: UUID, change: str, error: Exception) -> None:
    level = logging.WARNING if isinstance(error, ServiceUnavailable) else logging.ERROR
    logger.log(
        level,
        "alert notice not delivered; queueing a retry",
        exc_info=error if level == logging.ERROR else None,
        extra={"alert_id": str(alert_id), "group_id": str(group_id), "change": change},
    )
    hooks.alert_notice_undelivered.fire(alert_id, group_id, change)


def _notice_due(target: AlertTarget, change: str) -> bool:
    """Whether this notice still has to go to the crew (and may go now)."""
    if change == RAISED:
        return target.delivered_at is None
    return (
        CLOSURES.get(AlertStatus(target.alert.status)) == change
        and target.closure_delivered_at is None
    )


def _notice_post(target: AlertTarget, change: str) -> AlertNoticeReceipt | None:
    return group_safety_alert_post(
        group_id=target.group_id,
        alert_id=target.alert_id,
        change=change,
        alert=live.alert_payload(target.alert, target=target),
    )


def _notice_post_safely(target: AlertTarget, change: str) -> AlertNoticeReceipt | Exception | None:
    """The call alone (no database), its failure returned to the committing thread."""
    try:
        return _notice_post(target, change)
    except Exception as error:  # handed back, and retried from there
        return error


def _notice_record(target: AlertTarget, change: str, receipt: AlertNoticeReceipt | None) -> None:
    now = timezone.now()
    if receipt is None:
        logger.warning(
            "crew gone before its alert notice",
            extra={"alert_id": str(target.alert_id), "group_id": str(target.group_id)},
        )
    if change == RAISED:
        AlertTarget.objects.filter(pk=target.pk).update(
            delivered_at=now, message_sequence=receipt.sequence if receipt else None
        )
        if receipt is not None and receipt.created and receipt.broadcast:
            SAFETY_ALERT_DELIVERY_SECONDS.observe(
                max(0.0, time.time() - target.alert.created_at.timestamp())
            )
    else:
        AlertTarget.objects.filter(pk=target.pk).update(closure_delivered_at=now)


def alert_notice_deliver(*, alert_id: UUID, group_id: UUID, change: str) -> bool:
    """Have the group service post one notice of the alert into one crew's chat stream.

    Safe to call again for the same notice: the group service stores each (alert, change)
    once, and a delivered notice is not sent twice from here. A closing notice goes after
    the "raised" one, which is delivered first if it is still missing. Returns False when
    there is nothing to deliver (no such crew of the alert, or a closure the alert has not
    had). Deliberately not one transaction: no row is locked while the group service answers.

    Raises:
        ServiceUnavailable: the group service (or the identity provider) cannot take it now.
    Side effects: a chat message and a `safety.alert` broadcast in the group service; marks
        the crew delivered; observes `safety_alert_delivery_seconds` for a first delivery.
    """
    target = (
        AlertTarget.objects.select_related("alert__sender", "alert__resolved_by")
        .filter(alert_id=alert_id, group_id=group_id)
        .first()
    )
    if target is None:
        return False
    if change != RAISED and CLOSURES.get(AlertStatus(target.alert.status)) != change:
        return False
    if not _notice_due(target, change):
        return True
    if change != RAISED and target.delivered_at is None:
        alert_notice_deliver(alert_id=alert_id, group_id=group_id, change=RAISED)
    _notice_record(target, change, _notice_post(target, change))
    return True


def alert_notices_redeliver(*, now: datetime | None = None, limit: int = 100) -> int:
    """Deliver the notices that have waited longer than `SAFETY_NOTICE_REDELIVER_AFTER_SECONDS`.

    The periodic catch-up for notices whose delivery and retries all failed (the group
    service was down, the broker too). Stops at the first failure: the group service is
    still away, and the next run tries again. Returns how many notices were delivered.

    Side effects: those of `alert_notice_deliver`.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SAFETY_NOTICE_REDELIVER_AFTER_SECONDS)
    pending = [
        (target, RAISED) for target in alert_targets_undelivered(created_before=cutoff, limit=limit)
    ] + [
        (target, CLOSURES[AlertStatus(target.alert.status)])
        for target in alert_targets_closure_undelivered(closed_before=cutoff, limit=limit)
    ]
    delivered = 0
    for target, change in pending:
        try:
            if alert_notice_deliver(
                alert_id=target.alert_id, group_id=target.group_id, change=change
            ):
                delivered += 1
        except ServiceUnavailable:
            logger.warning("alert notices still undeliverable; next run retries")
            break
    return delivered


# --- Answering an alert ---


def _visible_locked_alert(*, alert_id: UUID, viewer_id: UUID, viewer_is_moderator: bool) -> Alert:
    visible = alert_visible_queryset(viewer_id=viewer_id, viewer_is_moderator=viewer_is_moderator)
    if not visible.filter(id=alert_id).exists():
        raise AlertNotFound()
    return Alert.objects.select_for_update(of=("self",)).select_related("sender").get(id=alert_id)


def _crew_ids(alert_id: UUID) -> list[UUID]:
    return list(AlertTarget.objects.filter(alert_id=alert_id).values_list("group_id", flat=True))


@transaction.atomic
def alert_acknowledge(
    *, alert_id: UUID, user_id: UUID, kind: str, user_is_moderator: bool = False
) -> AlertAcknowledgement:
    """Record (or change) a crew member's answer to an open alert: seen, on my way, with them.

    Raises:
        AlertNotFound: the user may not see the alert.
        CannotAcknowledgeOwnAlert: the sender answering their own alert.
        NotAlertCrewMember: a moderator outside the alert's crews.
        AlertNotOpen: the alert was resolved or cancelled.
        ValidationError: an unknown kind.
    Side effects: on commit, an `acknowledged` change to the crews' live sockets (the sender
        sees who answered).
    """
    if kind not in AcknowledgementKind.values:
        raise ValidationError(
            {"kind": [f"Choose one of: {', '.join(AcknowledgementKind.values)}."]}
        )
    alert = _visible_locked_alert(
        alert_id=alert_id, viewer_id=user_id, viewer_is_moderator=user_is_moderator
    )
    if alert.sender_id == user_id:
        raise CannotAcknowledgeOwnAlert()
    if not alert_crew_roles(alert_id=alert_id, user_id=user_id):
        raise NotAlertCrewMember()
    if not alert.is_open:
        raise AlertNotOpen()
    acknowledgement, _ = AlertAcknowledgement.objects.update_or_create(
        alert_id=alert_id, user_id=user_id, defaults={"kind": kind}
    )
    acknowledgement = AlertAcknowledgement.objects.select_related("user").get(pk=acknowledgement.pk)
    payload = {"acknowledgement": live.acknowledgement_payload(acknowledgement)}
    group_ids = _crew_ids(alert_id)
    outbox_enqueue(
        event=AlertAcknowledged(
            alert_id=alert_id, sender_id=alert.sender_id, user_id=user_id, acknowledgement=kind
        )
    )
    transaction.on_commit(
        lambda: live.broadcast_change(
            alert_id=alert_id, group_ids=group_ids, change="acknowledged", payload=payload
        )
    )
    return acknowledgement


@transaction.atomic
def alert_acknowledge_with_token(*, alert_id: UUID, token: str, kind: str) -> AlertAcknowledgement:
    """Answer an alert with a push notification's single-use token (see `ack_tokens`).

    The token stands for its member: the same rules as `alert_acknowledge` apply to them, and
    they must not be banned or erased.

    Raises:
        AckTokenInvalid: a token that is forged, expired, for another alert, already used, or
            of a member who may no longer answer (banned, erased).
        The errors of `alert_acknowledge`.
    Side effects: those of `alert_acknowledge`; the token's nonce recorded as used.
    """
    from shared.accounts.models import User

    grant = ack_token_read(token=token, alert_id=alert_id)
    if grant is None:
        raise AckTokenInvalid()
    user = (
        User.objects.filter(id=grant.user_id)
        .only("id", "is_banned", "banned_until", "deleted_at")
        .first()
    )
    if user is None or user.is_deleted or user.is_banned_at():
        raise AckTokenInvalid()
    try:
        with transaction.atomic():
            AcknowledgementTokenUse.objects.create(nonce=grant.nonce, alert_id=alert_id)
    except IntegrityError:
        raise AckTokenInvalid() from None
    return alert_acknowledge(alert_id=alert_id, user_id=grant.user_id, kind=kind)


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


# --- Check-in timers ---


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


# --- Retention ---


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


# --- Erasure ---


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
