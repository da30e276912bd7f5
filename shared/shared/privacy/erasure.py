"""Erasing an account at its owner's request: the one write of accounts that reaches every app.

The row is kept, anonymised, because others' data points to it (the events they organised,
their chat messages, the audit log and reports). What the user took part in is undone through
each app's own services, so counters, waitlists and crew ownership stay true. Needs the events,
groups, chat, safety and notifications apps installed (the user service composes them).

`ERASURE` says, for every reference to a user in the schema, what erasing does to the rows
that hold it; `user_references` lists those references from the installed models, and a test
compares the two, so a model added later cannot be forgotten here (nor in the export's
`shared.privacy.export.EXPORTED`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.services import user_anonymise
from shared.api.representation import user_summary
from shared.chat.alerts import safety_notices_anonymise
from shared.events.models import EventStatus
from shared.events.selectors import event_list_organized_by, participation_list_of_user
from shared.events.services import event_cancel, event_leave
from shared.groups.models import JoinRequestStatus, MemberRole, Membership
from shared.groups.selectors import (
    group_members,
    join_request_list_of_user,
    membership_list_of_user,
)
from shared.groups.services import group_leave, group_transfer_ownership, join_request_cancel
from shared.notifications.services import notifications_erase
from shared.safety.services import safety_data_erase

logger = logging.getLogger(__name__)


class Erasure(StrEnum):
    """What erasing an account does to the rows that point to it."""

    # Withdrawn through the app's own services (counters, waitlists and owners stay true).
    UNDONE = "undone"
    # The rows go.
    DELETED = "deleted"
    # The rows stay for others, with the person's data in them cleared.
    ANONYMISED = "anonymised"
    # Others' record (a crew's history, the audit log): the rows stay as they are, pointing
    # to the anonymised account, which shows as "Deleted user".
    KEPT = "kept"


# Every reference to a user, as "app_label.Model.field", and what erasing does to its rows.
ERASURE: dict[str, Erasure] = {
    "admin.LogEntry.user": Erasure.KEPT,  # the console's history of a moderator's edits
    "chat.Message.sender": Erasure.KEPT,  # the crew's conversation; shown as "Deleted user"
    "chat.Message.deleted_by": Erasure.KEPT,
    # Upcoming ones cancelled, past ones kept as history.
    "events.Event.organizer": Erasure.UNDONE,
    "events.Participation.user": Erasure.UNDONE,
    "groups.Group.created_by": Erasure.KEPT,
    "groups.Membership.user": Erasure.UNDONE,
    # Pending ones cancelled; decided ones are the crew's record.
    "groups.JoinRequest.user": Erasure.UNDONE,
    "groups.JoinRequest.decided_by": Erasure.KEPT,
    "groups.Invite.created_by": Erasure.KEPT,
    # Bans, reports and the audit log are moderation's record.
    "moderation.Ban.user": Erasure.KEPT,
    "moderation.Ban.created_by": Erasure.KEPT,
    "moderation.Ban.lifted_by": Erasure.KEPT,
    "moderation.ModerationAction.actor": Erasure.KEPT,
    "moderation.Report.reporter": Erasure.KEPT,
    "moderation.Report.target_author": Erasure.KEPT,
    "moderation.Report.assigned_to": Erasure.KEPT,
    "moderation.Report.resolved_by": Erasure.KEPT,
    # Only the person ever sees these.
    "notifications.Notification.recipient": Erasure.DELETED,
    "notifications.NotificationPreference.user": Erasure.DELETED,
    "notifications.PushSubscription.user": Erasure.DELETED,
    # The alert stays for the crews it reached, without the person's positions and words
    # (`safety_data_erase`); their answers and timers go.
    "safety.Alert.sender": Erasure.ANONYMISED,
    "safety.Alert.resolved_by": Erasure.KEPT,  # the crew's record of who dealt with it
    "safety.AlertAcknowledgement.user": Erasure.DELETED,
    "safety.CheckInTimer.user": Erasure.DELETED,
}


def user_references() -> list[str]:
    """Every field of an installed model that points to a user, as "app_label.Model.field".

    Foreign keys, one-to-one and many-to-many fields alike; sorted.
    """
    user_model = get_user_model()
    return sorted(
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if (field.many_to_one or field.one_to_one or field.many_to_many)
        and not field.auto_created
        and field.related_model is user_model
    )


@transaction.atomic
def user_account_delete(*, user_id: UUID, now: datetime | None = None) -> User:
    """Erase the user's account: undo their participation, then anonymise their row.

    In order, all in one transaction:
    1. events they organise that have not ended are cancelled (past ones stay, as history);
    2. their RSVPs to others' events are withdrawn (seats go to the waitlist);
    3. they leave every crew: an owner first hands the crew to its next admin, else its
       longest-standing member; a crew they are alone in is closed, as the groups rules say;
       pending join requests are cancelled. Crews moderation took down are left as they are;
    4. their safety data: the alerts they raised stay for their crews without their position,
       trail and words (the copies in the crews' chat notices too); their answers to others'
       alerts and their check-in timers are deleted (`shared.safety.services.safety_data_erase`);
    5. their notifications, notification choices and push subscriptions are deleted;
    6. the row is anonymised (`user_anonymise`): username `deleted-user-<8 hex>`, e-mail,
       names, profile and roles cleared, inactive, `keycloak_id` replaced, and the token
       subject recorded as erased: its tokens, even those still valid, are refused everywhere
       from the commit on (`account_erased`), and never make a new account. Their messages
       stay, shown as "Deleted user".

    `ERASURE` lists what happens to every reference to the user. The identity provider's
    own account is not deleted here (Keycloak's admin API is for the operator's tooling);
    signing in there again gets no CrewUp account.

    Raises:
        UserNotFound: no such user, or an account already erased.
    Side effects:
        the groups' `member_left` hooks after commit (chat notices, sockets closed).
    """
    now = now or timezone.now()
    user = User.objects.select_for_update().filter(id=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise UserNotFound()
    _leave_events(user, now)
    _leave_crews(user, now)
    safety = safety_data_erase(user_id=user.id, now=now)
    notifications_erase(user_id=user.id)
    user = user_anonymise(user_id=user.id, now=now)
    safety_notices_anonymise(
        group_ids=safety.group_ids, alert_ids=safety.alert_ids, sender=user_summary(user)
    )
    logger.info("account erased", extra={"erased_user_id": str(user.id)})
    return user


def _leave_events(user: User, now: datetime) -> None:
    upcoming = event_list_organized_by(organizer_id=user.id).filter(
        status=EventStatus.SCHEDULED, ends_at__gt=now
    )
    for event_id in upcoming.order_by("id").values_list("id", flat=True):
        event_cancel(event_id=event_id, actor_id=user.id, now=now)
    rsvps = participation_list_of_user(user_id=user.id).exclude(event__organizer_id=user.id)
    for event_id in rsvps.order_by("event_id").values_list("event_id", flat=True):
        event_leave(event_id=event_id, user_id=user.id, now=now)


def _leave_crews(user: User, now: datetime) -> None:
    memberships = membership_list_of_user(user_id=user.id).filter(group__removed_at__isnull=True)
    for membership in memberships.order_by("group_id"):
        if membership.role == MemberRole.OWNER and membership.group.member_count > 1:
            successor = _successor(membership)
            group_transfer_ownership(
                group_id=membership.group_id, actor_id=user.id, new_owner_id=successor
            )
        group_leave(group_id=membership.group_id, user_id=user.id, now=now)
    pending = join_request_list_of_user(user_id=user.id).filter(
        status=JoinRequestStatus.PENDING, group__removed_at__isnull=True
    )
    for request in pending:
        join_request_cancel(
            group_id=request.group_id, request_id=request.id, user_id=user.id, now=now
        )


def _successor(membership: Membership) -> UUID:
    """The next admin of the crew, else its longest-standing member (the groups' own order)."""
    others = group_members(group_id=membership.group_id, viewer_id=membership.user_id).exclude(
        user_id=membership.user_id
    )
    return others.values_list("user_id", flat=True)[0]
