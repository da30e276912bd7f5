"""The data export: everything CrewUp holds on one user, read through each app's selectors.

Needs the events, groups, chat and moderation apps installed (the user service composes them).
CrewUp has no safety-alert model yet; when the safety app gets one, its selector joins here.
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


def user_data_export(*, user_id: UUID) -> UserDataExport:
    """Return everything held on the user: profile, events organised, RSVPs, crews, join
    requests, chat messages (deleted ones too: their text is still stored), reports filed and
    bans received.

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
    )
