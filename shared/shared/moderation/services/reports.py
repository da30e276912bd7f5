"""Reports: filed by any user, taken into review and resolved by moderators.

Resolving a report may remove its content (`removals`) or ban its author (`bans`), through
the same writes as a moderator's own takedown or ban.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.chat.errors import MessageNotFound
from shared.chat.selectors import chat_can_read, message_get
from shared.events.selectors import event_get
from shared.groups.models import MemberRole, Membership
from shared.groups.selectors import group_get
from shared.moderation.errors import (
    CannotReportSelf,
    ReportClosed,
    ReportNotFound,
    ReportTakenByOther,
)
from shared.moderation.models import (
    OPEN_REPORT_STATUSES,
    REPORT_REASON_MAX_LENGTH,
    ActionCode,
    Ban,
    RemovableTargetType,
    Report,
    ReportResolution,
    ReportStatus,
    ReportTargetType,
    TargetType,
)
from shared.moderation.services._common import _audit, _check_future, _clean_reason, _lock_user
from shared.moderation.services.bans import user_ban
from shared.moderation.services.removals import _remove


@transaction.atomic
def report_create(
    *, reporter_id: UUID, target_type: str, target_id: UUID, reason: str
) -> tuple[Report, bool]:
    """Report an event, a crew, a message or a user; return the report and whether it is new.

    The reporter must be able to see what they report (a private event they are not part of,
    a message of a crew they are not in, are "not found"). Reporting the same thing again
    while their first report is still open returns that report.

    Raises:
        ValidationError: an unknown `target_type`, or an empty or too long reason.
        EventNotFound, GroupNotFound, MessageNotFound, UserNotFound: nothing the reporter may
            see has this id.
        CannotReportSelf: a user reported themselves.
    """
    if target_type not in ReportTargetType.values:
        raise ValidationError(
            {"target_type": [f"Choose one of {', '.join(ReportTargetType.values)}."]}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say what is wrong."]})
    if len(reason) > REPORT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REPORT_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    author_id = _report_target_author(
        reporter_id=reporter_id, target_type=ReportTargetType(target_type), target_id=target_id
    )
    # Serialise one reporter's reports, so a double click makes one report.
    _lock_user(reporter_id)
    existing = Report.objects.filter(
        reporter_id=reporter_id,
        target_type=target_type,
        target_id=target_id,
        status__in=OPEN_REPORT_STATUSES,
    ).first()
    if existing is not None:
        return existing, False
    report = Report(
        reporter_id=reporter_id,
        target_type=target_type,
        target_id=target_id,
        target_author_id=author_id,
        reason=reason,
    )
    report.full_clean(exclude=["reporter", "target_author"], validate_constraints=False)
    report.save()
    return report, True


def _report_target_author(
    *, reporter_id: UUID, target_type: ReportTargetType, target_id: UUID
) -> UUID | None:
    """Check the reporter may see the target and return whose it is."""
    if target_type == ReportTargetType.EVENT:
        return event_get(event_id=target_id, viewer_id=reporter_id).organizer_id
    if target_type == ReportTargetType.CREW:
        group = group_get(group_id=target_id, viewer_id=reporter_id)
        owner = (
            Membership.objects.filter(group=group, role=MemberRole.OWNER)
            .values_list("user_id", flat=True)
            .first()
        )
        return owner or group.created_by_id
    if target_type == ReportTargetType.MESSAGE:
        message = message_get(message_id=target_id)
        if message is None or not chat_can_read(group_id=message.group_id, user_id=reporter_id):
            raise MessageNotFound()
        return message.sender_id
    if target_id == reporter_id:
        raise CannotReportSelf()
    if not User.objects.filter(id=target_id, deleted_at__isnull=True).exists():
        raise UserNotFound()
    return target_id


@transaction.atomic
def report_take(*, report_id: UUID, moderator_id: UUID, now: datetime | None = None) -> Report:
    """Take an open report into review: it is assigned to the moderator. Taking it again is a no-op.

    Raises:
        ReportNotFound: no such report.
        ReportClosed: it was resolved or dismissed.
        ReportTakenByOther: another moderator is reviewing it.
    Side effects:
        writes the `report.taken` audit row.
    """
    report = _lock_report(report_id)
    if report.is_closed:
        raise ReportClosed()
    if report.status == ReportStatus.IN_REVIEW:
        if report.assigned_to_id == moderator_id:
            return report
        raise ReportTakenByOther()
    report.status = ReportStatus.IN_REVIEW
    report.assigned_to_id = moderator_id
    report.save(update_fields=["status", "assigned_to", "updated_at"])
    _audit(
        actor_id=moderator_id,
        action=ActionCode.REPORT_TAKEN,
        target_type=TargetType.REPORT,
        target_id=report.id,
        data=_report_data(report),
    )
    return report


@transaction.atomic
def report_resolve(
    *,
    report_id: UUID,
    moderator_id: UUID,
    action: str,
    note: str,
    ban_until: datetime | None = None,
    now: datetime | None = None,
) -> Report:
    """Close a report: dismiss it, remove the reported content, or ban its author.

    Any moderator may resolve an open report or one in review (a team shares the queue). The
    note is the reason given to the takedown or the ban (10-500 characters). Content already
    removed, or an author already banned, does not stop the report from being resolved; the
    audit row says so.

    Raises:
        ValidationError: an unknown action, a note that is not 10-500 characters, a
            `ban_until` without `ban_author` or not in the future, `remove_content` on a
            reported user, or `ban_author` where nobody wrote the content.
        ReportNotFound: no such report.
        ReportClosed: it was resolved or dismissed already.
        CannotBanSelf, CannotBanAdmin, UserNotFound: from `user_ban`.
        EventNotFound, GroupNotFound, MessageNotFound: the content no longer exists.
    Side effects:
        writes the `report.resolved` or `report.dismissed` audit row, plus those of the
        takedown or the ban (and its `UserBanned` outbox row).
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if action not in ReportResolution.values:
        errors["action"] = [f"Choose one of {', '.join(ReportResolution.values)}."]
    note = _clean_reason(note, "note", errors)
    if ban_until is not None and action != ReportResolution.BAN_AUTHOR:
        errors["ban_until"] = ["Only a ban has an end time."]
    _check_future(ban_until, "ban_until", now, errors)
    if errors:
        raise ValidationError(errors)
    report = _lock_report(report_id)
    if report.is_closed:
        raise ReportClosed()
    outcome: dict[str, Any] = {}
    if action == ReportResolution.REMOVE_CONTENT:
        if report.target_type == ReportTargetType.USER:
            raise ValidationError(
                {"action": ["A user is not content to remove; ban them instead."]}
            )
        removed = _remove(
            moderator_id=moderator_id,
            target_type=RemovableTargetType(report.target_type),
            target_id=report.target_id,
            reason=note,
            now=now,
        )
        outcome["already_removed"] = removed is None
    elif action == ReportResolution.BAN_AUTHOR:
        if report.target_author_id is None:
            raise ValidationError(
                {"action": ["Nobody wrote this content; there is no one to ban."]}
            )
        in_force = Ban.objects.in_force_at(now).filter(user_id=report.target_author_id).first()
        if in_force is None:
            in_force = user_ban(
                moderator_id=moderator_id,
                user_id=report.target_author_id,
                reason=note,
                until=ban_until,
                now=now,
            )
            outcome["already_banned"] = False
        else:
            outcome["already_banned"] = True
        outcome["ban_id"] = str(in_force.id)
    report.status = (
        ReportStatus.DISMISSED if action == ReportResolution.DISMISS else ReportStatus.RESOLVED
    )
    report.resolution = action
    report.resolution_note = note
    report.resolved_at = now
    report.resolved_by_id = moderator_id
    report.assigned_to_id = report.assigned_to_id or moderator_id
    report.save(
        update_fields=[
            "status",
            "resolution",
            "resolution_note",
            "resolved_at",
            "resolved_by",
            "assigned_to",
            "updated_at",
        ]
    )
    _audit(
        actor_id=moderator_id,
        action=(
            ActionCode.REPORT_DISMISSED
            if action == ReportResolution.DISMISS
            else ActionCode.REPORT_RESOLVED
        ),
        target_type=TargetType.REPORT,
        target_id=report.id,
        reason=note,
        data={**_report_data(report), "resolution": action, **outcome},
    )
    return report


def _lock_report(report_id: UUID) -> Report:
    report = Report.objects.select_for_update().filter(id=report_id).first()
    if report is None:
        raise ReportNotFound()
    return report


def _report_data(report: Report) -> dict[str, Any]:
    return {"target_type": report.target_type, "target_id": str(report.target_id)}
