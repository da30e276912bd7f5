"""Reads on safety: alerts as a viewer may see them, their trail, and check-in timers.

Who sees an alert: its sender, the members of the crews it went to, and moderators. Anyone
else gets `AlertNotFound` (404): they do not learn that it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import orjson
from django.db.models import Prefetch, QuerySet

from shared.accounts.models import User, UserSummary
from shared.api.representation import iso_datetime
from shared.core.sql import records_cursor, table
from shared.events.models import Event, EventVisibility
from shared.events.selectors import event_visibility_sql
from shared.groups.models import Group, MemberRole, Membership
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


def _readable(alerts: AlertQuerySet) -> AlertQuerySet:
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
        # The latest position is the trail's last, read below.
        _readable(alerts)
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


# --- Alert lists, read in SQL ---


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert of a list as the API shows it, read without model instances.

    `location` and each of `crews` are already in their output shape; `crews` holds only the
    crews the viewer may see of it (all for its sender and for moderators).
    """

    id: UUID
    alert_type: str
    message: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolution_note: str
    cancelled_at: datetime | None
    # Built from further columns: never filled by position.
    _: KW_ONLY
    location: dict[str, float] | None
    sender: UserSummary
    resolved_by: UserSummary | None
    latest_location: dict[str, Any] | None
    crews: list[dict[str, Any]]
    check_in_due_at: datetime | None


@dataclass(frozen=True)
class AlertPage:
    """A slice of an alert list and the size of the whole list."""

    total: int
    alerts: list[AlertRecord]


