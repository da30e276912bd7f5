"""The service-to-service client against real local servers: down, slow, failing and well."""

from __future__ import annotations

import json
import time
from uuid import uuid4

import pytest
from django_guid import clear_guid, set_guid

from shared.api.exception_handler import exception_handler
from shared.http.client import (
    SERVICE_ACCOUNT,
    ServiceClient,
    UserToken,
    call_budget,
)
from shared.http.errors import ServiceUnavailable
from shared.http.events import event_details_get
from shared.http.groups import group_membership_get, group_safety_alert_post
from shared.http.tests.servers import FakeService, ok, sequence, slow, status, stopped_port
from shared.http.tokens import service_tokens


@pytest.fixture(autouse=True)
def _fast_http(settings):
    settings.SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS = 0.5
    settings.SERVICE_HTTP_READ_TIMEOUT_SECONDS = 0.5
    settings.SERVICE_HTTP_ATTEMPTS = 2
    settings.SERVICE_HTTP_RETRY_BACKOFF_SECONDS = 0.05
    service_tokens.clear()
    yield
    service_tokens.clear()
    clear_guid()


@pytest.fixture
def service_identity(settings, oidc_provider):
    """This process as the `crewup-safety` client of the test identity provider."""
    settings.SERVICE_CLIENT_ID = "crewup-safety"
    settings.SERVICE_CLIENT_SECRET = "test-safety-secret"
    settings.SERVICE_TOKEN_URL = ""
    return oidc_provider.register_client("crewup-safety", "test-safety-secret")


def client_of(url: str, **kwargs) -> ServiceClient:
    return ServiceClient(name="group", base_url=url, **kwargs)


def test_a_stopped_dependency_is_503_at_once_after_one_retry():
    client = client_of(f"http://127.0.0.1:{stopped_port()}")
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/anything/")

    assert time.monotonic() - started < 0.5
    assert raised.value.dependency == "group"
    assert raised.value.status == 503
    assert raised.value.code == "dependency_unavailable"
    assert "cannot connect" in raised.value.reason


def test_a_slow_dependency_is_503_after_the_read_timeout_and_not_retried():
    with FakeService(slow(2.0)) as server:
        started = time.monotonic()

        with pytest.raises(ServiceUnavailable) as raised:
            client_of(server.url).get("/slow/")

        elapsed = time.monotonic() - started
    assert 0.45 < elapsed < 1.0
    assert "timed out" in raised.value.reason
    assert len(server.requests) == 1


def test_a_503_dependency_is_retried_once_for_a_get_then_503():
    with FakeService(status(503)) as server, pytest.raises(ServiceUnavailable) as raised:
        client_of(server.url).get("/failing/")

    assert len(server.requests) == 2
    assert raised.value.reason == "answered 503"


def test_a_500_is_not_retried():
    with FakeService(status(500)) as server, pytest.raises(ServiceUnavailable):
        client_of(server.url).get("/broken/")

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("idempotent", "expected_requests"),
    [
        pytest.param(None, 1, id="plain_post_case"),
        pytest.param(True, 2, id="idempotent_post_case"),
    ],
)
def test_a_post_is_retried_on_503_only_when_marked_idempotent(idempotent, expected_requests):
    with FakeService(status(503)) as server, pytest.raises(ServiceUnavailable):
        client_of(server.url).post("/notices/", json={}, idempotent=idempotent)

    assert len(server.requests) == expected_requests


def test_a_passing_failure_is_absorbed_by_the_retry():
    with FakeService(sequence(status(502), ok({"answer": 42}))) as server:
        response = client_of(server.url).get("/flaky/")

    assert response.status_code == 200
    assert response.json() == {"answer": 42}
    assert len(server.requests) == 2


def test_a_404_is_the_callers_to_interpret():
    with FakeService(status(404)) as server:
        response = client_of(server.url).get("/missing/")

    assert response.status_code == 404
    assert len(server.requests) == 1


def test_the_budget_bounds_several_calls_together():
    # given: each call alone would wait up to its 0.5 s read timeout
    with FakeService(slow(0.3)) as server:
        client = client_of(server.url)
        started = time.monotonic()
        # when: three calls in a 0.5 s budget
        with call_budget(0.5), pytest.raises(ServiceUnavailable):  # noqa: PT012 - the budget spans calls
            for _ in range(3):
                client.get("/slowish/")
        elapsed = time.monotonic() - started
    # then: the second call is cut short and the third never starts
    assert elapsed < 0.7
    assert len(server.requests) == 2


