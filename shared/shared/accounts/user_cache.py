"""The users behind recent tokens, kept in each process and dropped the moment their row changes.

Every authenticated request needs its user's row (bans must hold at once), and reading it was a
third of an event detail's database round trips. A process keeps the rows it read, by token
subject, and answers from them only while it listens to `CHANNEL` on Redis: every change to a
user row is announced there after commit (`user_changed`), and each process drops that user at
once. So a ban still holds from the next request anywhere, a few milliseconds after it commits.

What keeps a stale row from living on:
- the writing process drops the user itself, synchronously, before its commit is announced;
- a process that is not subscribed (Redis down, reconnecting, not yet started) keeps nothing
  and reads the database every time, and it forgets everything when its subscription (re)starts,
  since announcements made meanwhile were missed;
- a row read while an announcement arrived is not kept (it may predate the change);
- every entry expires after `max_age_seconds` in any case (5 minutes: a backstop only; with
  10 seconds, a user's next request, 1-5 s of thinking later and on any of a service's processes,
  mostly missed, and the whole-system load test read a user row on most requests).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.db import transaction

from shared.core.redis import redis_client

if TYPE_CHECKING:
    from uuid import UUID

    from shared.accounts.models import User

logger = logging.getLogger(__name__)

CHANNEL = "crewup:accounts:user-changed"


class UserCache:
    """Rows of `accounts.User` by Keycloak subject, valid while the process hears `CHANNEL`."""

    def __init__(self, *, max_entries: int = 10_000, max_age_seconds: float = 300.0) -> None:
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        # subject -> (valid until, user id, the row's values)
        self._entries: OrderedDict[str, tuple[float, str, tuple[object, ...]]] = OrderedDict()
        self._subject_by_user: dict[str, str] = {}
        self._lock = threading.Lock()
        # Bumped by every drop: a read that began before one is not kept.
        self._generation = 0
        self._listening = threading.Event()
        self._listener_pid: int | None = None

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def get(self, subject: str) -> User | None:
        """The user last read for `subject`, as a fresh instance; None when not kept."""
        self._ensure_listener()
        if not self._listening.is_set():
            return None
        with self._lock:
            entry = self._entries.get(subject)
            if entry is None:
                return None
            valid_until, _, values = entry
            if time.monotonic() >= valid_until:
                self._forget(subject)
                return None
            self._entries.move_to_end(subject)
        return _user_from_values(values)

    def put(self, subject: str, user: User, *, generation: int) -> None:
        """Keep `user`, read at `generation`, unless a drop happened since or nobody listens."""
        if not self._listening.is_set():
            return
        values = _values_of(user)
        with self._lock:
            if generation != self._generation:
                return
            self._forget(subject)
            user_id = str(user.pk)
            self._entries[subject] = (time.monotonic() + self.max_age_seconds, user_id, values)
            self._subject_by_user[user_id] = subject
            while len(self._entries) > self.max_entries:
                self._forget(next(iter(self._entries)))

    def drop(self, user_id: UUID | str) -> None:
        """Forget the user with this id (their row changed)."""
        with self._lock:
            self._generation += 1
            subject = self._subject_by_user.pop(str(user_id), None)
            if subject is not None:
                self._entries.pop(subject, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._subject_by_user.clear()

    def _forget(self, subject: str) -> None:
        # Under the lock.
        entry = self._entries.pop(subject, None)
        if entry is not None and self._subject_by_user.get(entry[1]) == subject:
            del self._subject_by_user[entry[1]]

    # --- the subscription ---

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._listener_pid == pid:
            return
        with self._lock:
            if self._listener_pid == pid:
                return
            # A forked child inherits the parent's entries but not its listening thread.
            self._listening.clear()
            self._entries.clear()
            self._subject_by_user.clear()
            self._listener_pid = pid
        threading.Thread(target=self._listen_forever, name="user-cache", daemon=True).start()

    def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                self._listen_once()
                delay = 0.5
            except Exception as error:  # any failure means: stop trusting the cache, retry
                logger.warning("user cache: not subscribed to %s (%s); retrying", CHANNEL, error)
            finally:
                self._listening.clear()
                self.clear()
            time.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _listen_once(self) -> None:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2
        )
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(CHANNEL)
            quiet_since = time.monotonic()
            while True:
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    if time.monotonic() - quiet_since > 5:
                        # A dead connection shows up here (socket timeout) within seconds.
                        pubsub.ping()
                        quiet_since = time.monotonic()
                    continue
                quiet_since = time.monotonic()
                if message["type"] == "subscribe":
                    # Whatever was kept may have missed announcements made before now.
                    self.clear()
                    self._listening.set()
                elif message["type"] == "message":
                    self.drop(message["data"].decode())
        finally:
            pubsub.close()
            client.close()


def _values_of(user: User) -> tuple[object, ...]:
    return tuple(getattr(user, field.attname) for field in user._meta.concrete_fields)


def _user_from_values(values: tuple[object, ...]) -> User:
    from shared.accounts.models import User

    # Lists (roles, interests) are copied: a request may change its instance in place.
    values = tuple(list(value) if isinstance(value, list) else value for value in values)
    # As a query would: every concrete field in order, an instance of the "default" database.
    names = [field.attname for field in User._meta.concrete_fields]
    return User.from_db("default", names, values)


user_cache = UserCache()


def _publish(user_id: str) -> None:
    try:
        redis_client().publish(CHANNEL, user_id)
    except redis.RedisError as error:
        # Listeners that cannot hear this are cut off from Redis too, and keep nothing.
        logger.warning("user cache: could not announce a change of user %s (%s)", user_id, error)


def user_changed(user_id: UUID | str) -> None:
    """Drop the user here now, and in every process once the change commits.

    Called for every write to a user row: `User.save` through a signal, and the writes that
    bypass it (`QuerySet.update`) by hand.
    """
    user_cache.drop(user_id)
    key = str(user_id)
    transaction.on_commit(lambda: _publish(key))