def alert_search(
    *,
    viewer_id: UUID,
    sent_only: bool = False,
    status: str | None = None,
    sees_all_crews: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> AlertPage:
    """One page of the alerts of the viewer's crews (their own included), or of those they sent
    (`sent_only`), newest first, and their number, in one query.

    Visibility as `Alert.objects.visible_to` (the sender, and the members of its crews). The
    page is chosen and counted on the alert rows alone, then only its own alerts get their
    people, latest position and crews.
    """
    params: dict[str, Any] = {
        "viewer": viewer_id,
        "all_crews": sees_all_crews,
        "offset": offset,
        "limit": limit,
    }
    where = ["a.sender_id = %(viewer)s"]
    if not sent_only:
        where = [
            f"(a.sender_id = %(viewer)s OR EXISTS (SELECT 1 FROM {table(AlertTarget)} t"  # noqa: S608 - constants only
            f" JOIN {table(Membership)} m ON m.group_id = t.group_id AND m.user_id = %(viewer)s"
            " WHERE t.alert_id = a.id))"
        ]
    if status is not None:
        where.append("a.status = %(status)s")
        params["status"] = status
    page = (
        f"SELECT a.id, a.created_at, count(*) OVER () AS total FROM {table(Alert)} a"  # noqa: S608 - constants only
        f" WHERE {' AND '.join(where)}"
        " ORDER BY a.created_at DESC, a.id LIMIT %(limit)s OFFSET %(offset)s"
    )
    sql = (
        "SELECT a.id, a.alert_type, a.message, a.status, a.created_at, a.resolved_at,"  # noqa: S608 - constants only
        " a.resolution_note, a.cancelled_at,"
        " ST_Y(a.location::geometry), ST_X(a.location::geometry),"
        f" {UserSummary.columns('s')}, {UserSummary.columns('r')},"
        " latest.lat, latest.lng, latest.recorded_at, latest.accuracy_m,"
        " crews.ids, crews.names, crews.events, crews.delivered, a.check_in_due_at, page.total"
        f" FROM ({page}) page JOIN {table(Alert)} a ON a.id = page.id"
        f" JOIN {table(User)} s ON s.id = a.sender_id"
        f" LEFT JOIN {table(User)} r ON r.id = a.resolved_by_id"
        " LEFT JOIN LATERAL (SELECT ST_Y(p.point::geometry) AS lat, ST_X(p.point::geometry) AS lng,"
        f"  p.recorded_at, p.accuracy_m FROM {table(LocationPoint)} p WHERE p.alert_id = a.id"
        "  ORDER BY p.recorded_at DESC, p.id DESC LIMIT 1) latest ON true"
        " LEFT JOIN LATERAL (SELECT array_agg(t.group_id ORDER BY t.created_at, t.id) AS ids,"
        "  array_agg(g.name ORDER BY t.created_at, t.id) AS names,"
        "  array_agg(t.event_details::text ORDER BY t.created_at, t.id) AS events,"
        "  array_agg(t.delivered_at ORDER BY t.created_at, t.id) AS delivered"
        f"  FROM {table(AlertTarget)} t JOIN {table(Group)} g ON g.id = t.group_id"
        "  WHERE t.alert_id = a.id AND (%(all_crews)s OR a.sender_id = %(viewer)s OR EXISTS"
        f"  (SELECT 1 FROM {table(Membership)} m WHERE m.group_id = t.group_id"
        "   AND m.user_id = %(viewer)s))) crews ON true"
        " ORDER BY page.created_at DESC, page.id"
    )
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return AlertPage(total=rows[0][-1] if rows else 0, alerts=[_alert_record(row) for row in rows])


def _alert_record(row: tuple[Any, ...]) -> AlertRecord:
    lat, lng = row[8:10]
    latest_lat, latest_lng, recorded_at, accuracy_m = row[22:26]
    ids, names, events, delivered = (value or [] for value in row[26:30])
    return AlertRecord(
        *row[:8],
        location=None if lat is None else {"lat": lat, "lng": lng},
        sender=cast(UserSummary, UserSummary.from_columns(row[10:16])),
        resolved_by=UserSummary.from_columns(row[16:22]),
        latest_location=None
        if latest_lat is None
        else {
            "lat": latest_lat,
            "lng": latest_lng,
            "recorded_at": iso_datetime(recorded_at),
            "accuracy_m": accuracy_m,
        },
        crews=[
            {
                "id": str(group_id),
                "name": name,
                "event": crew_event_shown(orjson.loads(details)),
                "delivered_at": iso_datetime(delivered_at),
            }
            for group_id, name, details, delivered_at in zip(
                ids, names, events, delivered, strict=True
            )
        ],
        check_in_due_at=row[30],
    )


# What an alert shows of a crew's event (the copy it keeps), in this order.
CREW_EVENT_FIELDS = (
    "id",
    "title",
    "event_type",
    "status",
    "starts_at",
    "ends_at",
    "venue_name",
    "address",
)


def crew_event_shown(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """The crew's event as an alert shows it: the copy it kept then, read for what is there
    (never trusting its shape), or None when the event was hidden to the sender."""
    if not details:
        return None
    return {name: details.get(name) for name in CREW_EVENT_FIELDS}


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
    (`event_visibility_sql`): an alert needs no round trip to either service (ADR 0001).
    """
    joins, _, visible = event_visibility_sql(user_id)
    sql = (
        "SELECT g.id, m.role, e.id, e.title, e.event_type, e.status, e.starts_at, e.ends_at,"  # noqa: S608 - constants only
        f" e.venue_name, e.address, ({' AND '.join(visible)}) AS visible"
        f" FROM {table(Membership)} m JOIN {table(Group)} g ON g.id = m.group_id"
        f" JOIN {table(Event)} e ON e.id = g.event_id {joins}"
        " WHERE m.user_id = %(viewer)s AND m.group_id = ANY(%(groups)s) AND g.removed_at IS NULL"
    )
    params: dict[str, Any] = {
        "viewer": user_id,
        "groups": list(group_ids),
        "public": EventVisibility.PUBLIC,
    }
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


# --- A user's own safety data (the data export) ---


def alert_list_of_sender(*, sender_id: UUID) -> QuerySet[Alert]:
    """Return every alert the user raised, newest first, with its crews and its whole trail."""
    return (
        Alert.objects.filter(sender_id=sender_id)
        .prefetch_related(
            Prefetch("targets", queryset=AlertTarget.objects.order_by("created_at", "id")),
            Prefetch("locations", queryset=LocationPoint.objects.order_by("recorded_at", "id")),
        )
        .order_by("-created_at", "id")
    )


def acknowledgement_list_of_user(*, user_id: UUID) -> QuerySet[AlertAcknowledgement]:
    """Return the user's answers to alerts, oldest first."""
    return AlertAcknowledgement.objects.filter(user_id=user_id).order_by("created_at", "id")