def test_the_request_id_is_passed_along():
    request_id = uuid4().hex
    set_guid(request_id)
    with FakeService(ok()) as server:
        client_of(server.url).get("/traced/")

    assert server.requests[0].headers["x-request-id"] == request_id


def test_a_call_outside_a_request_gets_a_fresh_request_id():
    clear_guid()
    with FakeService(ok()) as server:
        client_of(server.url).get("/a/")
        client_of(server.url).get("/b/")

    first, second = (seen.headers["x-request-id"] for seen in server.requests)
    assert len(first) == 32
    assert first != second


def test_a_users_token_is_passed_through():
    with FakeService(ok()) as server:
        client_of(server.url).get("/as-user/", credentials=UserToken("the-users-jwt"))

    assert server.requests[0].headers["authorization"] == "Bearer the-users-jwt"


def test_a_service_token_is_fetched_once_and_reused(service_identity, oidc_provider):
    from shared.auth.tokens import decode_access_token

    before = oidc_provider.token_requests
    with FakeService(ok()) as server:
        client_of(server.url).get("/one/", credentials=SERVICE_ACCOUNT)
        client_of(server.url).get("/two/", credentials=SERVICE_ACCOUNT)

    tokens = {seen.headers["authorization"] for seen in server.requests}
    assert len(tokens) == 1
    assert oidc_provider.token_requests - before == 1
    claims = decode_access_token(tokens.pop().removeprefix("Bearer "))
    assert claims.roles == frozenset({"service"})
    assert claims.subject == service_identity
    assert claims.raw["azp"] == "crewup-safety"


def test_a_rejected_service_token_is_renewed_once(service_identity, oidc_provider):
    with FakeService(sequence(status(401), ok())) as server:
        response = client_of(server.url).get("/strict/", credentials=SERVICE_ACCOUNT)

    assert response.status_code == 200
    first, second = (seen.headers["authorization"] for seen in server.requests)
    assert first != second
    assert service_tokens.fetch_count == 2


def test_a_service_token_is_renewed_before_it_expires(settings, service_identity, oidc_provider):
    # given: tokens that live 2 s; renewing 30 s ahead is capped at half their life (1 s)
    settings.SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 30
    oidc_provider.token_lifetime = 2
    try:
        first = service_tokens.get()
        # when / then: reused for a second, then replaced while still valid
        assert service_tokens.get() == first
        time.sleep(1.05)
        assert service_tokens.get() != first
    finally:
        oidc_provider.token_lifetime = 300
    assert service_tokens.fetch_count == 2


def test_a_wrong_client_secret_is_503_naming_the_identity_provider(settings, service_identity):
    settings.SERVICE_CLIENT_SECRET = "not-the-secret"

    with FakeService(ok()) as server, pytest.raises(ServiceUnavailable) as raised:
        client_of(server.url).get("/x/", credentials=SERVICE_ACCOUNT)

    assert raised.value.dependency == "identity provider"
    assert server.requests == []


def test_an_identity_provider_that_is_down_is_503(service_identity, oidc_provider):
    oidc_provider.available = False

    with FakeService(ok()) as server, pytest.raises(ServiceUnavailable) as raised:
        client_of(server.url).get("/x/", credentials=SERVICE_ACCOUNT)

    assert raised.value.dependency == "identity provider"
    assert server.requests == []


def test_no_client_configured_is_503_not_a_crash(settings):
    settings.SERVICE_CLIENT_ID = ""

    with pytest.raises(ServiceUnavailable) as raised:
        client_of("http://127.0.0.1:1").get("/x/", credentials=SERVICE_ACCOUNT)

    assert raised.value.dependency == "identity provider"


def test_the_api_renders_an_unavailable_dependency_as_a_503_naming_it():
    response = exception_handler(ServiceUnavailable("group", "answered 503"), {})

    assert response.status_code == 503
    assert response.data == {
        "error": {
            "code": "dependency_unavailable",
            "message": "The group service is unavailable; try again shortly.",
            "fields": {"dependency": "group"},
        }
    }


# --- The endpoint wrappers ---


