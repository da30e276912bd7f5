"""The kinds of notification, what each one's payload holds, and where it leads in the app.

A notification is made by the user service's notifier from a domain event (see
`shared.messaging.schemas`); its `payload` is a small JSON object of the facts below, enough
to render it in any language and to link to it without another read. No payload holds a
location or a trail: a push message leaves our systems, so it carries no position.

| kind                      | payload                                                          |
|---------------------------|------------------------------------------------------------------|
| safety.alert_raised       | alert_id, alert_type, sender_id, sender_name, message,           |
|                           | group_ids, group_names, has_location                             |
| safety.alert_acknowledged | alert_id, user_id, user_name, acknowledgement (seen, on_my_way,  |
|                           | with_them)                                                       |
| safety.alert_resolved     | alert_id, sender_name, status (resolved or cancelled)            |
| safety.check_in_missed    | alert_id, user_id, user_name, due_at, group_id, group_name       |
| crew.join_requested       | group_id, group_name, user_id, user_name                         |
| crew.join_approved        | group_id, group_name                                             |
| crew.join_rejected        | group_id, group_name                                             |
| crew.invite_used          | group_id, group_name, user_id, user_name                         |
| event.waitlist_promoted   | event_id, event_title, starts_at                                 |
| event.changed             | event_id, event_title, starts_at, changed (field names)          |
| event.cancelled           | event_id, event_title, starts_at                                 |
| event.reminder            | event_id, event_title, starts_at, venue_name, lead (24h or 2h)   |
| account.banned            | until (null: until lifted), reason                               |
| account.unbanned          | (nothing)                                                        |

Times are ISO 8601 strings in UTC; ids are UUID strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    ALERT_RAISED = "safety.alert_raised"
    ALERT_ACKNOWLEDGED = "safety.alert_acknowledged"
    ALERT_RESOLVED = "safety.alert_resolved"
    CHECK_IN_MISSED = "safety.check_in_missed"
    JOIN_REQUESTED = "crew.join_requested"
    JOIN_APPROVED = "crew.join_approved"
    JOIN_REJECTED = "crew.join_rejected"
    INVITE_USED = "crew.invite_used"
    WAITLIST_PROMOTED = "event.waitlist_promoted"
    EVENT_CHANGED = "event.changed"
    EVENT_CANCELLED = "event.cancelled"
    EVENT_REMINDER = "event.reminder"
    BANNED = "account.banned"
    UNBANNED = "account.unbanned"


class Channel(StrEnum):
    IN_APP = "in_app"
    PUSH = "push"
    EMAIL = "email"


# Safety kinds always go in-app and by push: a person cannot silence a call for help.
SAFETY_KINDS = frozenset(kind for kind in NotificationKind if kind.value.startswith("safety."))
ALWAYS_ON = frozenset({Channel.IN_APP, Channel.PUSH})

# Which channels each kind uses when the user has not chosen (e-mail for what can wait, and
# for the facts a person must not miss).
DEFAULT_CHANNELS: dict[NotificationKind, frozenset[Channel]] = {
    kind: frozenset({Channel.IN_APP, Channel.PUSH}) for kind in NotificationKind
}
for _kind in (
    NotificationKind.ALERT_RAISED,
    NotificationKind.CHECK_IN_MISSED,
    NotificationKind.EVENT_CANCELLED,
    NotificationKind.EVENT_CHANGED,
    NotificationKind.EVENT_REMINDER,
    NotificationKind.BANNED,
    NotificationKind.UNBANNED,
):
    DEFAULT_CHANNELS[_kind] = frozenset(Channel)


def is_safety(kind: str) -> bool:
    """Whether `kind` is a safety kind (never silenced in-app or by push)."""
    return kind in SAFETY_KINDS


def link_of(kind: str, payload: dict[str, Any]) -> str:
    """The app path a notification opens (its deep link), from its kind and payload."""
    if kind.startswith("safety."):
        return f"/safety?alert={payload['alert_id']}"
    if kind in (NotificationKind.JOIN_REQUESTED, NotificationKind.INVITE_USED):
        return f"/crews/{payload['group_id']}"
    if kind == NotificationKind.JOIN_APPROVED:
        return f"/crews/{payload['group_id']}/chat"
    if kind == NotificationKind.JOIN_REJECTED:
        return "/crews"
    if kind.startswith("event."):
        return f"/events/{payload['event_id']}"
    return "/profile"
