"""Reads on safety: alerts as a viewer may see them, their trail, and check-in timers.

Who sees an alert: its sender, the members of the crews it went to, and moderators. Anyone
else gets `AlertNotFound` (404): they do not learn that it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.gis.db.models import PointField
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from shared.api.representation import iso_datetime
from shared.core.sql import records_cursor
from shared.events.models import EventVisibility
from shared.events.selectors import event_visibility_sql
from shared.groups.models import MemberRole, Membership
from shared.safety.errors import AlertNotFound, CheckInTimerNotFound
from shared.safety.models import (
    Alert,
    AlertAcknowledgement,
    AlertQuerySet,
    AlertStatus,
    AlertTarget,
    CheckInStatus,
    CheckInTimer,
    LocationPoint,
)

# The trail a detail view carries inline; the whole trail is paged by `alert_locations`.
DETAIL_TRAIL_LENGTH = 100
ADMIN_ROLES = (MemberRole.OWNER, MemberRole.ADMIN)


def _with_latest_location(alerts: AlertQuerySet) -> AlertQuerySet:
    latest = LocationPoint.objects.filter(alert_id=OuterRef("pk")).order_by("-recorded_at", "-id")
    return alerts.annotate(
        latest_point=Subquery(latest.values("point")[:1], output_field=PointField(geography=True)),
        latest_recorded_at=Subquery(latest.values("recorded_at")[:1]),
        latest_accuracy_m=Subquery(latest.values("accuracy_m")[:1]),
    )


def _readable(alerts: AlertQuerySet, *, latest_location: bool = True) -> AlertQuerySet:
    if latest_location:
        alerts = _with_latest_location(alerts)
    return alerts.select_related("sender", "resolved_by").prefetch_related(
        Prefetch("targets", queryset=AlertTarget.objects.select_related("group"))
    )


def alert_visible_queryset(*, viewer_id: UUID, viewer_is_moderator: bool) -> AlertQuerySet:
    """Return every alert the viewer may see: all of them for a moderator."""
    if viewer_is_moderator:
        return Alert.objects.all()
    return Alert.objects.visible_to(viewer_id)


def alert_get(*, alert_id: UUID, viewer_id: UUID, viewer_is_moderator: bool = False) -> Alert:
    """Return the alert with its sender, crews, latest position, acknowledgements and trail.

    `alert.trail` holds the last `DETAIL_TRAIL_LENGTH` positions, oldest first.

    Raises:
        AlertNotFound: no such alert, or one the viewer may not see.
    """
    alerts = alert_visible_queryset(viewer_id=viewer_id, viewer_is_moderator=viewer_is_moderator)
    alert = (
        # The latest position is the trail's last, read below: no subqueries for it here.
        _readable(alerts, latest_location=False)
        .prefetch_related(
            Prefetch(
                "acknowledgements",
                queryset=AlertAcknowledgement.objects.select_related("user").order_by(
                    "created_at", "id"
                ),
            )
        )
        .filter(id=alert_id)
        .first()
    )
    if alert is None:
        raise AlertNotFound()
    recent = LocationPoint.objects.filter(alert_id=alert.id).order_by("-recorded_at", "-id")
    trail = list(reversed(recent[:DETAIL_TRAIL_LENGTH]))
    latest = trail[-1] if trail else None
    alert.trail = trail  # type: ignore[attr-defined]
    alert.latest_point = latest.point if latest else None  # type: ignore[attr-defined]
    alert.latest_recorded_at = latest.recorded_at if latest else None  # type: ignore[attr-defined]
    alert.latest_accuracy_m = latest.accuracy_m if latest else None  # type: ignore[attr-defined]
    return alert


def alert_list(*, viewer_id: UUID, status: str | None = None) -> QuerySet[Alert]:
    """Return the alerts of the viewer's crews (their own included), newest first.

    `status` keeps one state (`open` for what still needs the crew).
    """
    alerts = Alert.objects.visible_to(viewer_id)
    if status is not None:
        alerts = alerts.filter(status=status)
    return _readable(alerts).order_by("-created_at", "id")


def alert_list_sent(*, sender_id: UUID, status: str | None = None) -> QuerySet[Alert]:
    """Return the alerts the user raised (timers' alerts included), newest first."""
    alerts = Alert.objects.filter(sender_id=sender_id)
    if status is not None:
        alerts = alerts.filter(status=status)
    return _readable(alerts).order_by("-created_at", "id")


def alert_locations(
    *, alert_id: UUID, viewer_id: UUID, viewer_is_moderator: bool = False
) -> QuerySet[LocationPoint]:
    """Return the alert's whole trail, oldest first.

    Raises:
        AlertNotFound: no such alert, or one the viewer may not see.
    """
    alerts = alert_visible_queryset(viewer_id=viewer_id, viewer_is_moderator=viewer_is_moderator)
    if not alerts.filter(id=alert_id).exists():
        raise AlertNotFound()
    return LocationPoint.objects.filter(alert_id=alert_id).order_by("recorded_at", "id")


def alert_crew_roles(*, alert_id: UUID, user_id: UUID) -> set[str]:
    """Return the user's roles in the crews the alert went to (empty: in none of them)."""
    return set(
        Membership.objects.filter(
            user_id=user_id,
            group_id__in=AlertTarget.objects.filter(alert_id=alert_id).values("group_id"),
        ).values_list("role", flat=True)
    )


@dataclass(frozen=True)
class SenderCrew:
    """A crew the sender of an alert is in, with its event as the sender may see it ({} if hidden)."""

    group_id: UUID
    role: str
    event_id: UUID
    event: dict[str, Any]


def sender_crews(*, user_id: UUID, group_ids: Sequence[UUID]) -> dict[UUID, SenderCrew]:
    """Return the active crews of `group_ids` the user is in, by id, in one query.

    Each carries the user's role and the crew's event as the user may see it: the fields an
    alert keeps of it (`id`, `title`, `event_type`, `status`, `starts_at`, `ends_at`,
    `venue_name`, `address`, times in ISO 8601), or {} when the event is hidden to them.
    Read from the tables the group and event services write, with their own visibility rule
    (`event_visibility_sql`): an alert needs no round trip to either service (ADR 0004).
    """
    joins, _, visible = event_visibility_sql(user_id)
    sql = (
        "SELECT g.id, m.role, e.id, e.title, e.event_type, e.status, e.starts_at, e.ends_at,"  # noqa: S608 - constants only
        f" e.venue_name, e.address, ({' AND '.join(visible)}) AS visible"
        " FROM groups_membership m JOIN groups_group g ON g.id = m.group_id"
        f" JOIN events_event e ON e.id = g.event_id {joins}"
        " WHERE m.user_id = %(viewer)s AND m.group_id = ANY(%(groups)s) AND g.removed_at IS NULL"
    )
    params = {"viewer": user_id, "groups": list(group_ids), "public": EventVisibility.PUBLIC}
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    crews = {}
    for group_id, role, event_id, title, event_type, status, starts_at, ends_at, *rest in rows:
        venue_name, address, visible_to_sender = rest
        event = {
            "id": str(event_id),
            "title": title,
            "event_type": event_type,
            "status": status,
            "starts_at": iso_datetime(starts_at),
            "ends_at": iso_datetime(ends_at),
            "venue_name": venue_name,
            "address": address,
        }
        crews[group_id] = SenderCrew(
            group_id=group_id,
            role=role,
            event_id=event_id,
            event=event if visible_to_sender else {},
        )
    return crews


def crew_member_ids(*, group_ids: Sequence[UUID]) -> list[UUID]:
    """Return everyone in these crews, once each (the people an alert to them reaches)."""
    return list(
        dict.fromkeys(
            Membership.objects.filter(group_id__in=group_ids)
            .order_by("created_at")
            .values_list("user_id", flat=True)
        )
    )


def crew_ids_of(*, user_id: UUID) -> set[UUID]:
    """Return the ids of every crew the user belongs to."""
    return set(Membership.objects.filter(user_id=user_id).values_list("group_id", flat=True))


def alert_open_count() -> int:
    """Return how many alerts are open."""
    return Alert.objects.filter(status=AlertStatus.OPEN).count()


def alert_targets_undelivered(*, created_before: datetime, limit: int) -> list[AlertTarget]:
    """Return crews whose "raised" notice has not reached their chat, oldest first."""
    return list(
        AlertTarget.objects.filter(delivered_at__isnull=True, created_at__lt=created_before)
        .select_related("alert")
        .order_by("created_at", "id")[:limit]
    )


def alert_targets_closure_undelivered(*, closed_before: datetime, limit: int) -> list[AlertTarget]:
    """Return crews of resolved or cancelled alerts whose closing notice is still missing."""
    return list(
        AlertTarget.objects.filter(
            closure_delivered_at__isnull=True,
            alert__status__in=(AlertStatus.RESOLVED, AlertStatus.CANCELLED),
            alert__updated_at__lt=closed_before,
        )
        .select_related("alert")
        .order_by("alert__updated_at", "id")[:limit]
    )


def checkin_timer_get(*, timer_id: UUID, user_id: UUID) -> CheckInTimer:
    """Return one of the user's own timers.

    Raises:
        CheckInTimerNotFound: no such timer, or someone else's.
    """
    timer = (
        CheckInTimer.objects.select_related("group", "fired_alert")
        .filter(id=timer_id, user_id=user_id)
        .first()
    )
    if timer is None:
        raise CheckInTimerNotFound()
    return timer


def checkin_timer_list(*, user_id: UUID, status: str | None = None) -> QuerySet[CheckInTimer]:
    """Return the user's timers, the soonest due first among the active ones."""
    timers = CheckInTimer.objects.filter(user_id=user_id).select_related("group", "fired_alert")
    if status is not None:
        timers = timers.filter(status=status)
    return timers.order_by("-created_at", "id")


def checkin_timers_due(*, before: datetime, limit: int) -> list[tuple[UUID, datetime]]:
    """Return (id, due_at) of active timers due before `before`, soonest first."""
    return list(
        CheckInTimer.objects.filter(status=CheckInStatus.ACTIVE, due_at__lt=before)
        .order_by("due_at", "id")
        .values_list("id", "due_at")[:limit]
    )