def test_group_membership_get_reads_the_internal_answer(settings, service_identity):
    group_id, user_id, event_id, other = uuid4(), uuid4(), uuid4(), uuid4()
    answer = {
        "group_id": str(group_id),
        "user_id": str(user_id),
        "role": "admin",
        "event_id": str(event_id),
        "member_ids": [str(other), str(user_id)],
    }
    with FakeService(ok(answer)) as server:
        settings.GROUP_SERVICE_URL = server.url
        membership = group_membership_get(group_id=group_id, user_id=user_id)

    assert membership is not None
    assert (membership.role, membership.is_admin, membership.event_id) == ("admin", True, event_id)
    assert membership.member_ids == (other, user_id)
    assert server.requests[0].path == f"/internal/v1/groups/{group_id}/members/{user_id}/"
    assert server.requests[0].headers["authorization"].startswith("Bearer ey")


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [
        pytest.param(status(404), None, id="not_a_member_case"),
        pytest.param(status(403), ServiceUnavailable, id="refused_service_token_case"),
        pytest.param(ok({"group_id": "not-a-uuid"}), ServiceUnavailable, id="garbled_case"),
    ],
)
def test_group_membership_get_maps_other_answers(settings, service_identity, behaviour, outcome):
    with FakeService(behaviour) as server:
        settings.GROUP_SERVICE_URL = server.url
        if outcome is None:
            assert group_membership_get(group_id=uuid4(), user_id=uuid4()) is None
        else:
            with pytest.raises(outcome):
                group_membership_get(group_id=uuid4(), user_id=uuid4())


def test_group_safety_alert_post_sends_the_notice(settings, service_identity):
    group_id, alert_id, message_id = uuid4(), uuid4(), uuid4()
    receipt = {"message_id": str(message_id), "sequence": 7, "created": True, "broadcast": True}
    with FakeService(lambda seen: (201, receipt)) as server:
        settings.GROUP_SERVICE_URL = server.url
        answer = group_safety_alert_post(
            group_id=group_id, alert_id=alert_id, change="raised", alert={"id": str(alert_id)}
        )

    assert answer is not None
    assert (answer.message_id, answer.sequence, answer.created) == (message_id, 7, True)
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", f"/internal/v1/groups/{group_id}/safety-alerts/")
    assert json.loads(seen.body) == {
        "alert_id": str(alert_id),
        "change": "raised",
        "alert": {"id": str(alert_id)},
    }


def test_event_details_get_applies_the_users_view(settings):
    event_id = uuid4()
    event = {
        "id": str(event_id),
        "title": "Jazz night",
        "event_type": "concert",
        "status": "scheduled",
        "starts_at": "2026-12-01T20:00:00Z",
        "ends_at": "2026-12-01T23:00:00Z",
        "venue_name": "Kulturens hus",
        "address": "Skeppsbrogatan 17",
        "description": "ignored",
    }
    with FakeService(sequence(ok(event), status(404))) as server:
        settings.EVENT_SERVICE_URL = server.url
        seen = event_details_get(event_id=event_id, credentials=UserToken("jwt"))
        hidden = event_details_get(event_id=event_id, credentials=UserToken("jwt"))

    assert seen is not None
    assert seen.as_dict() == {key: value for key, value in event.items() if key != "description"}
    assert hidden is None
    assert server.requests[0].headers["authorization"] == "Bearer jwt"


def test_a_failed_token_request_is_not_repeated_at_once(settings, service_identity, oidc_provider):
    # given: a provider that is down, and a pause of 0.3 s after a failure
    settings.SERVICE_TOKEN_RETRY_AFTER_SECONDS = 0.3
    oidc_provider.available = False
    with pytest.raises(ServiceUnavailable):
        service_tokens.get()
    asked = oidc_provider.token_requests
    # when: asked again at once, the provider back meanwhile
    oidc_provider.available = True
    with pytest.raises(ServiceUnavailable) as raised:
        service_tokens.get()
    # then: refused without a request; asked again once the pause is over
    assert raised.value.dependency == "identity provider"
    assert oidc_provider.token_requests == asked
    time.sleep(0.35)
    assert service_tokens.get()
    assert oidc_provider.token_requests == asked + 1


def test_a_failed_early_renewal_keeps_the_valid_token(settings, service_identity, oidc_provider):
    # given: a token of 2 s, due for renewal after 1 s, and a provider that is then down
    settings.SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 30
    oidc_provider.token_lifetime = 2
    try:
        first = service_tokens.get()
        time.sleep(1.05)
        oidc_provider.available = False
        # when / then: the held token is used while it is valid, and the provider asked once
        asked = oidc_provider.token_requests
        assert service_tokens.get() == first
        assert service_tokens.get() == first
        assert oidc_provider.token_requests - asked <= 1
        # and once it expires, the caller is told
        time.sleep(1.0)
        settings.SERVICE_TOKEN_RETRY_AFTER_SECONDS = 0
        with pytest.raises(ServiceUnavailable):
            service_tokens.get()
    finally:
        oidc_provider.token_lifetime = 300
        oidc_provider.available = True
