"""The live side of notifications: each person's sockets hear their new notifications.

Every socket of one person (`/ws/me/`, served by the group service) listens on the channel
layer group `me.<user id>`. The notifier broadcasts after commit, without waiting (`_SendLoop`);
the channel layer delivers at most once, so a socket that missed a frame catches up from the
list API when it reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def me_group_name(user_id: UUID | str) -> str:
    """The channel-layer group of every `/ws/me/` socket of one person."""
    return f"me.{user_id}"


def notification_payload(notification: Any) -> dict[str, Any]:
    """The JSON the API and the socket give for a notification (without any delivery data)."""
    from shared.notifications.kinds import link_of

    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "payload": notification.payload,
        "link": link_of(notification.kind, notification.payload),
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


class _SendLoop:
    """One event loop per process, on a thread of its own, that sends to the channel layer.

    The notifier applies events one after another; waiting for each broadcast (a new event
    loop and Redis connection per `async_to_sync` call, 5 ms here) would hold up the next
    event. Sends are handed to this loop and not waited for: the channel layer delivers at
    most once anyway, and a socket that missed a frame reads the list when it reconnects.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="live-send", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def submit(self, coroutine: Coroutine[Any, Any, None]) -> Future[None]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())


_send_loop = _SendLoop()


async def _group_send_all(sends: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    results = await asyncio.gather(
        *(layer.group_send(group, event) for group, event in sends), return_exceptions=True
    )
    failed = [result for result in results if isinstance(result, BaseException)]
    if failed:  # Redis is away: the list API still has everything
        logger.warning("could not broadcast %s frames: %r", len(failed), failed[0])


def _send_all(sends: list[tuple[str, dict[str, Any]]]) -> Future[None] | None:
    """Hand frames to this process's send loop; return its future (tests wait on it)."""
    if not sends or get_channel_layer() is None:
        return None
    return _send_loop.submit(_group_send_all(sends))


def _send(user_id: UUID | str, event: dict[str, Any]) -> Future[None] | None:
    return _send_all([(me_group_name(user_id), event)])


def broadcast_notifications(
    *, notifications: list[Any], unread_counts: dict[Any, int]
) -> Future[None] | None:
    """Send new notifications to their recipients' open sockets, side by side."""
    return _send_all(
        [
            (
                me_group_name(notification.recipient_id),
                {
                    "type": "me.notification",
                    "notification": notification_payload(notification),
                    "unread_count": unread_counts[notification.recipient_id],
                },
            )
            for notification in notifications
        ]
    )


def broadcast_membership(*, user_id: UUID, group_id: UUID, change: str) -> Future[None] | None:
    """Tell a person's open sockets that their membership of a crew changed."""
    return _send(user_id, {"type": "me.membership", "group_id": str(group_id), "change": change})


def broadcast_unread(*, user_id: UUID, unread_count: int) -> Future[None] | None:
    """Tell a person's other open sockets how many notifications are unread now."""
    return _send(user_id, {"type": "me.unread", "unread_count": unread_count})
