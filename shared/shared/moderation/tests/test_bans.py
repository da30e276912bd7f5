"""Bans: `user_ban`, `user_unban`, `ban_lift`, `ban_expire_due`, against the real database."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.metrics import BANS
from shared.moderation.errors import (
    BanAlreadyLifted,
    BanNotFound,
    CannotBanAdmin,
    CannotBanSelf,
    UserAlreadyBanned,
    UserNotBanned,
)
from shared.moderation.models import Ban, ModerationAction
from shared.moderation.services import ban_expire_due, ban_lift, user_ban, user_unban
from shared.moderation.tests.factories import BanFactory

pytestmark = pytest.mark.django_db

REASON = "Posted spam links in three crews."


@pytest.fixture
def moderator() -> User:
    return UserFactory(realm_roles=["moderator", "user"])


def nothing_written(user: User) -> bool:
    user.refresh_from_db()
    return (
        not user.is_banned
        and not Ban.objects.filter(user=user).exists()
        and not ModerationAction.objects.exists()
        and not OutboxMessage.objects.exists()
    )


# --- user_ban ---


def test_user_ban_writes_the_ban_the_user_the_audit_row_and_the_event_together(
    moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    target = UserFactory()
    until = timezone.now() + timedelta(days=7)
    before = BANS._value.get()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ban = user_ban(
            moderator_id=moderator.id, user_id=target.id, reason=f" {REASON} ", until=until
        )
    # then
    stored = Ban.objects.get(id=ban.id)
    assert (stored.user_id, stored.reason, stored.until, stored.created_by_id) == (
        target.id,
        REASON,
        until,
        moderator.id,
    )
    assert stored.lifted_at is None
    target.refresh_from_db()
    assert (target.is_banned, target.banned_until) == (True, until)
    audit = ModerationAction.objects.get()
    assert (audit.actor_id, audit.action, audit.target_type, audit.target_id, audit.reason) == (
        moderator.id,
        "user.banned",
        "user",
        target.id,
        REASON,
    )
    assert audit.data == {"ban_id": str(ban.id), "until": until.isoformat()}
    outbox = OutboxMessage.objects.get()
    assert (outbox.exchange, outbox.routing_key) == ("moderation.events", "user.banned")
    assert outbox.payload["user_id"] == str(target.id)
    assert outbox.payload["reason"] == REASON
    assert outbox.payload["until"] == until.isoformat()
    assert BANS._value.get() == before + 1


def test_a_ban_closes_the_users_open_sockets_as_it_commits_without_the_event(
    moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    """A listener in the user's group on the real Redis channel layer (as each of their chat
    sockets is) is told to close right after the commit. No relay, broker or worker runs here,
    so the `user.banned` event cannot be what tells it."""
    from channels.layers import get_channel_layer

    from shared.chat.realtime import user_group_name

    target = UserFactory()
    joined, received = threading.Event(), []

    async def listen() -> None:  # on an event loop of its own, as a socket's process is
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(user_group_name(target.id), channel)
        joined.set()
        try:
            received.append(await asyncio.wait_for(layer.receive(channel), timeout=5))
        finally:
            await layer.group_discard(user_group_name(target.id), channel)

    listener = threading.Thread(target=asyncio.run, args=(listen(),))
    listener.start()
    assert joined.wait(5)
    with django_capture_on_commit_callbacks(execute=True):
        user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON)
    listener.join(10)

    assert received == [{"type": "user.disconnect", "code": 4403, "reason": "user_banned"}]
    assert OutboxMessage.objects.get().published_at is None  # the event is still on its way


def test_a_ban_without_an_end_is_permanent(moderator: User) -> None:
    target = UserFactory()

    user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON)

    target.refresh_from_db()
    assert (target.is_banned, target.banned_until, target.is_banned_at()) == (True, None, True)
    assert OutboxMessage.objects.get().payload["until"] is None


@pytest.mark.parametrize(
    ("reason", "until", "fields"),
    [
        pytest.param("Too short", None, {"reason"}, id="reason_9_chars_case"),
        pytest.param("   spam   ", None, {"reason"}, id="reason_short_after_strip_case"),
        pytest.param("x" * 501, None, {"reason"}, id="reason_501_chars_case"),
        pytest.param(REASON, timedelta(minutes=-1), {"until"}, id="until_in_the_past_case"),
        pytest.param(REASON, timedelta(0), {"until"}, id="until_now_case"),
        pytest.param("short", timedelta(hours=-1), {"reason", "until"}, id="both_wrong_case"),
    ],
)
def test_user_ban_refuses_bad_input_and_writes_nothing(
    moderator: User, reason: str, until: timedelta | None, fields: set[str]
) -> None:
    # given
    target = UserFactory()
    now = timezone.now()
    # when
    with pytest.raises(ValidationError) as raised:
        user_ban(
            moderator_id=moderator.id,
            user_id=target.id,
            reason=reason,
            until=None if until is None else now + until,
            now=now,
        )
    # then
    assert set(raised.value.message_dict) == fields
    assert nothing_written(target)


def test_reasons_of_exactly_10_and_500_characters_are_accepted(moderator: User) -> None:
    short, long = UserFactory(), UserFactory()

    user_ban(moderator_id=moderator.id, user_id=short.id, reason="x" * 10)
    user_ban(moderator_id=moderator.id, user_id=long.id, reason="x" * 500)

    assert Ban.objects.count() == 2


def test_user_ban_refuses_a_naive_end_time(moderator: User) -> None:
    target = UserFactory()

    with pytest.raises(ValidationError) as raised:
        user_ban(
            moderator_id=moderator.id,
            user_id=target.id,
            reason=REASON,
            until=datetime(2099, 1, 1),  # noqa: DTZ001 - the naive time under test
        )

    assert set(raised.value.message_dict) == {"until"}
    assert nothing_written(target)


def test_a_moderator_cannot_ban_themself(moderator: User) -> None:
    with pytest.raises(CannotBanSelf):
        user_ban(moderator_id=moderator.id, user_id=moderator.id, reason=REASON)

    assert nothing_written(moderator)


@pytest.mark.parametrize(
    "roles",
    [
        pytest.param(["admin", "moderator", "user"], id="admin_case"),
        pytest.param(["admin"], id="admin_only_case"),
    ],
)
def test_nobody_bans_an_admin(roles: list[str]) -> None:
    target = UserFactory(realm_roles=roles)
    admin = UserFactory(realm_roles=["admin", "moderator", "user"])

    with pytest.raises(CannotBanAdmin):
        user_ban(moderator_id=admin.id, user_id=target.id, reason=REASON)

    assert nothing_written(target)


def test_a_moderator_may_ban_another_moderator(moderator: User) -> None:
    other = UserFactory(realm_roles=["moderator", "user"])

    user_ban(moderator_id=moderator.id, user_id=other.id, reason=REASON)

    assert User.objects.get(id=other.id).is_banned


def test_banning_an_unknown_user_is_not_found(moderator: User) -> None:
    with pytest.raises(UserNotFound):
        user_ban(moderator_id=moderator.id, user_id=uuid4(), reason=REASON)

    assert not Ban.objects.exists()


def test_banning_a_banned_user_is_refused_and_keeps_the_first_ban(moderator: User) -> None:
    ban = BanFactory()

    with pytest.raises(UserAlreadyBanned):
        user_ban(moderator_id=moderator.id, user_id=ban.user_id, reason=REASON)

    assert list(Ban.objects.values_list("id", flat=True)) == [ban.id]
    assert not OutboxMessage.objects.exists()


def test_a_ban_past_its_end_but_not_yet_lifted_is_closed_by_a_new_ban(moderator: User) -> None:
    # given: a temporary ban the expiry task has not reached yet
    now = timezone.now()
    old = BanFactory(starts_at=now - timedelta(days=2), until=now - timedelta(minutes=5))
    # when
    new = user_ban(moderator_id=moderator.id, user_id=old.user_id, reason=REASON, now=now)
    # then
    old.refresh_from_db()
    assert (old.lifted_at, old.lifted_by_id) == (now, None)
    assert list(
        ModerationAction.objects.order_by("created_at").values_list("action", flat=True)
    ) == [
        "user.ban_expired",
        "user.banned",
    ]
    # No unban goes out: it could overtake the new ban on the bus.
    assert list(OutboxMessage.objects.values_list("routing_key", flat=True)) == ["user.banned"]
    assert Ban.objects.get(user_id=old.user_id, lifted_at__isnull=True).id == new.id


def test_when_the_outbox_write_fails_there_is_no_ban(moderator: User) -> None:
    # given: the database refuses outbox rows (a real failure, not a mock)
    target = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'outbox unavailable'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_outbox BEFORE INSERT ON messaging_outboxmessage
            FOR EACH ROW EXECUTE FUNCTION refuse_outbox();
            """
        )
    # when
    with pytest.raises(DatabaseError, match="outbox unavailable"):
        user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON)
    # then: the ban, the user's flag and the audit row went with it
    assert nothing_written(target)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_banning_at_once_make_one_ban() -> None:
    # given
    target = UserFactory()
    moderators = [UserFactory(realm_roles=["moderator"]) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ban(moderator_id: Any) -> None:
        barrier.wait()
        try:
            user_ban(moderator_id=moderator_id, user_id=target.id, reason=REASON)
            outcomes.append("banned")
        except UserAlreadyBanned:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=ban, args=(m.id,)) for m in moderators]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(outcomes) == ["already", "banned"]
    assert Ban.objects.filter(user=target).count() == 1
    assert OutboxMessage.objects.count() == 1


