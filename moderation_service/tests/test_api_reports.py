"""`/api/v1/moderation/reports/`: users report; moderators take and resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.events.models import Event
from shared.events.tests.factories import EventFactory
from shared.messaging.models import OutboxMessage
from shared.moderation.models import Ban, ModerationAction, Report
from shared.moderation.tests.factories import ReportFactory
from shared.testing.api import actor_params, error
from tests.conftest import MODERATORS_ONLY

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/reports/"
NOTE = "Checked the chat log; clear harassment."


# --- filing ---


@pytest.mark.parametrize(
    ("actor", "status"),
    actor_params({"anonymous": 401, "banned": 403, "user": 201, "moderator": 201, "admin": 201}),
)
def test_any_signed_in_user_files_a_report(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    event = EventFactory()

    response = client_as(actor).post(
        URL, {"target_type": "event", "target_id": str(event.id), "reason": "Scam"}, format="json"
    )

    assert response.status_code == status
    assert Report.objects.exists() == (status == 201)


def test_a_report_is_returned_as_its_reporter_sees_it(client_as: Callable[[str], Any]) -> None:
    client = client_as("user")
    target = UserFactory()

    response = client.post(
        URL,
        {"target_type": "user", "target_id": str(target.id), "reason": "Stalks me"},
        format="json",
    )

    assert response.status_code == 201
    report = Report.objects.get()
    body = response.json()
    assert body == {
        "id": str(report.id),
        "target_type": "user",
        "target_id": str(target.id),
        "reason": "Stalks me",
        "status": "open",
        "created_at": body["created_at"],
        "resolved_at": None,
    }
    assert report.reporter_id == client.user.id


def test_reporting_again_while_open_is_200_with_the_same_report(
    client_as: Callable[[str], Any],
) -> None:
    client = client_as("user")
    payload = {"target_type": "user", "target_id": str(UserFactory().id), "reason": "Spam"}
    first = client.post(URL, payload, format="json")

    again = client.post(URL, payload, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        pytest.param({"target_type": "poll"}, 400, "invalid", id="unknown_type_case"),
        pytest.param({"target_id": "nope"}, 400, "invalid", id="bad_id_case"),
        pytest.param({"reason": ""}, 400, "invalid", id="blank_reason_case"),
        pytest.param({"reason": "x" * 1001}, 400, "invalid", id="long_reason_case"),
        pytest.param({"target_id": str(uuid4())}, 404, "event_not_found", id="unknown_case"),
        pytest.param({"private": True}, 404, "event_not_found", id="private_event_case"),
    ],
)
def test_bad_reports_are_refused(
    client_as: Callable[[str], Any], payload: dict[str, Any], status: int, code: str
) -> None:
    event = EventFactory(visibility="private" if payload.pop("private", False) else "public")
    body = {"target_type": "event", "target_id": str(event.id), "reason": "Scam", **payload}

    response = client_as("user").post(URL, body, format="json")

    assert response.status_code == status
    assert error(response)["code"] == code
    assert not Report.objects.exists()


def test_reporting_yourself_is_400(client_as: Callable[[str], Any]) -> None:
    client = client_as("user")

    response = client.post(
        URL,
        {"target_type": "user", "target_id": str(client.user.id), "reason": "Test"},
        format="json",
    )

    assert response.status_code == 400
    assert error(response)["code"] == "cannot_report_self"


# --- what a reporter sees ---


def test_a_reporter_sees_only_their_own_reports(client_as: Callable[[str], Any]) -> None:
    # given
    client = client_as("user")
    mine = ReportFactory(reporter=User.objects.get(id=client.user.id), reason="My report")
    theirs = ReportFactory(reason="Someone else's report")
    # when
    listed = client.get(f"{URL}mine/")
    own = client.get(f"{URL}{mine.id}/")
    other = client.get(f"{URL}{theirs.id}/")
    queue = client.get(URL)
    # then
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [str(mine.id)]
    assert own.status_code == 200
    assert set(own.json()) == {
        "id",
        "target_type",
        "target_id",
        "reason",
        "status",
        "created_at",
        "resolved_at",
    }
    assert other.status_code == 404
    assert queue.status_code == 403
    for response in (listed, own, other, queue):
        assert "Someone else's report" not in response.content.decode()


# --- the queue ---


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_see_the_queue(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    ReportFactory(reason="Queue item")

    response = client_as(actor).get(URL)

    assert response.status_code == status
    if status == 200:
        assert [r["reason"] for r in response.json()["results"]] == ["Queue item"]


def test_the_queue_filters_by_status(moderator: Any) -> None:
    open_report = ReportFactory()
    ReportFactory(status="dismissed")

    default = moderator.get(URL).json()
    dismissed = moderator.get(URL, {"status": "dismissed"}).json()
    bad = moderator.get(URL, {"status": "lost"})

    assert [r["id"] for r in default["results"]] == [str(open_report.id)]
    assert dismissed["count"] == 1
    assert bad.status_code == 400


def test_moderators_see_who_reported_whom(moderator: Any) -> None:
    report = ReportFactory()

    body = moderator.get(f"{URL}{report.id}/").json()

    assert body["reporter"]["id"] == str(report.reporter_id)
    assert body["target_author"]["id"] == str(report.target_author_id)


# --- take / resolve ---


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_take_reports(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    report = ReportFactory()

    response = client_as(actor).post(f"{URL}{report.id}/take/")

    assert response.status_code == status
    stored = Report.objects.get(id=report.id)
    assert (stored.status == "in_review") == (status == 200)


def test_taking_a_report_assigns_it(moderator: Any) -> None:
    report = ReportFactory()

    response = moderator.post(f"{URL}{report.id}/take/")

    body = response.json()
    assert (body["status"], body["assigned_to"]["id"]) == ("in_review", str(moderator.user.id))


def test_taking_a_report_another_moderator_took_is_409(
    moderator: Any, client_as: Callable[[str], Any]
) -> None:
    report = ReportFactory()
    moderator.post(f"{URL}{report.id}/take/")

    response = client_as("moderator").post(f"{URL}{report.id}/take/")

    assert response.status_code == 409
    assert error(response)["code"] == "report_taken_by_other"


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({**MODERATORS_ONLY, "moderator": 200, "admin": 200})
)
def test_only_moderators_resolve_reports(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    report = ReportFactory()

    response = client_as(actor).post(
        f"{URL}{report.id}/resolve/", {"action": "ban_author", "note": NOTE}, format="json"
    )

    assert response.status_code == status
    assert Ban.objects.exists() == (status == 200)
    assert (Report.objects.get(id=report.id).status == "resolved") == (status == 200)


def test_the_full_workflow_report_take_remove(
    client_as: Callable[[str], Any], moderator: Any
) -> None:
    # given: a user reports an event
    event = EventFactory(title="Free tickets!!!")
    reporter = client_as("user")
    report_id = reporter.post(
        URL, {"target_type": "event", "target_id": str(event.id), "reason": "Scam"}, format="json"
    ).json()["id"]
    # when: a moderator takes it and removes the event
    moderator.post(f"{URL}{report_id}/take/")
    response = moderator.post(
        f"{URL}{report_id}/resolve/", {"action": "remove_content", "note": NOTE}, format="json"
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["resolution"], body["resolution_note"]) == (
        "resolved",
        "remove_content",
        NOTE,
    )
    assert Event.objects.get(id=event.id).removal_reason == NOTE
    mine = reporter.get(f"{URL}mine/").json()["results"]
    assert [(r["id"], r["status"]) for r in mine] == [(report_id, "resolved")]
    assert "resolution_note" not in mine[0]
    assert list(
        ModerationAction.objects.order_by("created_at").values_list("action", flat=True)
    ) == [
        "report.taken",
        "event.removed",
        "report.resolved",
    ]


def test_resolving_by_banning_the_author_with_an_end(moderator: Any) -> None:
    report = ReportFactory()

    response = moderator.post(
        f"{URL}{report.id}/resolve/",
        {"action": "ban_author", "note": NOTE, "ban_until": "2099-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 200
    ban = Ban.objects.get(user_id=report.target_author_id)
    assert (ban.reason, ban.until.year) == (NOTE, 2099)
    assert OutboxMessage.objects.get().routing_key == "user.banned"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        pytest.param({"action": "explode"}, 400, "invalid", id="unknown_action_case"),
        pytest.param({"note": "short"}, 400, "invalid", id="short_note_case"),
        pytest.param({"action": "remove_content"}, 400, "invalid", id="remove_a_user_case"),
        pytest.param(
            {"ban_until": "2099-01-01T00:00:00Z"}, 400, "invalid", id="until_without_ban_case"
        ),
    ],
)
def test_bad_resolutions_are_refused_and_leave_the_report_open(
    moderator: Any, payload: dict[str, Any], status: int, code: str
) -> None:
    report = ReportFactory()

    response = moderator.post(
        f"{URL}{report.id}/resolve/", {"action": "dismiss", "note": NOTE, **payload}, format="json"
    )

    assert response.status_code == status
    assert error(response)["code"] == code
    assert Report.objects.get(id=report.id).status == "open"
    assert not ModerationAction.objects.exists()


def test_resolving_a_closed_report_is_409_and_an_unknown_one_404(moderator: Any) -> None:
    closed = ReportFactory(status="dismissed")

    again = moderator.post(
        f"{URL}{closed.id}/resolve/", {"action": "dismiss", "note": NOTE}, format="json"
    )
    unknown = moderator.post(
        f"{URL}{uuid4()}/resolve/", {"action": "dismiss", "note": NOTE}, format="json"
    )

    assert (again.status_code, error(again)["code"]) == (409, "report_closed")
    assert (unknown.status_code, error(unknown)["code"]) == (404, "report_not_found")
