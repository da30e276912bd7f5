"""A crew's chat events cross the channel layer once per process, then reach its sockets here.

Each chat socket used to join its crew's channel-layer group with a channel of its own: one
broadcast to a crew of 50 was decoded and dispatched 50 times in the process, each through its
consumer's own receive loop (a task, an `asyncio.wait` and a msgpack decode per socket), and
the process held at most 50 messages a second to such a crew on one core (issue #13).

Now the process joins each crew that has a socket here once, with one channel for that crew
(`CrewFanout`), reads each event once and hands it to the crew's sockets here in one loop. The
socket sends a new message at once when it is the next one it expects and nothing older waits
for it; anything else goes to the socket's inbox, handled in order with its client's frames
(`ChatDelivery.take`, in `group_service.chat_socket.delivery`). A settle check asked for by a
socket goes through the crew's channel too, so it is queued behind whatever the process holds
for the crew, as it was behind the socket's own channel.

The events are shared by the crew's sockets here: handlers read them and never change them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, Protocol
from uuid import UUID

from channels.layers import get_channel_layer

from shared.chat import realtime
from shared.metrics import CHAT_DELIVERY_SECONDS

logger = logging.getLogger(__name__)

# A restarted Redis forgets group memberships; a crew's sockets ask for a rejoin this often
# (their heartbeat), and the crew joins again at most this often.
REJOIN_SECONDS = 10.0
READ_RETRY_SECONDS = 1.0


class CrewSocket(Protocol):
    channel_name: str

    async def take(self, event: dict[str, Any]) -> None:
        """Send or queue one of the crew's events (called in the order the layer delivered them)."""


class CrewFanout:
    """One crew's sockets in this process, behind one channel of the crew's group."""

    def __init__(self, layer: Any, group_name: str) -> None:
        self.layer = layer
        self.group_name = group_name
        self.sockets: dict[str, CrewSocket] = {}  # channel name → socket, in joining order
        self.channel: str | None = None
        self.reader: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.joined_at = 0.0

    async def open(self) -> None:
        """Join the crew's group once; return when this process receives the crew's events."""
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.reader = asyncio.create_task(self.read(self.channel))
            if not self.joined_at:
                await self.layer.group_add(self.group_name, self.channel)
                self.joined_at = time.monotonic()

    async def close(self) -> None:
        """Leave the crew's group (its last socket here has gone)."""
        async with self.lock:
            if self.reader is not None:
                self.reader.cancel()  # a cancelled receive drops the channel (pub/sub layer)
                self.reader = None
            if self.channel is not None and self.joined_at:
                self.joined_at = 0.0
                await self.layer.group_discard(self.group_name, self.channel)

    async def rejoin(self) -> None:
        if self.joined_at and time.monotonic() - self.joined_at >= REJOIN_SECONDS:
            self.joined_at = time.monotonic()
            await self.layer.group_add(self.group_name, self.channel)

    async def read(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the sockets' settle checks fill the gap later
                logger.warning("reading %s failed", self.group_name, exc_info=True)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            await self.route(event)

    async def route(self, event: dict[str, Any]) -> None:
        """Hand `event` to each of the crew's sockets here, or to the one it names (`socket`)."""
        target = event.get("socket")
        if target is None:
            sockets = list(self.sockets.values())
        else:
            sockets = [self.sockets[target]] if target in self.sockets else []
        for socket in sockets:
            try:
                await socket.take(event)
            except Exception:  # one socket's failure must not keep the event from the others
                logger.exception("a chat socket could not take a %s event", event.get("type"))
        if sockets and (created_ts := event.get("created_ts")) is not None:
            # Once for the crew's sockets here, not once per socket: 50 observations a message
            # to a crew of 50 were a per-delivery cost the bare broadcast does not have.
            CHAT_DELIVERY_SECONDS.observe(max(0.0, time.time() - created_ts))


class ChatFanout:
    """This process's crews, each with its sockets here (one per event loop)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.crews: dict[str, CrewFanout] = {}

    async def join(self, group_id: UUID, socket: CrewSocket) -> None:
        """Hand the crew's events to `socket` from now on.

        Returns once this process receives them: a message stored after that reaches it.
        """
        name = realtime.chat_group_name(group_id)
        crew = self.crews.get(name)
        if crew is None:
            crew = self.crews[name] = CrewFanout(self.layer, name)
        crew.sockets[socket.channel_name] = socket
        await crew.open()

    async def leave(self, group_id: UUID, socket: CrewSocket) -> None:
        name = realtime.chat_group_name(group_id)
        crew = self.crews.get(name)
        if crew is None or crew.sockets.get(socket.channel_name) is not socket:
            return
        del crew.sockets[socket.channel_name]
        if not crew.sockets:
            del self.crews[name]  # a socket joining meanwhile opens a new one
            await crew.close()

    async def rejoin(self, group_id: UUID) -> None:
        """Join the crew's group again, in case Redis restarted and forgot it."""
        crew = self.crews.get(realtime.chat_group_name(group_id))
        if crew is not None:
            await crew.rejoin()

    async def request_settle(self, group_id: UUID, socket: CrewSocket) -> None:
        """Queue `chat.settle` for `socket` behind every event of the crew on its way here."""
        crew = self.crews.get(realtime.chat_group_name(group_id))
        if crew is not None and crew.channel is not None:
            try:
                await self.layer.send(
                    crew.channel, {"type": "chat.settle", "socket": socket.channel_name}
                )
            except Exception as error:
                # Redis away: checked in the socket's own turn instead, or the settle check at
                # the end of a burst is lost. A message still on its way here is then skipped
                # as already sent.
                logger.warning("asking for a settle check through Redis failed: %s", error)
            else:
                return
        await socket.take({"type": "chat.settle"})


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatFanout] = (
    weakref.WeakKeyDictionary()
)


def chat_fanout() -> ChatFanout:
    """This event loop's fan-out (daphne runs one loop; each test has its own)."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        fanout = _fanouts[loop] = ChatFanout(get_channel_layer())
    return fanout