# --- user_unban / ban_lift ---


def test_user_unban_lifts_the_ban_and_tells_every_service(moderator: User) -> None:
    # given
    ban = BanFactory(until=timezone.now() + timedelta(days=3))
    now = timezone.now()
    # when
    lifted = user_unban(
        moderator_id=moderator.id, user_id=ban.user_id, reason="Appeal accepted.", now=now
    )
    # then
    stored = Ban.objects.get(id=ban.id)
    assert (stored.lifted_at, stored.lifted_by_id, stored.lift_reason) == (
        now,
        moderator.id,
        "Appeal accepted.",
    )
    assert lifted.id == ban.id
    user = User.objects.get(id=ban.user_id)
    assert (user.is_banned, user.banned_until) == (False, None)
    audit = ModerationAction.objects.get()
    assert (audit.actor_id, audit.action, audit.target_id, audit.data) == (
        moderator.id,
        "user.unbanned",
        ban.user_id,
        {"ban_id": str(ban.id)},
    )
    outbox = OutboxMessage.objects.get()
    assert outbox.routing_key == "user.unbanned"
    assert (outbox.payload["user_id"], outbox.payload["reason"]) == (
        str(ban.user_id),
        "Appeal accepted.",
    )


def test_unbanning_a_user_who_is_not_banned_is_refused(moderator: User) -> None:
    user = UserFactory()

    with pytest.raises(UserNotBanned):
        user_unban(moderator_id=moderator.id, user_id=user.id, reason="Appeal accepted.")

    assert not ModerationAction.objects.exists()


