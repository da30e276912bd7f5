"""A realistic payload of every notification kind, as the notifier builds them from events.

For tests here and in the suites that deliver notifications; no payload holds a location.
"""

from __future__ import annotations

from typing import Any

from shared.notifications.kinds import NotificationKind

ALERT_ID = "6f1c1a52-8f0e-4c5e-9a43-2f4b8f3d9a10"
GROUP_ID = "0b7e2f0c-52a4-4a59-9b2f-4c1e3a6f7d21"
EVENT_ID = "9d3a5b1e-7c2f-4e8a-b6d0-1f2e3c4b5a69"
ALICE_ID = "1a2b3c4d-0000-4000-8000-00000000a11c"
BOB_ID = "1a2b3c4d-0000-4000-8000-000000000b0b"

EXAMPLE_PAYLOADS: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.ALERT_RAISED: {
        "alert_id": ALERT_ID,
        "alert_type": "lost",
        "sender_id": ALICE_ID,
        "sender_name": "Alice",
        "message": "Lost you at the exit",
        "group_ids": [GROUP_ID],
        "group_names": ["Front row"],
        "has_location": True,
    },
    NotificationKind.ALERT_ACKNOWLEDGED: {
        "alert_id": ALERT_ID,
        "user_id": BOB_ID,
        "user_name": "Bob",
        "acknowledgement": "on_my_way",
    },
    NotificationKind.ALERT_RESOLVED: {
        "alert_id": ALERT_ID,
        "sender_name": "Alice",
        "status": "resolved",
    },
    NotificationKind.CHECK_IN_MISSED: {
        "alert_id": ALERT_ID,
        "user_id": ALICE_ID,
        "user_name": "Alice",
        "due_at": "2026-12-05T22:30:00Z",
        "group_id": GROUP_ID,
        "group_name": "Front row",
    },
    NotificationKind.JOIN_REQUESTED: {
        "group_id": GROUP_ID,
        "group_name": "Front row",
        "user_id": BOB_ID,
        "user_name": "Bob",
    },
    NotificationKind.JOIN_APPROVED: {"group_id": GROUP_ID, "group_name": "Front row"},
    NotificationKind.JOIN_REJECTED: {"group_id": GROUP_ID, "group_name": "Front row"},
    NotificationKind.INVITE_USED: {
        "group_id": GROUP_ID,
        "group_name": "Front row",
        "user_id": BOB_ID,
        "user_name": "Bob",
    },
    NotificationKind.WAITLIST_PROMOTED: {
        "event_id": EVENT_ID,
        "event_title": "Jazz by the river",
        "starts_at": "2026-12-05T18:00:00Z",
    },
    NotificationKind.EVENT_CHANGED: {
        "event_id": EVENT_ID,
        "event_title": "Jazz by the river",
        "starts_at": "2026-12-05T18:30:00Z",
        "changed": ["starts_at", "venue_name"],
    },
    NotificationKind.EVENT_CANCELLED: {
        "event_id": EVENT_ID,
        "event_title": "Jazz by the river",
        "starts_at": "2026-12-05T18:00:00Z",
    },
    NotificationKind.EVENT_REMINDER: {
        "event_id": EVENT_ID,
        "event_title": "Jazz by the river",
        "starts_at": "2026-12-05T18:00:00Z",
        "venue_name": "Kulturens hus",
        "lead": "24h",
    },
    NotificationKind.BANNED: {
        "until": "2026-12-31T23:00:00Z",
        "reason": "Spam links in three crews.",
    },
    NotificationKind.UNBANNED: {},
}
