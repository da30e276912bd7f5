"""The crew chat socket: `/ws/groups/<id>/chat/`.

Protocol (JSON frames):
- client → server: `auth` {token}, `message` {body, client_id?}, `typing`, `edit` {message_id,
  body}, `delete` {message_id}, `sync` {after}, `ping`.
- server → client: `ready` {group_id, last_sequence, online}, `auth_ok` {expires_at}, `message`
  {message}, `ack` {client_id, sequence, id}, `message_edited` / `message_deleted` {message},
  `typing` {user_id}, `presence` {online}, `member_joined` / `member_left` {user_id},
  `safety_alert` {...}, `pong` {last_sequence}, `error` {code, message}.
The README's "Live chat" section is the protocol's full description, for clients.

Every message carries its crew's sequence number. The socket tracks the last number it sent
and fills any gap from PostgreSQL before sending a later one, and checks the crew's latest
number once deliveries have paused for a moment, so a client ends with exactly the stored
history even when the channel layer drops a broadcast. A client that reconnects passes
`?after=<last seen>`. The crew's events reach the process once and its sockets here from there
(`group_service.fanout`).

A `message` frame may carry a `client_id` (a string of 1 to 64 characters, the client's own
key for it): its `ack`, and the `error` that refused it, carry it back. Sending it again is
idempotent: a message its sender already stored in the crew with that `client_id` is
acknowledged again (the same sequence and id) and neither stored nor broadcast again, so a
client resends what was not acknowledged when it reconnects.

Close codes (`group_service.sockets`), each with its reason: 4401 unauthenticated or token
expired, 4403 not a member, removed, banned or the crew taken down, 4009 frame too large, 4011
server error (a handler failed: Redis restarting, say; the client reconnects with `?after=`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from typing import Any
from uuid import UUID

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.core.exceptions import ValidationError

from group_service.fanout import chat_fanout
from group_service.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_SERVER_ERROR,
    CLOSE_TOO_LARGE,
    CLOSE_UNAUTHENTICATED,
    MAX_FRAME_BYTES,
    AuthenticatedSocketMixin,
    sign_in_close_code,
)
from group_service.writer import chat_writer
from shared.api.errors import ApplicationError
from shared.auth.channels import authenticate_token
from shared.auth.permissions import is_moderator
from shared.chat import live_state, realtime
from shared.chat.errors import RateLimited
from shared.chat.models import MAX_CLIENT_ID_LENGTH
from shared.chat.selectors import chat_can_read, chat_last_sequence, message_range
from shared.chat.services import SocketMessage, message_delete, message_edit
from shared.metrics import CHAT_GAPS_FILLED, WEBSOCKET_CONNECTIONS

logger = logging.getLogger(__name__)

TYPING_MIN_INTERVAL_SECONDS = 2.0
SETTLE_CHECK_SECONDS = 1.0


def answer_key(content: dict[str, Any]) -> dict[str, Any]:
    """The `client_id` of a message frame, to carry back in the error that refuses it."""
    client_id = content.get("client_id")
    if isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH:
        return {"client_id": client_id}
    return {}


async def released(step: Any) -> None:
    """Await one step of releasing a socket; a failure is logged, not raised."""
    try:
        await step
    except Exception as error:
        logger.warning("releasing a chat socket: %s", error)


class ClientError(Exception):
    def __init__(self, code: str, message: str = "", **extra: Any) -> None:
        super().__init__(code)
        self.code, self.message, self.extra = code, message, extra


class ChatConsumer(AuthenticatedSocketMixin, AsyncJsonWebsocketConsumer):
    """One member's live connection to one crew's chat."""

    async def connect(self) -> None:
        self.group_id = UUID(str(self.scope["url_route"]["kwargs"]["group_id"]))
        self.user = None
        self.joined = False
        self.live = False  # sent `ready` and what the client asked for: may take messages live
        self.last_sequence = 0
        self.last_delivery_at = 0.0
        self.last_typing_at = 0.0
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.outbox: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue()
        await self.accept_and_sign_in()

    async def disconnect(self, code: int) -> None:
        self.live = False
        await self.finish_writes()
        for task in self.tasks.values():
            task.cancel()
        if getattr(self, "counted", False):
            WEBSOCKET_CONNECTIONS.dec()
            self.counted = False
        if self.joined:
            # Each step even when one before it fails (Redis away): the fan-out must not keep
            # handing events to a socket that has gone. A presence entry left in Redis expires.
            self.joined = False
            await released(chat_fanout().leave(self.group_id, self))
            await released(
                self.channel_layer.group_discard(
                    realtime.user_group_name(self.user.id), self.channel_name
                )
            )
            await released(
                live_state.presence_leave(
                    group_id=self.group_id, user_id=self.user.id, socket_id=self.channel_name
                )
            )
            await released(self.announce_presence())

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve the socket: its client's frames, its own channel and its inbox, one at a time.

        Channels' `AsyncConsumer.__call__` with a third source, the inbox, where the process's
        fan-out queues the crew's events this socket cannot send at once (`take`). Its own
        channel still receives what is sent to the user's group (closing their sockets).

        A frame to a client that has already gone is dropped: daphne raises `Disconnected` for
        a frame sent to a socket the client closed before its `websocket.disconnect` was
        handled. Raised from a delivery, it ended the consumer without `disconnect()`: the
        open-socket gauge, the group membership and the presence entry stayed behind (1 of 213
        sockets in a 2-minute soak). The disconnect follows. (Whatever else ends the consumer,
        `AuthenticatedSocketMixin.__call__` still runs `disconnect()`.)
        """

        async def send_unless_gone(message: dict[str, Any]) -> None:
            try:  # noqa: SIM105 - not `suppress`: a context manager per frame, on the fan-out's path
                await send(message)
            except Disconnected:
                pass

        self.scope = scope
        self.base_send = send_unless_gone
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.taking = False  # handling an event from the inbox
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch([receive, channel_receive, self.next_taken], self.dispatch)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the handler of a client frame or channel-layer event.

        Channels' own `dispatch` first awaits `aclose_old_connections()` on the one thread
        that runs all of this process's database work: a thread hop per delivered message,
        queued behind every message being stored. Every database call here goes through
        `database_sync_to_async`, which closes old connections itself, so it is skipped.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    ##### Session

    async def start_session(self, user: Any, expires_at: int) -> None:
        if user.is_banned_at():
            await self.close_with(CLOSE_FORBIDDEN, "user_banned")
            return
        if not await database_sync_to_async(chat_can_read)(group_id=self.group_id, user_id=user.id):
            await self.close_with(CLOSE_FORBIDDEN, "not_a_member")
            return
        self.user = user
        self.schedule_expiry(expires_at)
        self.joined = True  # before joining, so that `disconnect` leaves whatever was joined
        await chat_fanout().join(self.group_id, self)
        await self.channel_layer.group_add(realtime.user_group_name(user.id), self.channel_name)
        latest = await database_sync_to_async(chat_last_sequence)(group_id=self.group_id)
        after = self.requested_after()
        self.last_sequence = latest if after is None else min(after, latest)
        await live_state.presence_touch(
            group_id=self.group_id, user_id=user.id, socket_id=self.channel_name
        )
        online = await live_state.presence_online(group_id=self.group_id)
        await self.send_json(
            {
                "type": "ready",
                "group_id": str(self.group_id),
                "last_sequence": latest,
                "online": online,
            }
        )
        if after is not None:
            await self.fill_gap(up_to=latest)
        self.live = True  # what came meanwhile waits in the inbox, handled next
        await self.announce_presence(online)
        self.start_task("heartbeat", self.heartbeat())

    def requested_after(self) -> int | None:
        query = self.scope.get("query_string", b"").decode()
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name == "after" and value.isdigit():
                return int(value)
        return None

    async def heartbeat(self) -> None:
        """Keep presence fresh and re-join the groups (a restarted Redis forgets them)."""
        while True:
            await asyncio.sleep(live_state.PRESENCE_REFRESH_SECONDS)
            with contextlib.suppress(Exception):
                await chat_fanout().rejoin(self.group_id)
                await self.channel_layer.group_add(
                    realtime.user_group_name(self.user.id), self.channel_name
                )
                await live_state.presence_touch(
                    group_id=self.group_id, user_id=self.user.id, socket_id=self.channel_name
                )
                if time.monotonic() - self.last_delivery_at >= SETTLE_CHECK_SECONDS:
                    await self.request_settle()  # else the settle check follows the deliveries

    ##### Client frames

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close_with(CLOSE_TOO_LARGE, "frame_too_large")
            return
        if text_data is None:
            await self.send_error("binary_not_supported", "Frames are JSON text.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid_json", "Frames are JSON objects.")
            return
        if not isinstance(content, dict):
            await self.send_error("invalid_json", "Frames are JSON objects.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        await self.answering_errors(self.handle_frame(content))

    async def handle_frame(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind == "auth":
            await self.handle_auth(content)
        elif self.user is None:
            raise ClientError("authentication_required", "Send an auth frame first.")
        elif kind == "message":
            await self.answering_errors(self.handle_message(content), **answer_key(content))
        elif kind == "typing":
            await self.handle_typing()
        elif kind == "edit":
            await self.handle_edit(content)
        elif kind == "delete":
            await self.handle_delete(content)
        elif kind == "sync":
            await self.handle_sync(content)
        elif kind == "ping":
            await self.send_json({"type": "pong", "last_sequence": self.last_sequence})
        else:
            raise ClientError("unknown_type", "Unknown frame type.")

    async def answering_errors(self, work: Any, **extra: Any) -> None:
        """Run `work`, answering the client's mistakes with an error frame (plus `extra`)."""
        try:
            await work
        except ClientError as error:
            await self.send_error(error.code, error.message, **error.extra, **extra)
        except ApplicationError as error:
            await self.send_error(error.code, error.message, **error.fields, **extra)
        except ValidationError as error:
            await self.send_error(
                "invalid", "The frame is invalid.", fields=error.message_dict, **extra
            )

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def handle_auth(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        if not isinstance(token, str) or not token:
            raise ClientError("invalid_token", "An auth frame carries a token.")
        user, claims, error = await authenticate_token(token)
        if error is not None or claims is None:
            error = error or "invalid_token"
            await self.close_with(sign_in_close_code(error), error)
            return
        if self.user is None:
            await self.start_session(user, claims.expires_at)
        elif user.id != self.user.id:
            await self.close_with(CLOSE_UNAUTHENTICATED, "token_for_another_user")
        else:
            self.user = user
            self.schedule_expiry(claims.expires_at)
            await self.send_json({"type": "auth_ok", "expires_at": claims.expires_at})

    async def handle_message(self, content: dict[str, Any]) -> None:
        body, client_id = content.get("body"), content.get("client_id")
        if not isinstance(body, str):
            raise ClientError("invalid", "A message has a text body.")
        if client_id is not None and not (
            isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH
        ):
            raise ClientError(
                "invalid",
                f"client_id is a string of 1 to {MAX_CLIENT_ID_LENGTH} characters.",
                fields={"client_id": ["Invalid."]},
            )
        retry_after = await live_state.chat_message_rate_limit_hit(
            user_id=self.user.id, group_id=self.group_id, client_id=client_id
        )
        if retry_after:
            raise RateLimited(retry_after)
        # Stored by this socket's writer, in order; deliveries to this socket go on meanwhile
        # instead of waiting behind its own writes for the database thread.
        self.outbox.put_nowait((body, client_id))
        if "writer" not in self.tasks:
            self.start_task("writer", self.write_messages())

    async def write_messages(self) -> None:
        """Store this socket's messages one after another, acknowledging each."""
        while (item := await self.outbox.get()) is not None:
            body, client_id = item
            try:
                await self.answering_errors(
                    self.store_message(body, client_id), **answer_key({"client_id": client_id})
                )
            except Exception:
                logger.exception("storing a chat message failed")
                await self.close_with(CLOSE_SERVER_ERROR, "server_error")
                return

    async def finish_writes(self) -> None:
        """Store what the client sent before it left, as when messages were stored inline."""
        writer = self.tasks.get("writer")
        if writer is None or writer.done():
            return
        self.outbox.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(writer), 10)

    async def store_message(self, body: str, client_id: str | None) -> None:
        if not self.joined:
            return  # cut off (removed, banned, the crew taken down): nothing more is stored
        # Stored with the other sockets' messages of the moment, and broadcast; or, sent
        # before with this client_id, the stored one (not broadcast again).
        message = await chat_writer().store(
            SocketMessage(group_id=self.group_id, sender=self.user, body=body, client_id=client_id)
        )
        await self.send_json(
            {
                "type": "ack",
                "client_id": client_id,
                "sequence": message.sequence,
                "id": str(message.id),
            }
        )

    async def handle_typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing_at < TYPING_MIN_INTERVAL_SECONDS:
            return
        self.last_typing_at = now
        await self.channel_layer.group_send(
            realtime.chat_group_name(self.group_id),
            {"type": "chat.typing", "user_id": str(self.user.id)},
        )

    async def handle_edit(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(message_edit)(
            group_id=self.group_id,
            message_id=self.message_id(content),
            editor_id=self.user.id,
            body=str(content.get("body", "")),
        )

    async def handle_delete(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(message_delete)(
            group_id=self.group_id,
            message_id=self.message_id(content),
            actor_id=self.user.id,
            actor_is_moderator=is_moderator(self.user),
        )

    def message_id(self, content: dict[str, Any]) -> UUID:
        try:
            return UUID(str(content.get("message_id")))
        except ValueError as error:
            raise ClientError("invalid", "message_id is not a valid id.") from error

    async def handle_sync(self, content: dict[str, Any]) -> None:
        after = content.get("after")
        if not isinstance(after, int) or after < 0:
            raise ClientError("invalid", "sync needs a non-negative integer `after`.")
        for message in await database_sync_to_async(message_range)(
            group_id=self.group_id, after=after
        ):
            await self.send_json({"type": "message", "message": realtime.message_payload(message)})

    ##### Delivery with gap filling

    async def deliver(self, event: dict[str, Any]) -> None:
        """Send a new message (a `chat.message` event) unless already sent, after any gap before it.

        `text` (the frame, encoded once for the crew) and `created_ts` may be missing from an
        older process's event (a rolling update).
        """
        payload, text = event["message"], event.get("text")
        sequence = payload["sequence"]
        if sequence <= self.last_sequence:
            return  # already sent (a gap fill got there first)
        if sequence > self.last_sequence + 1:
            await self.fill_gap(up_to=sequence - 1)
        if text is None:
            text = json.dumps({"type": "message", "message": payload})
        await self.base_send({"type": "websocket.send", "text": text})
        self.sent_live(sequence)

    def sent_live(self, sequence: int) -> None:
        self.last_sequence = sequence
        self.last_delivery_at = time.monotonic()
        if "settle" not in self.tasks or self.tasks["settle"].done():
            self.tasks["settle"] = asyncio.create_task(self.settle_check())

    async def fill_gap(self, *, up_to: int) -> None:
        """Send every stored message after the last one sent, up to `up_to`, from the database."""
        while self.last_sequence < up_to:
            messages = await database_sync_to_async(message_range)(
                group_id=self.group_id, after=self.last_sequence, up_to=up_to
            )
            if not messages:
                return
            for message in messages:
                await self.send_json(
                    {"type": "message", "message": realtime.message_payload(message)}
                )
                self.last_sequence = message.sequence
            CHAT_GAPS_FILLED.inc(len(messages))

    async def settle_check(self) -> None:
        """Once deliveries pause for a moment, make sure nothing after the last one was lost.

        While messages keep coming, a lost one shows as a gap before the next, so only the
        end of a burst needs the database.
        """
        while (wait := self.last_delivery_at + SETTLE_CHECK_SECONDS - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await self.request_settle()

    async def request_settle(self) -> None:
        """Queue the check behind whatever the process already holds of the crew's events.

        Checked from a task instead, it would race that backlog (sending from the database
        what is still on its way) and the deliveries running meanwhile.
        """
        await chat_fanout().request_settle(self.group_id, self)

    async def check_latest(self) -> None:
        latest = await database_sync_to_async(chat_last_sequence)(group_id=self.group_id)
        if latest > self.last_sequence:
            await self.fill_gap(up_to=latest)

    ##### The crew's events, from the process's fan-out

    async def take(self, event: dict[str, Any]) -> None:
        """Send the crew's next message at once, or queue `event` in the inbox.

        At once only when nothing could come before it: the socket is live, nothing waits in
        its inbox nor is being handled from there, and the message is the next in sequence (a
        gap is filled from the database, in the inbox's turn). So the socket sends every
        message once and in order, and the crew's events in the order they came.
        """
        if (
            event["type"] == "chat.message"
            and self.live
            and self.joined
            and not self.taking
            and self.inbox.empty()
            and "text" in event
        ):
            sequence = event["message"]["sequence"]
            if sequence == self.last_sequence + 1:
                # `deliver`'s path when it has nothing to wait for, in fewer calls: per socket.
                await self.base_send({"type": "websocket.send", "text": event["text"]})
                self.sent_live(sequence)
                return
        self.inbox.put_nowait(event)

    async def next_taken(self) -> dict[str, Any]:
        event = await self.inbox.get()
        self.taking = True  # until handled: a later message must not pass it meanwhile
        return {"type": "chat.taken", "event": event}

    async def chat_taken(self, message: dict[str, Any]) -> None:
        try:
            await self.dispatch(message["event"])
        finally:
            self.taking = False

    ##### Channel-layer events

    async def chat_settle(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.check_latest()

    async def chat_message(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.deliver(event)

    async def chat_message_edited(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json({"type": "message_edited", "message": event["message"]})

    async def chat_message_deleted(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json({"type": "message_deleted", "message": event["message"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if self.joined and event["user_id"] != str(self.user.id):
            await self.send_json({"type": "typing", "user_id": event["user_id"]})

    async def chat_presence(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json({"type": "presence", "online": event["online"]})

    async def chat_member(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json({"type": event["change"], "user_id": event["user_id"]})

    async def safety_alert(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json(
                {"type": "safety_alert", **{k: v for k, v in event.items() if k != "type"}}
            )

    async def user_disconnect(self, event: dict[str, Any]) -> None:
        group_id = event.get("group_id")
        if group_id is not None and group_id != str(self.group_id):
            return
        self.joined = False
        await self.close_with(event.get("code", CLOSE_FORBIDDEN), event.get("reason", "removed"))

    async def announce_presence(self, online: list[str] | None = None) -> None:
        if online is None:
            online = await live_state.presence_online(group_id=self.group_id)
        await self.channel_layer.group_send(
            realtime.chat_group_name(self.group_id), {"type": "chat.presence", "online": online}
        )