def test_unbanning_needs_a_reason(moderator: User) -> None:
    ban = BanFactory()

    with pytest.raises(ValidationError):
        user_unban(moderator_id=moderator.id, user_id=ban.user_id, reason="ok")

    assert Ban.objects.get(id=ban.id).lifted_at is None
    assert User.objects.get(id=ban.user_id).is_banned


def test_ban_lift_by_id(moderator: User) -> None:
    ban = BanFactory()

    ban_lift(moderator_id=moderator.id, ban_id=ban.id, reason="Banned the wrong account.")

    assert Ban.objects.get(id=ban.id).lifted_by_id == moderator.id
    assert not User.objects.get(id=ban.user_id).is_banned


def test_lifting_a_lifted_ban_is_refused(moderator: User) -> None:
    ban = BanFactory(lifted_at=timezone.now(), lift_reason="Appeal accepted.")

    with pytest.raises(BanAlreadyLifted):
        ban_lift(moderator_id=moderator.id, ban_id=ban.id, reason="Banned the wrong account.")

    assert not OutboxMessage.objects.exists()


def test_lifting_an_unknown_ban_is_not_found(moderator: User) -> None:
    with pytest.raises(BanNotFound):
        ban_lift(moderator_id=moderator.id, ban_id=uuid4(), reason="Banned the wrong account.")


def test_a_user_can_be_banned_again_after_a_lift(moderator: User) -> None:
    ban = BanFactory()
    user_unban(moderator_id=moderator.id, user_id=ban.user_id, reason="Appeal accepted.")

    user_ban(moderator_id=moderator.id, user_id=ban.user_id, reason=REASON)

    assert Ban.objects.filter(user_id=ban.user_id).count() == 2
    assert User.objects.get(id=ban.user_id).is_banned


# --- ban_expire_due ---


