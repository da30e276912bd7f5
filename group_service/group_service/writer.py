"""The messages of a process's chat sockets, stored together, then broadcast in their order.

Each socket stored its messages with a call of its own on Django's one database thread, and
each call waited twice for the busy event loop (to start, and to hand its result back) besides
its round trips to PostgreSQL: on a machine whose cores were all busy, 75 messages a second
to one crew queued behind that thread while the process had CPU to spare (issue #13). Now the
sockets hand their messages to the process's writer, which stores whatever came meanwhile in
one call and one statement (`message_send_from_sockets`), broadcasts the stored ones in the
order they were numbered, and then answers each socket.

The writer's calls run on a database thread of its own, not through `database_sync_to_async`:
that one's thread hop (asgiref's) and its connection hygiene around every call (with
`CONN_HEALTH_CHECKS`, a `SELECT 1` round trip before each batch) cost about as much CPU again
as the insert itself. Here the connection is closed only for Django's own reasons (an error
in the last call, `CONN_MAX_AGE` passed), and a batch that finds its connection broken (a
restarted PostgreSQL) is stored again once on a new one.

A socket waits for each of its messages before handing on the next, so its messages are
stored in the order it received them. A message its sender had stored already under the same
`client_id` (a client resending what was not acknowledged) is answered with the stored one and
not broadcast again.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, connection

from shared.chat import realtime
from shared.chat.models import Message
from shared.chat.services import RepeatedMessage, SocketMessage, message_send_from_sockets

MAX_BATCH = 100


class ChatWriter:
    """Stores and broadcasts this process's messages from its sockets, a batch at a time."""

    def __init__(self) -> None:
        self.waiting: list[tuple[SocketMessage, asyncio.Future[Message]]] = []
        self.task: asyncio.Task[None] | None = None

    async def store(self, message: SocketMessage) -> Message:
        """Store `message`, broadcast it, and return it (or, when its sender stored one with its
        client_id before, return that one, neither stored nor broadcast again).

        Raises the ValidationError of its body, or the error that kept it from being stored.
        """
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.waiting.append((message, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.run())
        return await future

    async def run(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            try:
                outcomes = await self.stored([message for message, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Message):
                    await realtime.abroadcast_message(outcome)
                    answer(future, result=outcome)
                elif isinstance(outcome, RepeatedMessage):
                    answer(future, result=outcome.message)
                else:
                    answer(future, error=outcome)

    async def stored(
        self, messages: list[SocketMessage], *, again: bool = True
    ) -> list[Message | RepeatedMessage | Exception]:
        """Each message stored (or the one it repeats), or why it was not."""
        try:
            outcomes: list[Any] = await asyncio.get_running_loop().run_in_executor(
                _database_thread, _store, messages
            )
        except Exception as error:
            if len(messages) == 1:
                if again and isinstance(error, IntegrityError) and messages[0].client_id:
                    # Its client_id stored by another process at the same moment (a resend
                    # after a reconnect to another process): answered as a repeat now.
                    return await self.stored(messages, again=False)
                return [error]
            # One of them failed the statement for all (its crew deleted meanwhile?): each
            # alone then, so that only that one fails.
            return [outcome for message in messages for outcome in await self.stored([message])]
        return outcomes


# The writer's database thread, one for the process (one connection, whatever the loop).
_database_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")


def _store(messages: list[SocketMessage]) -> list[Any]:
    """`message_send_from_sockets` on the writer's thread, with its connection kept usable."""
    if connection.connection is not None and (
        connection.errors_occurred
        or (connection.close_at is not None and time.monotonic() >= connection.close_at)
    ):
        connection.close()
    try:
        return message_send_from_sockets(messages)
    except (OperationalError, InterfaceError):
        # The connection broke (PostgreSQL restarted, or closed it): once more on a new one.
        # A message whose commit was lost with the connection is stored again, unless it has a
        # `client_id`: then it is answered as a repeat.
        connection.close()
        return message_send_from_sockets(messages)


def answer(
    future: asyncio.Future[Message],
    *,
    result: Message | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():  # the socket stopped waiting: what it sent is stored all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatWriter] = (
    weakref.WeakKeyDictionary()
)


def chat_writer() -> ChatWriter:
    """This event loop's writer (daphne runs one loop; each test has its own)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = ChatWriter()
    return writer
