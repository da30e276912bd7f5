"""The chat socket's delivery: the crew's events to the client, every message once and in order.

Every message carries its crew's sequence number. The socket tracks the last number it sent
and fills any gap from PostgreSQL before sending a later one, and checks the crew's latest
number once deliveries have paused for a moment, so a client ends with exactly the stored
history even when the channel layer drops a broadcast (ADR 0006). A client that reconnects
passes `?after=<last seen>`.

The crew's events reach the process once, and its sockets here from there
(`group_service.fanout`): a socket sends a message at once when it is the next one and
nothing older waits; anything else waits in its inbox, handled in turn with the client's
frames.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async

from group_service.chat_socket.base import ChatSocketBase
from group_service.fanout import chat_fanout
from shared.chat import realtime
from shared.chat.selectors import chat_last_sequence, message_range
from shared.metrics import CHAT_GAPS_FILLED

SETTLE_CHECK_SECONDS = 1.0


class ChatDelivery(ChatSocketBase):
    """Live events, sequence numbers, gap filling and the settle check.

    Owns the socket's `last_sequence` (the last message sent), `last_delivery_at`, `inbox`
    (the crew's events waiting their turn) and `taking` (one of them being handled). Reads
    `joined` and `live` (the session's: cut off, or `ready` not sent yet) and `user`. Sends
    through the consumer: `base_send` for a frame encoded once for the crew, `send_json`
    otherwise; an inbox event is handled through its `dispatch`.
    """

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

    async def settle_if_idle(self) -> None:
        """Ask for a settle check unless deliveries are under way (one follows them anyway)."""
        if time.monotonic() - self.last_delivery_at >= SETTLE_CHECK_SECONDS:
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
