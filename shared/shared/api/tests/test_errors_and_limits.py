"""The one error shape, the body-size limit and the content-type check."""

import json

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_application_error_renders_in_the_shared_shape(user_client):
    response = user_client.post("/conflict/", {}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "conflict", "message": "Already taken.", "fields": {}}
    }


@override_settings(REQUEST_BODY_MAX_BYTES=1024)
@pytest.mark.django_db
def test_body_over_the_limit_is_413_before_anything_reads_it(user_client):
    response = user_client.post(
        "/echo/", data=json.dumps({"x": "a" * 2048}), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_content_length_that_is_not_a_number_is_400(user_client):
    response = user_client.post(
        "/echo/", data="{}", content_type="application/json", CONTENT_LENGTH="5&jX6s"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_content_length"


@pytest.mark.django_db
def test_a_content_length_sent_as_an_ordinary_header_is_not_read(user_client):
    # What a test client makes of a fuzzer's Content-Length header: HTTP_CONTENT_LENGTH, beside
    # the CONTENT_LENGTH of the body it sends. The metrics middleware read it: a 500.
    response = user_client.post(
        "/echo/", data="{}", content_type="application/json", HTTP_CONTENT_LENGTH="5&jX6s"
    )

    assert response.status_code == 200


@pytest.mark.django_db
def test_wrong_content_type_is_415(user_client):
    response = user_client.post("/echo/", data="<xml/>", content_type="application/xml")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_malformed_json_is_400(user_client):
    response = user_client.post("/echo/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_django_validation_error_becomes_400_with_fields():
    from django.core.exceptions import ValidationError

    from shared.api.exception_handler import exception_handler

    response = exception_handler(ValidationError({"ends_at": ["Must be after the start."]}), {})

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "The request is invalid; see fields.",
            "fields": {"ends_at": ["Must be after the start."]},
        }
    }


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        pytest.param(0.01, "1", id="a_fraction_of_a_second_case"),
        pytest.param(2.0, "2", id="whole_seconds_case"),
        pytest.param(2.1, "3", id="rounded_up_case"),
    ],
)
def test_a_429_says_when_to_retry_in_the_retry_after_header(retry_after, header):
    from shared.api.errors import TooManyRequests
    from shared.api.exception_handler import exception_handler

    response = exception_handler(TooManyRequests(retry_after), {})

    assert response.status_code == 429
    assert response["Retry-After"] == header
    assert response.data["error"]["code"] == "rate_limited"
    assert response.data["error"]["fields"] == {"retry_after": round(retry_after, 1)}
