"""The data export: everything CrewUp holds on one user, read through each app's selectors.

Needs the events, groups, chat, moderation, safety and notifications apps installed (the user
service composes them). `EXPORTED` says, for every reference to a user in the schema, which
part of the export holds its rows; a test compares it with the installed models
(`shared.privacy.erasure.user_references`), so a model added later cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.selectors import user_get_profile
from shared.chat.models import Message
from shared.chat.selectors import message_list_of_sender
from shared.events.models import Event, Participation
from shared.events.selectors import event_list_organized_by, participation_list_of_user
from shared.groups.models import JoinRequest, Membership
from shared.groups.selectors import join_request_list_of_user, membership_list_of_user
from shared.moderation.models import Ban, Report
from shared.moderation.selectors import ban_list_of_user, report_list_of_reporter
from shared.notifications.models import Notification, NotificationPreference, PushSubscription
from shared.notifications.selectors import (
    notification_list_of_recipient,
    preference_list_of_user,
    push_subscription_list_of_user,
)
from shared.safety.models import Alert, AlertAcknowledgement, CheckInTimer
from shared.safety.selectors import (
    acknowledgement_list_of_user,
    alert_list_of_sender,
    checkin_timer_list,
)

# Every reference to a user, as "app_label.Model.field", and the part of `UserDataExport`
# that holds its rows. None: the rows are someone else's record in which the user only acted
# (a moderator's ban, a crew admin's decision, who resolved another's alert), or name the
# user as the subject of others' words (reports about them would expose their reporters).
EXPORTED: dict[str, str | None] = {
    "admin.LogEntry.user": None,
    "chat.Message.sender": "messages",
    "chat.Message.deleted_by": None,
    "events.Event.organizer": "events_organised",
    "events.Participation.user": "rsvps",
    "groups.Group.created_by": None,  # their place in the crew is in `crew_memberships`
    "groups.Membership.user": "crew_memberships",
    "groups.JoinRequest.user": "join_requests",
    "groups.JoinRequest.decided_by": None,
    "groups.Invite.created_by": None,
    "moderation.Ban.user": "bans",
    "moderation.Ban.created_by": None,
    "moderation.Ban.lifted_by": None,
    "moderation.ModerationAction.actor": None,
    "moderation.Report.reporter": "reports_filed",
    "moderation.Report.target_author": None,
    "moderation.Report.assigned_to": None,
    "moderation.Report.resolved_by": None,
    "notifications.Notification.recipient": "notifications",
    "notifications.NotificationPreference.user": "notification_preferences",
    "notifications.PushSubscription.user": "push_subscriptions",
    # With each alert's crews and its whole trail (the sender's positions).
    "safety.Alert.sender": "alerts_raised",
    "safety.Alert.resolved_by": None,
    "safety.AlertAcknowledgement.user": "alert_acknowledgements",
    "safety.CheckInTimer.user": "check_in_timers",
}


@dataclass(frozen=True)
class UserDataExport:
    """One user's data, each part in the order its selector gives."""

    exported_at: datetime
    user: User
    events_organised: list[Event]
    rsvps: list[Participation]
    crew_memberships: list[Membership]
    join_requests: list[JoinRequest]
    messages: list[Message]
    reports_filed: list[Report]
    bans: list[Ban]
    alerts_raised: list[Alert]
    alert_acknowledgements: list[AlertAcknowledgement]
    check_in_timers: list[CheckInTimer]
    notifications: list[Notification]
    notification_preferences: list[NotificationPreference]
    push_subscriptions: list[PushSubscription]


def user_data_export(*, user_id: UUID) -> UserDataExport:
    """Return everything held on the user: profile, events organised, RSVPs, crews, join
    requests, chat messages (deleted ones too: their text is still stored), reports filed,
    bans received, safety alerts raised (with their crews and trails), answers to alerts,
    check-in timers, notifications, notification choices and push subscriptions.

    Reports filed *about* the user are not theirs to read (they would expose the reporters),
    nor are moderators' names on their bans.

    Raises:
        UserNotFound: no such user, or an erased account.
    """
    user = user_get_profile(user_id=user_id)
    return UserDataExport(
        exported_at=timezone.now(),
        user=user,
        events_organised=list(event_list_organized_by(organizer_id=user.id)),
        rsvps=list(participation_list_of_user(user_id=user.id)),
        crew_memberships=list(membership_list_of_user(user_id=user.id)),
        join_requests=list(join_request_list_of_user(user_id=user.id)),
        messages=list(message_list_of_sender(sender_id=user.id)),
        reports_filed=list(report_list_of_reporter(reporter_id=user.id)),
        bans=list(ban_list_of_user(user_id=user.id)),
        alerts_raised=list(alert_list_of_sender(sender_id=user.id)),
        alert_acknowledgements=list(acknowledgement_list_of_user(user_id=user.id)),
        check_in_timers=list(checkin_timer_list(user_id=user.id)),
        notifications=list(notification_list_of_recipient(recipient_id=user.id)),
        notification_preferences=list(preference_list_of_user(user_id=user.id)),
        push_subscriptions=list(push_subscription_list_of_user(user_id=user.id)),
    )
