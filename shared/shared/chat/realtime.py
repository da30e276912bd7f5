"""The live side of chat: channel-layer group names, payloads and broadcasts.

Group names are built from ids only (never from client input). Services call the
`broadcast_*` functions from `transaction.on_commit`, so nothing is announced that was not
stored. The channel layer delivers at most once: a broadcast that fails or is dropped is
counted, and the consumers fill gaps from the database by sequence number.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from shared.chat.models import Message
from shared.core.redis import redis_client
from shared.metrics import CHAT_BROADCAST_FAILURES

if TYPE_CHECKING:
    from shared.chat.selectors import MessageRecord

logger = logging.getLogger(__name__)


def chat_group_name(group_id: UUID | str) -> str:
    """The channel-layer group of every live socket on one crew's chat."""
    return f"chat.group.{group_id}"


def user_group_name(user_id: UUID | str) -> str:
    """The channel-layer group of every live socket of one user, on any crew."""
    return f"user.{user_id}"


def message_payload(message: Message | MessageRecord) -> dict[str, Any]:
    """The JSON a client receives for a message, live or from history (a model or a record)."""
    sender = message.sender
    deleted = message.deleted_at is not None
    return {
        "id": str(message.id),
        "group_id": str(message.group_id),
        "sequence": message.sequence,
        "kind": message.kind,
        "sender": (
            {"id": str(sender.id), "username": sender.username, "display_name": sender.display_name}
            if sender is not None
            else None
        ),
        "body": "" if deleted else message.body,
        "data": {} if deleted else message.data,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted_at": message.deleted_at.isoformat() if message.deleted_at is not None else None,
    }


def new_message_event(message: Message) -> dict[str, Any]:
    """The channel-layer event of a new message.

    Besides the payload, it carries the socket frame already encoded (`text`) and the commit
    time as a number (`created_ts`): each is computed once here rather than at each of the
    crew's sockets.
    """
    payload = message_payload(message)
    return {
        "type": "chat.message",
        "message": payload,
        "text": json.dumps({"type": "message", "message": payload}),
        "created_ts": message.created_at.timestamp(),
    }


def _group_send(group: str, event: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        if _publishes_on_redis_client(layer):
            _publish(layer, group, event)
        else:
            async_to_sync(layer.group_send)(group, event)
    except Exception:  # the message is stored; readers fill the gap from history
        CHAT_BROADCAST_FAILURES.inc()
        logger.warning("channel layer broadcast to %s failed", group, exc_info=True)
        return False
    return True


def _layer_config() -> dict[str, Any]:
    """The default channel layer's CONFIG (its Redis hosts and prefix)."""
    layers: Any = settings.CHANNEL_LAYERS
    return cast(dict[str, Any], layers["default"]["CONFIG"])


def _publishes_on_redis_client(layer: BaseChannelLayer) -> bool:
    """Whether a group send can be published on this process's Redis client (`_publish`)."""
    hosts = _layer_config()["hosts"]
    return isinstance(layer, RedisPubSubChannelLayer) and hosts == [settings.REDIS_URL]


def _publish(layer: RedisPubSubChannelLayer, group: str, event: dict[str, Any]) -> None:
    """The pub/sub layer's `group_send`, from synchronous code.

    The layer publishes the serialized event on the group's Redis channel, and every process
    with a socket in the group is subscribed to it. `async_to_sync(layer.group_send)` does the
    same on a new event loop with a new Redis connection each time: 3.6 ms of CPU a broadcast
    (a crew created, an alert posted to its crews), against 0.16 ms on this process's client
    (`bench/bench_broadcast.py`).
    """
    prefix = _layer_config().get("prefix", "asgi")
    redis_client().publish(f"{prefix}__group__{group}", layer.serialize(event))


def broadcast_message(message: Message) -> bool:
    """Fan a new stored message out to the crew's live sockets."""
    return _group_send(chat_group_name(message.group_id), new_message_event(message))


def broadcast_message_change(message: Message, *, event_type: str) -> bool:
    """Fan an edited or deleted message out to the crew's live sockets."""
    return _group_send(
        chat_group_name(message.group_id),
        {"type": event_type, "message": message_payload(message)},
    )


async def abroadcast_message(message: Message) -> bool:
    """`broadcast_message` for a caller on the event loop, after the message was committed.

    The chat socket stores a message on Django's one database thread; broadcasting from there
    (`on_commit`, through `async_to_sync`) kept that thread waiting for the busy event loop
    and Redis, and every other socket's message waiting behind it.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        await layer.group_send(chat_group_name(message.group_id), new_message_event(message))
    except Exception:  # the message is stored; readers fill the gap from history
        CHAT_BROADCAST_FAILURES.inc()
        logger.warning("channel layer broadcast to %s failed", message.group_id, exc_info=True)
        return False
    return True


def broadcast_to_group(group_id: UUID, *, event_type: str, payload: dict[str, Any]) -> bool:
    """Send a transient event (typing, presence, membership) to a crew's live sockets."""
    return _group_send(chat_group_name(group_id), {"type": event_type, **payload})


def close_user_sockets(user_id: UUID, *, code: int = 4403, reason: str = "user_banned") -> bool:
    """Close every live chat socket of a user, in every group-service process.

    The client reads `reason` from the error frame sent before the close and from the close
    frame itself; `user_banned` is the code a banned user's API calls and new sockets get too.

    Side effects: one channel-layer message to the user's group; each consumer closes itself.
    """
    return _group_send(
        user_group_name(user_id), {"type": "user.disconnect", "code": code, "reason": reason}
    )


def close_crew_sockets(*, group_id: UUID, reason: str = "crew_removed") -> bool:
    """Close every live socket on one crew's chat (the crew was taken down)."""
    return _group_send(
        chat_group_name(group_id),
        {"type": "user.disconnect", "code": 4403, "reason": reason, "group_id": str(group_id)},
    )


def close_member_sockets(*, group_id: UUID, user_id: UUID, reason: str) -> bool:
    """Close a user's sockets on one crew (they left or were removed)."""
    return _group_send(
        user_group_name(user_id),
        {"type": "user.disconnect", "code": 4403, "reason": reason, "group_id": str(group_id)},
    )
