"""`/api/v1/moderation/bans/`: ban, lift, list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.moderation.models import Ban, ModerationAction
from shared.moderation.tests.factories import BanFactory
from shared.testing.api import actor_params, error
from tests.conftest import MODERATORS_ONLY

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/bans/"
REASON = "Posted spam links in three crews."


def iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- create ---


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 201, "admin": 201})
)
def test_only_moderators_and_admins_ban(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    # given
    target = UserFactory()
    client = client_as(actor)
    # when
    response = client.post(URL, {"user_id": str(target.id), "reason": REASON}, format="json")
    # then
    assert response.status_code == status
    banned = Ban.objects.filter(user=target).exists()
    assert banned == (status == 201)
    assert User.objects.get(id=target.id).is_banned == banned
    assert OutboxMessage.objects.exists() == banned
    assert ModerationAction.objects.exists() == banned


def test_a_ban_is_returned_audited_and_published(moderator: Any) -> None:
    # given
    target = UserFactory(username="spammer")
    until = timezone.now() + timedelta(days=7)
    # when
    response = moderator.post(
        URL, {"user_id": str(target.id), "reason": REASON, "until": iso(until)}, format="json"
    )
    # then
    assert response.status_code == 201
    ban = Ban.objects.get()
    body = response.json()
    assert body == {
        "id": str(ban.id),
        "user": {"id": str(target.id), "username": "spammer", "display_name": target.display_name},
        "reason": REASON,
        "starts_at": iso(ban.starts_at),
        "until": iso(until),
        "is_active": True,
        "created_by": {
            "id": str(moderator.user.id),
            "username": moderator.user.username,
            "display_name": User.objects.get(id=moderator.user.id).display_name,
        },
        "lifted_at": None,
        "lifted_by": None,
        "lift_reason": "",
        "created_at": iso(ban.created_at),
    }
    audit = ModerationAction.objects.get()
    assert (audit.actor_id, audit.action, audit.target_id) == (
        moderator.user.id,
        "user.banned",
        target.id,
    )
    assert OutboxMessage.objects.get().routing_key == "user.banned"


def test_the_banned_user_is_refused_on_their_very_next_request(
    moderator: Any, auth_client: Callable[..., Any]
) -> None:
    # given: a user who can use the API
    target = auth_client()
    assert target.get("/api/v1/moderation/reports/mine/").status_code == 200
    # when
    moderator.post(URL, {"user_id": str(target.user.id), "reason": REASON}, format="json")
    # then
    response = target.get("/api/v1/moderation/reports/mine/")
    assert response.status_code == 403
    assert error(response)["code"] == "user_banned"


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        pytest.param({"reason": "Too short"}, 400, "invalid", "reason", id="reason_9_chars_case"),
        pytest.param({"reason": "x" * 501}, 400, "invalid", "reason", id="reason_501_chars_case"),
        pytest.param({"reason": ""}, 400, "invalid", "reason", id="reason_empty_case"),
        pytest.param({"reason": None}, 400, "invalid", "reason", id="reason_null_case"),
        pytest.param(
            {"until": "2020-01-01T00:00:00Z"}, 400, "invalid", "until", id="until_past_case"
        ),
        pytest.param(
            {"until": "2099-01-01T00:00:00"}, 400, "invalid", "until", id="until_naive_case"
        ),
        pytest.param({"until": "tomorrow"}, 400, "invalid", "until", id="until_garbage_case"),
        pytest.param({"user_id": "nope"}, 400, "invalid", "user_id", id="bad_user_id_case"),
        pytest.param(
            {"user_id": str(uuid4())}, 404, "user_not_found", None, id="unknown_user_case"
        ),
    ],
)
def test_bad_ban_requests_are_refused_and_change_nothing(
    moderator: Any, payload: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    target = UserFactory()

    response = moderator.post(
        URL, {"user_id": str(target.id), "reason": REASON, **payload}, format="json"
    )

    assert response.status_code == status
    assert error(response)["code"] == code
    if field:
        assert field in error(response)["fields"]
    assert not Ban.objects.exists()
    assert not User.objects.get(id=target.id).is_banned


def test_a_moderator_cannot_ban_themself(moderator: Any) -> None:
    response = moderator.post(
        URL, {"user_id": str(moderator.user.id), "reason": REASON}, format="json"
    )

    assert response.status_code == 400
    assert error(response)["code"] == "cannot_ban_self"
    assert not Ban.objects.exists()


@pytest.mark.parametrize("actor", ["moderator", "admin"])
def test_nobody_bans_an_admin(client_as: Callable[[str], Any], actor: str) -> None:
    admin = UserFactory(realm_roles=["admin", "moderator", "user"])

    response = client_as(actor).post(
        URL, {"user_id": str(admin.id), "reason": REASON}, format="json"
    )

    assert response.status_code == 403
    assert error(response)["code"] == "cannot_ban_admin"
    assert not User.objects.get(id=admin.id).is_banned


def test_banning_a_banned_user_is_409(moderator: Any) -> None:
    ban = BanFactory()

    response = moderator.post(URL, {"user_id": str(ban.user_id), "reason": REASON}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "user_already_banned"
    assert Ban.objects.count() == 1


def test_malformed_json_is_a_400(moderator: Any) -> None:
    response = moderator.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert not Ban.objects.exists()


# --- lift ---


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_and_admins_lift(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    ban = BanFactory()

    response = client_as(actor).post(
        f"{URL}{ban.id}/lift/", {"reason": "Appeal accepted."}, format="json"
    )

    assert response.status_code == status
    lifted = Ban.objects.get(id=ban.id).lifted_at is not None
    assert lifted == (status == 200)
    assert User.objects.get(id=ban.user_id).is_banned != lifted


def test_lifting_returns_the_lifted_ban_and_publishes_the_unban(moderator: Any) -> None:
    ban = BanFactory()

    response = moderator.post(f"{URL}{ban.id}/lift/", {"reason": "Appeal accepted."}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["is_active"], body["lift_reason"], body["lifted_by"]["id"]) == (
        False,
        "Appeal accepted.",
        str(moderator.user.id),
    )
    assert OutboxMessage.objects.get().routing_key == "user.unbanned"
    assert ModerationAction.objects.get().action == "user.unbanned"


@pytest.mark.parametrize(
    ("setup", "reason", "status", "code"),
    [
        pytest.param("lifted", "Appeal accepted.", 409, "ban_already_lifted", id="twice_case"),
        pytest.param("unknown", "Appeal accepted.", 404, "ban_not_found", id="unknown_case"),
        pytest.param("active", "ok", 400, "invalid", id="short_reason_case"),
    ],
)
def test_bad_lifts_are_refused(
    moderator: Any, setup: str, reason: str, status: int, code: str
) -> None:
    ban_id = {
        "lifted": lambda: BanFactory(lifted_at=timezone.now(), lift_reason="Earlier.").id,
        "unknown": uuid4,
        "active": lambda: BanFactory().id,
    }[setup]()

    response = moderator.post(f"{URL}{ban_id}/lift/", {"reason": reason}, format="json")

    assert response.status_code == status
    assert error(response)["code"] == code
    assert not OutboxMessage.objects.exists()


# --- list / retrieve ---


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_and_admins_list_bans(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    ban = BanFactory()

    list_response = client_as(actor).get(URL)
    detail_response = client_as(actor).get(f"{URL}{ban.id}/")

    assert (list_response.status_code, detail_response.status_code) == (status, status)
    if status != 200:
        assert ban.reason not in list_response.content.decode()


def test_bans_list_current_and_past_and_filters_by_user(moderator: Any) -> None:
    # given
    now = timezone.now()
    current = BanFactory(starts_at=now - timedelta(hours=1))
    past = BanFactory(starts_at=now - timedelta(days=2), lifted_at=now, lift_reason="Appeal.")
    ended = BanFactory(starts_at=now - timedelta(days=3), until=now - timedelta(days=1))
    BanFactory(user=current.user, starts_at=now - timedelta(days=9), lifted_at=now)
    # when
    everything = moderator.get(URL).json()
    active = moderator.get(URL, {"active": "true"}).json()
    inactive = moderator.get(URL, {"active": "false"}).json()
    of_user = moderator.get(URL, {"user": str(current.user_id)}).json()
    # then
    assert everything["count"] == 4
    assert [b["id"] for b in active["results"]] == [str(current.id)]
    assert {b["id"] for b in inactive["results"]} >= {str(past.id), str(ended.id)}
    assert inactive["count"] == 3
    assert [b["user"]["id"] for b in of_user["results"]] == [str(current.user_id)] * 2


def test_a_bad_filter_is_a_400(moderator: Any) -> None:
    response = moderator.get(URL, {"user": "nope", "active": "maybe"})

    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"user", "active"}


def test_bans_are_counted_in_the_metrics(
    moderator: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def bans_total() -> float:
        body = client.get("/metrics").content.decode()
        line = next(line for line in body.splitlines() if line.startswith("bans_total{"))
        return float(line.rsplit(" ", 1)[1])

    before = bans_total()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            moderator.post(URL, {"user_id": str(UserFactory().id), "reason": REASON}, format="json")

    assert bans_total() == before + 2