def test_ban_expire_due_lifts_the_ended_bans_only() -> None:
    # given
    now = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    ended = BanFactory(starts_at=now - timedelta(days=1), until=now - timedelta(seconds=1))
    ends_now = BanFactory(starts_at=now - timedelta(days=1), until=now)
    running = BanFactory(starts_at=now - timedelta(days=1), until=now + timedelta(minutes=1))
    permanent = BanFactory(starts_at=now - timedelta(days=1))
    # when
    lifted = ban_expire_due(now=now)
    # then
    assert lifted == 2
    assert set(Ban.objects.filter(lifted_at=now).values_list("id", flat=True)) == {
        ended.id,
        ends_now.id,
    }
    assert not User.objects.get(id=ended.user_id).is_banned
    assert User.objects.get(id=running.user_id).is_banned
    assert User.objects.get(id=permanent.user_id).is_banned
    audits = ModerationAction.objects.filter(action="user.ban_expired")
    assert {(a.actor_id, a.target_id) for a in audits} == {
        (None, ended.user_id),
        (None, ends_now.user_id),
    }
    assert sorted(OutboxMessage.objects.values_list("routing_key", flat=True)) == [
        "user.unbanned",
        "user.unbanned",
    ]


def test_ban_expire_due_twice_lifts_once() -> None:
    now = timezone.now()
    BanFactory(starts_at=now - timedelta(hours=2), until=now - timedelta(hours=1))

    first = ban_expire_due(now=now)
    second = ban_expire_due(now=now)

    assert (first, second) == (1, 0)
    assert OutboxMessage.objects.count() == 1


def test_ban_expire_due_works_through_every_batch() -> None:
    now = timezone.now()
    for _ in range(5):
        BanFactory(starts_at=now - timedelta(hours=2), until=now - timedelta(hours=1))

    lifted = ban_expire_due(now=now, batch_size=2)

    assert lifted == 5
    assert not Ban.objects.not_lifted().exists()


# --- the ban state: one writer, one order ---


def test_every_ban_write_records_when_it_happened_on_the_user(moderator: User) -> None:
    # given
    start = timezone.now()
    target = UserFactory()
    at = [start + timedelta(minutes=minutes) for minutes in range(4)]
    # when / then: a ban, a lift by user, a ban, a lift by id, a ban that expires
    user_ban(moderator_id=moderator.id, user_id=target.id, reason=REASON, now=at[0])
    target.refresh_from_db()
    assert (target.is_banned, target.ban_event_at) == (True, at[0])
    user_unban(moderator_id=moderator.id, user_id=target.id, reason="Appeal accepted.", now=at[1])
    target.refresh_from_db()
    assert (target.is_banned, target.ban_event_at) == (False, at[1])
    ban = user_ban(
        moderator_id=moderator.id,
        user_id=target.id,
        reason=REASON,
        until=at[3] + timedelta(days=1),
        now=at[2],
    )
    target.refresh_from_db()
    assert (target.is_banned, target.banned_until, target.ban_event_at) == (
        True,
        at[3] + timedelta(days=1),
        at[2],
    )
    ban_lift(moderator_id=moderator.id, ban_id=ban.id, reason="Appeal accepted.", now=at[3])
    target.refresh_from_db()
    assert (target.is_banned, target.banned_until, target.ban_event_at) == (False, None, at[3])
    expiring = user_ban(
        moderator_id=moderator.id,
        user_id=target.id,
        reason=REASON,
        until=at[3] + timedelta(hours=1),
    )
    assert expiring.until is not None
    expired_at = expiring.until + timedelta(seconds=1)
    assert ban_expire_due(now=expired_at) == 1
    target.refresh_from_db()
    assert (target.is_banned, target.ban_event_at) == (False, expired_at)


def test_a_ban_whose_clock_reads_before_the_last_lift_still_bans(moderator: User) -> None:
    """A ban reads its clock, then waits for the user's lock while a lift commits: it applies
    after the lift although its time is earlier, and `ban_event_at` does not go back."""
    # given
    start = timezone.now()
    ban = BanFactory(starts_at=start)
    user_unban(
        moderator_id=moderator.id,
        user_id=ban.user_id,
        reason="Appeal accepted.",
        now=start + timedelta(seconds=2),
    )
    # when
    user_ban(
        moderator_id=moderator.id,
        user_id=ban.user_id,
        reason=REASON,
        now=start + timedelta(seconds=1),
    )
    # then
    user = User.objects.get(id=ban.user_id)
    assert (user.is_banned, user.ban_event_at) == (True, start + timedelta(seconds=2))
    assert Ban.objects.in_force_at(start + timedelta(seconds=3)).filter(user=user).exists()
