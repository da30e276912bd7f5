"""`/api/v1/moderation/audit-log/`: every moderator action, filterable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.moderation.models import ModerationAction
from shared.moderation.tests.factories import ModerationActionFactory, ReportFactory
from shared.testing.api import actor_params, error
from tests.conftest import MODERATORS_ONLY

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/audit-log/"


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_and_admins_read_the_audit_log(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    ModerationActionFactory(reason="Secret moderation note")

    response = client_as(actor).get(URL)

    assert response.status_code == status
    if status != 200:
        assert "Secret moderation note" not in response.content.decode()


def test_every_api_action_lands_in_the_audit_log(moderator: Any) -> None:
    # given: a ban, its lift, a report taken and dismissed
    target = UserFactory()
    reporter_target = UserFactory()
    ban = moderator.post(
        "/api/v1/moderation/bans/",
        {"user_id": str(target.id), "reason": "Spam in every crew chat."},
        format="json",
    ).json()
    moderator.post(
        f"/api/v1/moderation/bans/{ban['id']}/lift/", {"reason": "Appeal accepted."}, format="json"
    )
    report = ReportFactory(target_author=reporter_target, target_id=reporter_target.id)
    moderator.post(f"/api/v1/moderation/reports/{report.id}/take/")
    moderator.post(
        f"/api/v1/moderation/reports/{report.id}/resolve/",
        {"action": "dismiss", "note": "Nothing against the rules."},
        format="json",
    )
    # when
    body = moderator.get(URL).json()
    # then
    assert [entry["action"] for entry in body["results"]] == [
        "report.dismissed",
        "report.taken",
        "user.unbanned",
        "user.banned",
    ]
    assert {entry["actor"]["id"] for entry in body["results"]} == {str(moderator.user.id)}
    banned = body["results"][-1]
    assert (banned["target_type"], banned["target_id"], banned["reason"]) == (
        "user",
        str(target.id),
        "Spam in every crew chat.",
    )


def test_the_audit_log_filters_by_actor_action_target_and_time(moderator: Any) -> None:
    # given
    alice, bob = UserFactory(), UserFactory()
    target = uuid4()
    banned = ModerationActionFactory(actor=alice, action="user.banned", target_id=target)
    taken = ModerationActionFactory(actor=alice, action="report.taken", target_type="report")
    resolved = ModerationActionFactory(actor=bob, action="report.resolved", target_type="report")
    ModerationAction.objects.filter(id=banned.id).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    def ids(**params: Any) -> list[str]:
        response = moderator.get(URL, params)
        assert response.status_code == 200
        return [entry["id"] for entry in response.json()["results"]]

    # when / then
    assert ids(actor=str(alice.id)) == [str(taken.id), str(banned.id)]
    assert ids(action="user.banned") == [str(banned.id)]
    assert ids(action="report.") == [str(resolved.id), str(taken.id)]
    assert ids(target=str(target)) == [str(banned.id)]
    assert ids(target_type="report", actor=str(bob.id)) == [str(resolved.id)]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=since) == [str(resolved.id), str(taken.id)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"action": "user.exploded"}, "action", id="unknown_action_case"),
        pytest.param({"action": "nothing."}, "action", id="unknown_prefix_case"),
        pytest.param({"target": "nope"}, "target", id="bad_target_case"),
        pytest.param({"target_type": "planet"}, "target_type", id="bad_type_case"),
        pytest.param({"actor": "nope"}, "actor", id="bad_actor_case"),
        pytest.param({"created_after": "2026-01-01T00:00"}, "created_after", id="naive_case"),
    ],
)
def test_bad_filters_are_400(moderator: Any, params: dict[str, str], field: str) -> None:
    response = moderator.get(URL, params)

    assert response.status_code == 400
    assert field in error(response)["fields"]
