"""Safety alert notices in a crew's chat stream, written by the group service on request.

The chat belongs to the group service, which owns each crew's numbered stream and its live
broadcast (docs/adr/0006), so the safety service does not write chat messages: it calls
`POST /internal/v1/groups/{id}/safety-alerts/`, whose view calls `safety_alert_notice_post`. A notice is a `safety_alert` message in the crew's numbered
stream (members offline find it in the history; sockets fill gaps with it) and a
`safety.alert` broadcast (a `safety_alert` frame on the sockets online).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection, transaction

from shared.chat import realtime
from shared.chat.errors import ChatNotFound
from shared.chat.models import Message, MessageKind
from shared.chat.selectors import chat_group_exists
from shared.chat.services import message_post_system

SAFETY_ALERT_EVENT = "safety.alert"
NOTICE_CHANGES = ("raised", "resolved", "cancelled")


@dataclass
class AlertNoticePosted:
    """The chat message of a notice; `created` is False for a repeat of a stored notice."""

    message: Message
    created: bool
    # Whether the live broadcast reached the channel layer (False for a repeat: not resent).
    broadcast: bool = False


def _notice_lock_key(group_id: UUID, alert_id: UUID, change: str) -> int:
    digest = hashlib.blake2b(
        f"safety-notice:{group_id}:{alert_id}:{change}".encode(), digest_size=8
    )
    return int.from_bytes(digest.digest(), "big", signed=True)


def _notice_body(change: str, alert: dict[str, Any]) -> str:
    sender = alert.get("sender") or {}
    name = sender.get("display_name") or sender.get("username") or "Someone"
    kind = str(alert.get("alert_type") or "safety").replace("_", " ")
    if change == "raised":
        return f"{name} raised a {kind} alert."
    return f"{name}'s {kind} alert was {change}."


@transaction.atomic
def safety_alert_notice_post(
    *, group_id: UUID, alert_id: UUID, change: str, alert: dict[str, Any]
) -> AlertNoticePosted:
    """Store one notice of an alert in the crew's chat stream, once, and broadcast it.

    The same (crew, alert, change) asked again returns the stored message untouched, so the
    safety service may retry freely. Two concurrent asks are serialised by a transaction-level
    advisory lock on that triple.

    Raises:
        ChatNotFound: no such crew, or one taken down.
        ValueError: an unknown change.
    Side effects: on commit, the message is broadcast as a chat message and as a
        `safety.alert` event (`{"change", "alert_id", "alert", "message"}`) to the crew's
        sockets; `broadcast` on the result says whether the channel layer took it.
    """
    if change not in NOTICE_CHANGES:
        raise ValueError(change)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [_notice_lock_key(group_id, alert_id, change)]
        )
    if not chat_group_exists(group_id=group_id):
        raise ChatNotFound()
    existing = Message.objects.filter(
        group_id=group_id,
        kind=MessageKind.SAFETY_ALERT,
        data__alert_id=str(alert_id),
        data__change=change,
    ).first()
    if existing is not None:
        return AlertNoticePosted(message=existing, created=False)
    message = message_post_system(
        group_id=group_id,
        kind=MessageKind.SAFETY_ALERT,
        body=_notice_body(change, alert),
        data={"alert_id": str(alert_id), "change": change, "alert": alert},
    )
    posted = AlertNoticePosted(message=message, created=True)
    payload = {
        "change": change,
        "alert_id": str(alert_id),
        "alert": alert,
        "message": {"id": str(message.id), "sequence": message.sequence},
    }

    def broadcast() -> None:
        posted.broadcast = realtime.broadcast_to_group(
            group_id, event_type=SAFETY_ALERT_EVENT, payload=payload
        )

    transaction.on_commit(broadcast)
    return posted


# Notices are few (one per alert, crew and change): cleared a batch at a time.
_CLEAR_BATCH = 500


def safety_notice_locations_clear(*, before: datetime) -> int:
    """Clear the sender's position from the safety notices stored before `before`.

    The safety service keeps locations for `SAFETY_LOCATION_RETENTION_DAYS`; the notices in
    the crews' chat carry a copy, which goes at the same time. The rest of a notice (who, what,
    when) stays in the history. Returns how many notices were cleared; running it again clears
    none.
    """
    notices = (
        Message.objects.filter(
            kind=MessageKind.SAFETY_ALERT, created_at__lt=before, data__alert__has_key="location"
        )
        .exclude(data__alert__location=None)
        .only("id", "data")
    )
    cleared = 0
    while batch := list(notices[:_CLEAR_BATCH]):
        for notice in batch:
            notice.data["alert"]["location"] = None
        with transaction.atomic():
            Message.objects.bulk_update(batch, ["data"])
        cleared += len(batch)
    return cleared


@transaction.atomic
def safety_notices_anonymise(
    *, group_ids: list[UUID], alert_ids: list[UUID], sender: dict[str, Any] | None
) -> int:
    """Clear an erased sender from the notices of their alerts in these crews' chat.

    A notice keeps a copy of the alert: the sender's name, position and message. The copy
    gets the anonymised account's summary (`sender`) instead, no position and no message (nor
    a resolution note of theirs), and the notice's text is written anew from it. Returns how
    many notices changed; running it again changes them the same way.
    """
    if not alert_ids:
        return 0
    notices = list(
        Message.objects.select_for_update()
        .filter(
            group_id__in=group_ids,
            kind=MessageKind.SAFETY_ALERT,
            data__alert_id__in=[str(alert_id) for alert_id in alert_ids],
        )
        .only("id", "body", "data")
        .order_by("id")
    )
    for notice in notices:
        alert = notice.data.get("alert") or {}
        sender_id = (alert.get("sender") or {}).get("id")
        resolver_id = (alert.get("resolved_by") or {}).get("id")
        if resolver_id is not None and resolver_id == sender_id:
            alert["resolved_by"] = sender
            alert["resolution_note"] = ""
        alert.update(sender=sender, location=None, message="")
        notice.data["alert"] = alert
        notice.body = _notice_body(str(notice.data.get("change")), alert)
    Message.objects.bulk_update(notices, ["body", "data"])
    return len(notices)
