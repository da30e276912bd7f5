"""The alerts API: status, body, and who may do what (against stand-in group and event services).

The path through the real group and event services, sockets included, is in
`test_end_to_end.py`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from shared.accounts.services import user_anonymise
from shared.groups.tests.factories import MembershipFactory
from shared.safety.models import Alert, AlertAcknowledgement, AlertStatus, LocationPoint
from shared.safety.tests.factories import AlertFactory, LocationPointFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/safety/alerts/"
LOCATION = {"lat": 65.5848, "lng": 22.1547, "accuracy_m": 15}


def alert_url(alert: Any, suffix: str = "") -> str:
    return f"{ALERTS}{alert.id}/{suffix}"


def raise_body(*groups: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "group_ids": [str(group.id) for group in groups],
        "alert_type": "harassment",
        "message": "Someone is following me",
        "location": LOCATION,
        **overrides,
    }


@pytest.fixture
def crew(make_crew, crew_services):
    return make_crew()


@pytest.fixture
def alert(crew):
    return AlertFactory(sender=crew.sender, crews=[crew.group])


# --- Raising ---


def test_a_still_valid_token_of_an_erased_account_raises_nothing(crew, client_as):
    # given: the user service erased the sender's account; their token has not expired
    client = client_as("sender", crew)
    user_anonymise(user_id=crew.sender.id)
    # when
    response = client.post(ALERTS, raise_body(crew.group), format="json")
    # then
    assert response.status_code == 401
    assert error(response)["code"] == "account_erased"
    assert not Alert.objects.exists()


def test_a_member_raises_an_alert(crew, client_as, crew_services):
    response = client_as("sender", crew).post(ALERTS, raise_body(crew.group), format="json")

    assert response.status_code == 201
    body = response.json()
    alert = Alert.objects.get()
    crew.sender.refresh_from_db()  # the token's profile claims were copied in
    assert body["id"] == str(alert.id)
    assert (body["alert_type"], body["message"], body["status"]) == (
        "harassment",
        "Someone is following me",
        "open",
    )
    assert body["sender"] == {
        "id": str(crew.sender.id),
        "username": crew.sender.username,
        "display_name": crew.sender.display_name,
    }
    assert body["location"] == {"lat": LOCATION["lat"], "lng": LOCATION["lng"]}
    assert body["latest_location"]["accuracy_m"] == 15
    assert [trail_point["lat"] for trail_point in body["trail"]] == [LOCATION["lat"]]
    [crew_out] = body["crews"]
    assert (crew_out["id"], crew_out["name"]) == (str(crew.group.id), crew.group.name)
    assert crew_out["event"]["title"] == crew.group.event.title
    assert body["acknowledgements"] == []
    assert body["skipped_group_ids"] == []
    assert body["cancellable_until"] is not None
    assert body["resolved_at"] is None


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 201,
            "member": 201,
            "admin": 201,
            "owner": 201,
            "banned": 403,
            "moderator": 404,
        }
    ),
)
def test_who_may_raise_an_alert_to_a_crew(crew, client_as, actor, expected):
    response = client_as(actor, crew).post(ALERTS, raise_body(crew.group), format="json")

    assert response.status_code == expected
    assert Alert.objects.exists() is (expected == 201)
    if expected == 404:
        assert error(response)["code"] == "group_not_found"


def test_crews_not_the_senders_are_skipped_and_named(crew, make_crew, crew_services, client_as):
    other = make_crew()

    response = client_as("sender", crew).post(
        ALERTS, raise_body(crew.group, other.group), format="json"
    )

    assert response.status_code == 201
    assert response.json()["skipped_group_ids"] == [str(other.group.id)]
    assert [c["id"] for c in response.json()["crews"]] == [str(crew.group.id)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"alert_type": "missed_check_in"}, "alert_type", id="timer_type_case"),
        pytest.param({"alert_type": "panic"}, "alert_type", id="unknown_type_case"),
        pytest.param({"message": "x" * 501}, "message", id="long_message_case"),
        pytest.param({"group_ids": []}, "group_ids", id="no_crew_case"),
        pytest.param({"group_ids": ["not-a-uuid"]}, "group_ids", id="bad_crew_id_case"),
        pytest.param(
            {"group_ids": [str(uuid4()) for _ in range(11)]}, "group_ids", id="too_many_case"
        ),
        pytest.param({"location": {"lat": 95, "lng": 0}}, "location", id="bad_latitude_case"),
        pytest.param({"location": {"lat": 65.5848}}, "location", id="latitude_alone_case"),
        pytest.param({"location": {"lng": 22.1547}}, "location", id="longitude_alone_case"),
        pytest.param({"location": {}}, "location", id="empty_location_case"),
        pytest.param({"location": "here"}, "location", id="not_an_object_case"),
        pytest.param(
            {"location": {**LOCATION, "accuracy_m": -3}}, "location", id="negative_accuracy_case"
        ),
    ],
)
def test_bad_input_is_400_and_nothing_is_raised(crew, client_as, crew_services, overrides, field):
    response = client_as("sender", crew).post(
        ALERTS, raise_body(crew.group, **overrides), format="json"
    )

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not Alert.objects.exists()
    assert not LocationPoint.objects.exists()
    assert crew_services.seen == []


@pytest.mark.parametrize(
    "location",
    [pytest.param(None, id="null_case"), pytest.param(..., id="left_out_case")],
)
def test_an_alert_without_a_location_is_raised_and_reaches_the_crew(
    crew, client_as, crew_services, location, django_capture_on_commit_callbacks
):
    # given: the phone has no fix (indoors, or location access off)
    body = raise_body(crew.group, location=location)
    if location is ...:
        del body["location"]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("sender", crew).post(ALERTS, body, format="json")
    # then: raised, "position not known yet", and posted into the crew's chat
    assert response.status_code == 201, response.content
    alert = Alert.objects.get()
    out = response.json()
    assert out["id"] == str(alert.id)
    assert (out["location"], out["latest_location"], out["trail"]) == (None, None, [])
    assert alert.location is None
    assert not LocationPoint.objects.exists()
    [notice] = crew_services.notices
    assert (notice.group_id, notice.alert_id, notice.change) == (crew.group.id, alert.id, "raised")
    assert notice.alert["location"] is None
    assert notice.alert["message"] == "Someone is following me"


def test_a_position_sent_after_an_alert_without_one_is_its_trail_and_location(
    crew, client_as, crew_services
):
    # given
    client = client_as("sender", crew)
    raised = client.post(ALERTS, raise_body(crew.group, location=None), format="json").json()
    # when
    added = client.post(
        f"{ALERTS}{raised['id']}/locations/",
        {"lat": 65.59, "lng": 22.16, "accuracy_m": 40},
        format="json",
    )
    # then: the crew sees it in the trail, and as the alert's position
    assert added.status_code == 201
    as_member = client_as("member", crew)
    trail = as_member.get(f"{ALERTS}{raised['id']}/locations/").json()
    detail = as_member.get(f"{ALERTS}{raised['id']}/").json()
    assert [(p["lat"], p["lng"], p["accuracy_m"]) for p in trail["results"]] == [(65.59, 22.16, 40)]
    assert detail["location"] == {"lat": 65.59, "lng": 22.16}
    assert (detail["latest_location"]["lat"], detail["latest_location"]["lng"]) == (65.59, 22.16)
    listed = as_member.get(ALERTS, {"status": "open"}).json()["results"]
    assert [(a["id"], a["location"]) for a in listed] == [
        (raised["id"], {"lat": 65.59, "lng": 22.16})
    ]


def test_the_schema_says_an_alert_may_come_without_a_location(client):
    response = client.get("/api/v1/safety/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    request_body = response.json()["components"]["schemas"]["AlertCreateInputRequest"]
    assert "location" not in request_body["required"]
    assert request_body["properties"]["location"]["nullable"] is True
    output = response.json()["components"]["schemas"]["AlertCreateOutput"]
    assert output["properties"]["location"]["nullable"] is True


def test_the_sixth_alert_in_a_minute_is_429(crew, client_as):
    client = client_as("sender", crew)
    for _ in range(5):
        assert client.post(ALERTS, raise_body(crew.group), format="json").status_code == 201

    response = client.post(ALERTS, raise_body(crew.group), format="json")

    assert response.status_code == 429
    assert error(response)["code"] == "rate_limited"
    assert 0 < error(response)["fields"]["retry_after"] <= 60
    assert Alert.objects.count() == 5


def test_a_rate_limited_alert_says_when_to_retry_in_the_retry_after_header(crew, client_as):
    client = client_as("sender", crew)
    for _ in range(5):
        assert client.post(ALERTS, raise_body(crew.group), format="json").status_code == 201

    response = client.post(ALERTS, raise_body(crew.group), format="json")

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    # the body's wait to a tenth of a second, the header's rounded up to a whole one
    assert retry_after - 1 <= error(response)["fields"]["retry_after"] <= retry_after


def test_an_alert_goes_out_with_the_group_and_event_services_down(crew, client_as, crew_services):
    crew_services.group_status = 503

    response = client_as("sender", crew).post(ALERTS, raise_body(crew.group), format="json")

    assert response.status_code == 201
    assert Alert.objects.get().sender == crew.sender


# --- Reading ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 200,
            "member": 200,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 200,
        }
    ),
)
def test_who_may_read_an_alert_and_its_trail(alert, crew, client_as, actor, expected):
    LocationPointFactory(alert=alert)
    client = client_as(actor, crew)

    detail = client.get(alert_url(alert))
    trail = client.get(alert_url(alert, "locations/"))

    assert detail.status_code == trail.status_code == expected
    if expected == 200:
        assert detail.json()["id"] == str(alert.id)
        assert detail.json()["latest_location"] is not None
        assert trail.json()["count"] == 1
    if expected == 404:
        assert error(detail)["code"] == error(trail)["code"] == "alert_not_found"
        assert "lat" not in str(detail.json())


def test_a_member_sees_only_their_own_crews_of_an_alert(make_crew, crew_services, client_as):
    # given: an alert to two crews; a member of one of them
    first, second = make_crew(), make_crew()
    MembershipFactory(group=second.group, user=first.sender)
    alert = AlertFactory(sender=first.sender, crews=[first.group, second.group])
    # when
    as_member = client_as("member", first).get(alert_url(alert)).json()
    as_sender = client_as("sender", first).get(alert_url(alert)).json()
    as_moderator = client_as("moderator", first).get(alert_url(alert)).json()
    # then
    assert [c["id"] for c in as_member["crews"]] == [str(first.group.id)]
    assert len(as_sender["crews"]) == len(as_moderator["crews"]) == 2


def test_the_alerts_of_my_crews_and_the_open_ones(crew, make_crew, client_as):
    resolved = AlertFactory(
        sender=crew.sender,
        crews=[crew.group],
        status=AlertStatus.RESOLVED,
        resolved_at=timezone.now(),
    )
    open_alert = AlertFactory(sender=crew.admin, crews=[crew.group])
    elsewhere = make_crew()
    AlertFactory(sender=elsewhere.sender, crews=[elsewhere.group])
    client = client_as("member", crew)

    everything = client.get(ALERTS)
    still_open = client.get(ALERTS, {"status": "open"})
    bad = client.get(ALERTS, {"status": "whatever"})

    assert [a["id"] for a in everything.json()["results"]] == [str(open_alert.id), str(resolved.id)]
    assert [a["id"] for a in still_open.json()["results"]] == [str(open_alert.id)]
    assert bad.status_code == 400
    assert client_as("outsider", crew).get(ALERTS).json()["count"] == 0


def test_the_alerts_i_raised(crew, client_as):
    mine = AlertFactory(sender=crew.sender, crews=[crew.group])
    AlertFactory(sender=crew.member, crews=[crew.group])

    response = client_as("sender", crew).get(f"{ALERTS}mine/")

    assert [a["id"] for a in response.json()["results"]] == [str(mine.id)]


# --- Answering ---


@pytest.mark.parametrize(
    ("actor", "expected", "code"),
    [
        pytest.param("anonymous", 401, "not_authenticated", id="anonymous_case"),
        pytest.param("outsider", 404, "alert_not_found", id="outsider_case"),
        pytest.param("sender", 400, "cannot_acknowledge_own_alert", id="sender_case"),
        pytest.param("member", 200, None, id="member_case"),
        pytest.param("admin", 200, None, id="admin_case"),
        pytest.param("owner", 200, None, id="owner_case"),
        pytest.param("banned", 403, "user_banned", id="banned_case"),
        pytest.param("moderator", 403, "not_crew_member", id="moderator_case"),
    ],
)
def test_who_may_acknowledge(alert, crew, client_as, actor, expected, code):
    response = client_as(actor, crew).post(
        alert_url(alert, "acknowledge/"), {"kind": "on_my_way"}, format="json"
    )

    assert response.status_code == expected
    if code:
        assert error(response)["code"] == code
        assert not AlertAcknowledgement.objects.exists()
    else:
        acknowledgement = AlertAcknowledgement.objects.get()
        assert response.json()["kind"] == acknowledgement.kind == "on_my_way"
        assert response.json()["user"]["id"] == str(acknowledgement.user_id)


def test_acknowledgements_show_on_the_alert(alert, crew, client_as):
    client_as("member", crew).post(
        alert_url(alert, "acknowledge/"), {"kind": "seen"}, format="json"
    )
    client_as("admin", crew).post(
        alert_url(alert, "acknowledge/"), {"kind": "with_them"}, format="json"
    )
    client_as("member", crew).post(
        alert_url(alert, "acknowledge/"), {"kind": "on_my_way"}, format="json"
    )

    body = client_as("sender", crew).get(alert_url(alert)).json()

    assert [(a["user"]["id"], a["kind"]) for a in body["acknowledgements"]] == [
        (str(crew.member.id), "on_my_way"),
        (str(crew.admin.id), "with_them"),
    ]


def test_a_bad_acknowledgement_kind_is_400(alert, crew, client_as):
    response = client_as("member", crew).post(
        alert_url(alert, "acknowledge/"), {"kind": "maybe"}, format="json"
    )

    assert response.status_code == 400
    assert "kind" in error(response)["fields"]


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 200,
            "member": 403,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_who_may_resolve(alert, crew, client_as, actor, expected):
    response = client_as(actor, crew).post(
        alert_url(alert, "resolve/"), {"note": "All good now"}, format="json"
    )

    assert response.status_code == expected
    alert.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == alert.status == "resolved"
        assert response.json()["resolution_note"] == "All good now"
        assert response.json()["resolved_by"]["id"] == str(alert.resolved_by_id)
        assert response.json()["cancellable_until"] is None
    else:
        assert alert.status == "open"


def test_resolving_twice_is_409(alert, crew, client_as):
    client_as("sender", crew).post(alert_url(alert, "resolve/"), {}, format="json")

    response = client_as("admin", crew).post(alert_url(alert, "resolve/"), {}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "alert_not_open"


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 200,
            "member": 403,
            "admin": 403,
            "owner": 403,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_who_may_cancel(alert, crew, client_as, actor, expected):
    response = client_as(actor, crew).post(alert_url(alert, "cancel/"))

    assert response.status_code == expected
    alert.refresh_from_db()
    assert alert.status == ("cancelled" if expected == 200 else "open")


def test_cancelling_after_the_window_is_409(alert, crew, client_as, settings):
    Alert.objects.filter(id=alert.id).update(
        created_at=timezone.now()
        - timedelta(seconds=settings.SAFETY_ALERT_CANCEL_WINDOW_SECONDS + 5)
    )

    response = client_as("sender", crew).post(alert_url(alert, "cancel/"))

    assert response.status_code == 409
    assert error(response)["code"] == "cancel_window_passed"


# --- The trail ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 201,
            "member": 403,
            "admin": 403,
            "owner": 403,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
@pytest.mark.parametrize("located", [True, False], ids=["located_case", "no_location_case"])
def test_who_may_add_a_position(crew, client_as, actor, expected, located):
    # given: an alert raised with a position, or without one
    alert = AlertFactory(
        sender=crew.sender, crews=[crew.group], **({} if located else {"location": None})
    )
    raised_at = alert.location
    # when
    response = client_as(actor, crew).post(
        alert_url(alert, "locations/"), {"lat": 65.6, "lng": 22.2, "accuracy_m": 5}, format="json"
    )
    # then
    assert response.status_code == expected
    assert LocationPoint.objects.filter(alert=alert).exists() is (expected == 201)
    alert.refresh_from_db()
    if expected == 201:
        assert response.json()["lat"] == 65.6
        assert response.json()["accuracy_m"] == 5
        assert alert.location == (raised_at if located else Point(22.2, 65.6, srid=4326))
    else:
        assert alert.location == raised_at


def test_positions_stop_once_resolved(alert, crew, client_as):
    client = client_as("sender", crew)
    client.post(alert_url(alert, "resolve/"), {}, format="json")

    response = client.post(
        alert_url(alert, "locations/"), {"lat": 65.6, "lng": 22.2}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "alert_not_open"
    assert not LocationPoint.objects.filter(alert=alert).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"lat": 65.6}, "lng", id="no_longitude_case"),
        pytest.param({"lat": 65.6, "lng": 200}, "lng", id="bad_longitude_case"),
        pytest.param(
            {"lat": 65.6, "lng": 22.2, "recorded_at": "2999-01-01T00:00:00Z"},
            "recorded_at",
            id="future_case",
        ),
    ],
)
def test_a_bad_position_is_400(alert, crew, client_as, body, field):
    response = client_as("sender", crew).post(alert_url(alert, "locations/"), body, format="json")

    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_the_whole_trail_is_paged_oldest_first(alert, crew, client_as):
    now = timezone.now()
    for seconds in (30, 10, 20):
        LocationPointFactory(alert=alert, recorded_at=now - timedelta(seconds=seconds))

    response = client_as("member", crew).get(alert_url(alert, "locations/"), {"page_size": 2})

    body = response.json()
    assert body["count"] == 3
    times = [point["recorded_at"] for point in body["results"]]
    assert times == sorted(times)


def test_an_unknown_alert_is_404(crew, client_as):
    response = client_as("member", crew).get(f"{ALERTS}{uuid4()}/")

    assert response.status_code == 404
    assert error(response)["code"] == "alert_not_found"


# --- Output ---


def test_alert_output_matches_its_declared_fields(crew, client_as):
    """The hand-built output, from a list's record or a model, and the DRF fields (the OpenAPI
    shape) must not drift apart: an alert answered, moved, and resolved."""
    from rest_framework import serializers

    from safety_service.api.serializers import AlertDetailOutputSerializer, AlertOutputSerializer
    from shared.safety.selectors import alert_get

    sender = client_as("sender", crew)
    alert_id = sender.post(ALERTS, raise_body(crew.group), format="json").json()["id"]
    member = client_as("member", crew)
    assert member.post(f"{ALERTS}{alert_id}/acknowledge/", {"kind": "on_my_way"}, format="json")
    moved = {"lat": 65.59, "lng": 22.16, "accuracy_m": 8}
    assert sender.post(f"{ALERTS}{alert_id}/locations/", moved, format="json").status_code == 201
    assert sender.post(f"{ALERTS}{alert_id}/resolve/", {"note": "Safe"}, format="json")
    alert = alert_get(alert_id=alert_id, viewer_id=crew.sender.id)
    context = {"viewer_id": crew.sender.id, "viewer_crew_ids": set(), "sees_all_crews": False}

    listed = sender.get(ALERTS).json()["results"][0]
    detail = sender.get(f"{ALERTS}{alert_id}/").json()

    by_fields = serializers.ModelSerializer.to_representation(
        AlertOutputSerializer(alert, context=context), alert
    )
    detail_by_fields = serializers.ModelSerializer.to_representation(
        AlertDetailOutputSerializer(alert, context=context), alert
    )
    assert listed == dict(by_fields)
    assert AlertOutputSerializer(alert, context=context).data == dict(by_fields)
    assert detail == dict(detail_by_fields)
    assert listed["latest_location"]["lat"] == moved["lat"]
    assert detail["acknowledgements"][0]["kind"] == "on_my_way"
