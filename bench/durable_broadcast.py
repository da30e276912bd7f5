"""The chat benchmark's second baseline: the least a durable, rate-limited chat must do.

`bare_broadcast.py` sends every frame on at once and keeps nothing. A chat that acknowledges
only what it stored, numbers messages per crew, limits each sender and reaches the crew's
sockets in other processes must, for every message, at least:
- count it in the sender's window in Redis (one EVALSHA),
- store it in PostgreSQL, numbered (one INSERT … RETURNING, on an asyncio psycopg connection
  in autocommit: no thread, no ORM),
- publish it to the crew's Redis channel (one PUBLISH), and read it back from there,
- send it to every socket here, and the acknowledgement to its sender.

This app does exactly that and nothing else (no authentication, no membership, no gap
filling, one crew, JSON frames the bench's client reads): the ceiling of this stack (daphne,
redis-py, psycopg) for a durable chat, measured in the same run as the group service.

Configured by the bench's environment: DATABASE_URL (its `postgis://` scheme read as
PostgreSQL) and REDIS_URL.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import psycopg
import redis.asyncio as redis
from bare_broadcast import serve, sockets

CHANNEL = "durable-bench:crew"
WINDOW_SECONDS = 10
# One Lua call a message, as the group service's sliding window makes (a simpler count).
COUNT = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n"

_ready: asyncio.Task[tuple[Any, Any, str]] | None = None
_fan_out: asyncio.Task[None] | None = None


async def open_connections() -> tuple[Any, Any, str]:
    database = psycopg.AsyncConnection.connect(
        os.environ["DATABASE_URL"].replace("postgis://", "postgresql://", 1), autocommit=True
    )
    connection = await database
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS durable_bench_message"
        " (sequence bigserial PRIMARY KEY, client_id text NOT NULL, body text NOT NULL)"
    )
    await connection.execute("TRUNCATE durable_bench_message RESTART IDENTITY")
    client = redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    digest = await client.script_load(COUNT)
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)
    global _fan_out
    _fan_out = asyncio.create_task(fan_out(pubsub))
    return connection, client, digest


async def fan_out(pubsub: Any) -> None:
    """Each published frame, once to every socket of this process."""
    async for event in pubsub.listen():
        if event["type"] != "message":
            continue
        frame = {"type": "websocket.send", "text": event["data"]}
        for send in list(sockets):
            await send(frame)


async def store(text: str, send: Any) -> None:
    global _ready
    if _ready is None:
        _ready = asyncio.create_task(open_connections())
    connection, client, digest = await _ready
    frame = json.loads(text)
    client_id, body = frame.get("client_id", ""), frame.get("body", "")
    await client.evalsha(digest, 1, f"durable-bench:window:{id(send)}", WINDOW_SECONDS)
    cursor = await connection.execute(
        "INSERT INTO durable_bench_message (client_id, body) VALUES (%s, %s) RETURNING sequence",
        [client_id, body],
    )
    (sequence,) = await cursor.fetchone()
    message = {"type": "message", "message": {"sequence": sequence, "body": body}}
    await client.publish(CHANNEL, json.dumps(message))
    ack = {"type": "ack", "client_id": client_id, "sequence": sequence}
    await send({"type": "websocket.send", "text": json.dumps(ack)})


# Each socket's frames, stored one after another in the order it sent them.
writers: dict[Any, tuple[asyncio.Queue[str], asyncio.Task[None]]] = {}


async def queue_for_storing(text: str, send: Any) -> None:
    if send not in writers:
        queue: asyncio.Queue[str] = asyncio.Queue()

        async def write() -> None:
            while True:
                await store(await queue.get(), send)

        writers[send] = (queue, asyncio.create_task(write()))
    writers[send][0].put_nowait(text)


def stop_storing(send: Any) -> None:
    if send in writers:
        writers.pop(send)[1].cancel()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await serve(scope, receive, send, on_text=queue_for_storing, on_close=stop_storing)
