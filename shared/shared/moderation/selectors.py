"""Reads of moderation: the ban list, the audit log and the report queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Model, QuerySet
from django.utils import timezone

from shared.accounts.models import User
from shared.chat.models import Message
from shared.events.models import Event
from shared.groups.models import Group
from shared.moderation.errors import BanNotFound, ReportNotFound
from shared.moderation.models import (
    OPEN_REPORT_STATUSES,
    Ban,
    ModerationAction,
    Report,
    TargetType,
)

TargetKey = tuple[str, UUID]


def ban_list(
    *,
    user_id: UUID | None = None,
    in_force: bool | None = None,
    now: datetime | None = None,
) -> QuerySet[Ban]:
    """Return bans, newest first, with the user and the moderators who set and lifted them.

    `in_force=True` keeps the bans that hold now, `False` the past ones (lifted or ended).
    """
    now = now or timezone.now()
    bans = Ban.objects.select_related("user", "created_by", "lifted_by")
    if user_id is not None:
        bans = bans.filter(user_id=user_id)
    if in_force is True:
        bans = bans.in_force_at(now)
    elif in_force is False:
        bans = bans.exclude(id__in=Ban.objects.in_force_at(now).values("id"))
    return bans.order_by("-starts_at", "-id")


def ban_get(*, ban_id: UUID) -> Ban:
    """Return one ban with its people.

    Raises:
        BanNotFound: no such ban.
    """
    ban = Ban.objects.select_related("user", "created_by", "lifted_by").filter(id=ban_id).first()
    if ban is None:
        raise BanNotFound()
    return ban


def ban_list_of_user(*, user_id: UUID) -> QuerySet[Ban]:
    """Return the user's bans, oldest first, for their own data export."""
    return Ban.objects.filter(user_id=user_id).order_by("starts_at", "id")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to; every field set narrows it further."""

    actor_id: UUID | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def audit_log_list(*, filters: AuditFilters | None = None) -> QuerySet[ModerationAction]:
    """Return the audit log, newest first, with each actor.

    `action` matches a whole code (`user.banned`) or a prefix ending in a dot (`report.`).
    """
    filters = filters or AuditFilters()
    entries = ModerationAction.objects.select_related("actor")
    if filters.actor_id is not None:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.action:
        if filters.action.endswith("."):
            entries = entries.filter(action__startswith=filters.action)
        else:
            entries = entries.filter(action=filters.action)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.target_id is not None:
        entries = entries.filter(target_id=filters.target_id)
    if filters.created_after is not None:
        entries = entries.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        entries = entries.filter(created_at__lt=filters.created_before)
    return entries.order_by("-created_at", "-id")


def report_list(
    *, status: str | None = None, assigned_to_id: UUID | None = None
) -> QuerySet[Report]:
    """Return the report queue, oldest first (first reported, first handled).

    Without `status`, the open reports and those in review.
    """
    reports = Report.objects.select_related(
        "reporter", "target_author", "assigned_to", "resolved_by"
    )
    if status:
        reports = reports.filter(status=status)
    else:
        reports = reports.filter(status__in=OPEN_REPORT_STATUSES)
    if assigned_to_id is not None:
        reports = reports.filter(assigned_to_id=assigned_to_id)
    return reports.order_by("created_at", "id")


def report_list_of_reporter(*, reporter_id: UUID) -> QuerySet[Report]:
    """Return the reports the user filed, newest first; nobody else's."""
    return Report.objects.filter(reporter_id=reporter_id).order_by("-created_at", "-id")


def report_get(*, report_id: UUID, reporter_id: UUID | None = None) -> Report:
    """Return one report with its people; with `reporter_id`, only if that user filed it.

    Raises:
        ReportNotFound: no such report (or one someone else filed, given `reporter_id`).
    """
    reports = Report.objects.select_related(
        "reporter", "target_author", "assigned_to", "resolved_by"
    )
    if reporter_id is not None:
        reports = reports.filter(reporter_id=reporter_id)
    report = reports.filter(id=report_id).first()
    if report is None:
        raise ReportNotFound()
    return report


# What the console shows of each kind of target, with the people and places it names.
_TARGET_QUERYSETS: dict[str, Callable[[], QuerySet[Model]]] = {
    TargetType.USER: lambda: User.objects.only(
        *User.SUMMARY_FIELDS, "created_at", "is_banned", "banned_until"
    ),
    TargetType.EVENT: lambda: Event.objects.select_related("organizer").defer("search_vector"),
    TargetType.CREW: lambda: Group.objects.select_related("event", "created_by").defer(
        "event__search_vector"
    ),
    TargetType.MESSAGE: lambda: Message.objects.select_related(
        "group", "group__event", "sender", "deleted_by"
    ).defer("group__event__search_vector"),
    TargetType.REPORT: lambda: Report.objects.select_related("reporter", "target_author"),
    TargetType.BAN: lambda: Ban.objects.select_related("user"),
}


def moderation_targets_get(*, keys: Iterable[TargetKey]) -> dict[TargetKey, Model]:
    """Return what audit rows and reports point at, by `(target_type, target_id)`.

    One query per kind of target asked for, however many rows ask, each with the people and
    places the console shows beside it. A target that no longer exists (or of a kind without
    a table) is missing from the result.
    """
    ids_by_type: dict[str, set[UUID]] = defaultdict(set)
    for target_type, target_id in keys:
        if target_type in _TARGET_QUERYSETS:
            ids_by_type[target_type].add(target_id)
    found: dict[TargetKey, Model] = {}
    for target_type, ids in ids_by_type.items():
        for target in _TARGET_QUERYSETS[target_type]().filter(id__in=ids):
            found[(target_type, target.pk)] = target
    return found
