"""The parts of the crew chat socket, each to be read alone; `group_service.consumers.ChatConsumer`
composes them.

- `protocol`: the client's frames, parsed, checked and answered (errors, acks), and what each
  asks for (store, edit, delete, sync, typing).
- `session`: who is on the socket and for how long: signing in, the token's expiry, the
  heartbeat, presence, being cut off, and releasing what the session holds.
- `delivery`: the crew's events to the client: messages in sequence, each once, gaps filled
  from PostgreSQL, the settle check once a burst ends.

Each is a mixin of the one consumer, so Channels still finds a channel-layer event's handler
on it by name (`chat.message` → `chat_message`). They share the socket's state, which
`ChatConsumer.connect` and `ChatConsumer.serve` set up; each part lists what it reads and
writes of it.
"""
