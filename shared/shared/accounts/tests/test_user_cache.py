"""The per-process user cache: kept while subscribed, dropped on every change, anywhere."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from shared.accounts.errors import AccountErased
from shared.accounts.models import ErasedSubject, User
from shared.accounts.services import (
    user_anonymise,
    user_ban_state_write,
    user_provision_from_claims,
)
from shared.accounts.tests.factories import UserFactory
from shared.accounts.user_cache import CHANNEL, UserCache, user_cache, user_changed
from shared.auth.tokens import TokenClaims

pytestmark = pytest.mark.django_db


def claims_of(user: User) -> TokenClaims:
    return TokenClaims(
        subject=user.keycloak_id,
        username=user.username,
        email=user.email,
        given_name=user.first_name,
        family_name=user.last_name,
        roles=frozenset(user.realm_roles),
        expires_at=int(time.time()) + 300,
        raw={},
    )


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def listening() -> UserCache:
    """The process's cache, subscribed."""
    user_cache.get("nobody")  # starts the listener
    assert eventually(lambda: user_cache.listening), "the cache never subscribed"
    return user_cache


def test_a_user_read_once_is_answered_without_the_database(
    listening: UserCache, django_assert_num_queries: Any
) -> None:
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))

    with django_assert_num_queries(0):
        again = user_provision_from_claims(claims=claims_of(user))

    assert (again.id, again.username, again.is_banned) == (user.id, user.username, False)


def test_saving_a_user_drops_it_here_at_once(listening: UserCache) -> None:
    # given: the user is kept
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))
    # when: a moderator's ban is saved
    user.is_banned = True
    user.save(update_fields=["is_banned", "updated_at"])
    # then: the next request reads the ban
    assert user_provision_from_claims(claims=claims_of(user)).is_banned is True


def test_a_write_of_the_ban_state_drops_the_user(listening: UserCache) -> None:
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))

    user_ban_state_write(user_id=user.id, banned=True, until=None, occurred_at=timezone.now())

    assert user_provision_from_claims(claims=claims_of(user)).is_banned is True


def test_a_change_announced_by_another_process_drops_the_user(listening: UserCache) -> None:
    # given: the user is kept here
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))
    assert listening.get(user.keycloak_id) is not None
    # when: another process bans them (its own write, then its announcement on Redis)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET is_banned = true WHERE id = %s", [user.id])
    redis.Redis.from_url(settings.REDIS_URL).publish(CHANNEL, str(user.id))
    # then: dropped within moments, and the next request reads the ban
    assert eventually(lambda: listening.get(user.keycloak_id) is None, seconds=2)
    assert user_provision_from_claims(claims=claims_of(user)).is_banned is True


def test_an_erasure_here_refuses_the_kept_users_token_at_once(listening: UserCache) -> None:
    # given: the user is kept here
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))
    assert listening.get(user.keycloak_id) is not None
    # when
    user_anonymise(user_id=user.id)
    # then
    with pytest.raises(AccountErased):
        user_provision_from_claims(claims=claims_of(user))


def test_an_erasure_announced_by_another_process_refuses_the_kept_users_token(
    listening: UserCache,
) -> None:
    # given: the user is kept here
    user = UserFactory(realm_roles=["user"])
    user_provision_from_claims(claims=claims_of(user))
    # when: the user service erases them (its own writes, then its announcement on Redis)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET keycloak_id = %s, deleted_at = now() WHERE id = %s",
            [f"deleted:{user.id}", user.id],
        )
        cursor.execute(
            "INSERT INTO accounts_erasedsubject (subject_digest, erased_at) VALUES (%s, now())",
            [ErasedSubject.digest_of(user.keycloak_id)],
        )
    redis.Redis.from_url(settings.REDIS_URL).publish(CHANNEL, str(user.id))
    # then: dropped within moments, and the token is refused without making an account
    assert eventually(lambda: listening.get(user.keycloak_id) is None, seconds=2)
    with pytest.raises(AccountErased):
        user_provision_from_claims(claims=claims_of(user))
    assert not User.objects.filter(keycloak_id=user.keycloak_id).exists()


def test_a_change_is_announced_when_it_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscriber = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(CHANNEL)
    user_id = uuid4()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            user_changed(user_id)
        messages: list[Any] = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not messages:
            message = subscriber.get_message(timeout=0.1)
            if message and message["data"] == str(user_id).encode():
                messages.append(message)
    finally:
        subscriber.close()
    assert messages, "the change was not announced"


def test_a_row_read_before_a_drop_is_not_kept(listening: UserCache) -> None:
    user = UserFactory()
    generation = listening.generation

    listening.drop(uuid4())  # any change, while the row was being read
    listening.put(user.keycloak_id, user, generation=generation)

    assert listening.get(user.keycloak_id) is None


def test_entries_expire(listening: UserCache) -> None:
    cache = UserCache(max_age_seconds=0.05)
    cache.get("nobody")
    assert eventually(lambda: cache.listening)
    user = UserFactory()

    cache.put(user.keycloak_id, user, generation=cache.generation)
    kept = cache.get(user.keycloak_id)
    time.sleep(0.1)

    assert kept is not None
    assert kept.id == user.id
    assert cache.get(user.keycloak_id) is None


def test_without_a_subscription_nothing_is_kept(settings: Any) -> None:
    # given: Redis cannot be reached
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    cache = UserCache()
    user = UserFactory()
    # when
    cache.get(user.keycloak_id)
    cache.put(user.keycloak_id, user, generation=cache.generation)
    # then
    assert cache.listening is False
    assert cache.get(user.keycloak_id) is None


def test_the_oldest_entries_go_first_when_full(listening: UserCache) -> None:
    cache = UserCache(max_entries=2)
    cache.get("nobody")
    assert eventually(lambda: cache.listening)
    first, second, third = UserFactory.create_batch(3)

    for user in (first, second, third):
        cache.put(user.keycloak_id, user, generation=cache.generation)

    assert cache.get(first.keycloak_id) is None
    assert [cache.get(u.keycloak_id).id for u in (second, third)] == [second.id, third.id]
    cache.drop(first.id)  # its id no longer points anywhere
    assert cache.get(second.keycloak_id) is not None


def test_a_kept_user_is_a_fresh_instance_each_time(listening: UserCache) -> None:
    user = UserFactory(interests=["jazz"], banned_until=timezone.now() + timedelta(days=1))
    listening.put(user.keycloak_id, user, generation=listening.generation)

    one = listening.get(user.keycloak_id)
    two = listening.get(user.keycloak_id)
    assert one is not None
    assert two is not None
    one.interests.append("techno")

    assert one is not two
    assert two.interests == ["jazz"]
    assert two.banned_until == user.banned_until
