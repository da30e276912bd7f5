import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from shared.notifications import webpush
from shared.notifications.testing.browser import BrowserSubscription, VapidInvalid, vapid_verify
from shared.notifications.testing.push_service import LocalPushService
from shared.notifications.webpush import (
    MAX_PAYLOAD_BYTES,
    VAPID_TOKEN_LIFETIME_SECONDS,
    VAPID_TOKEN_RENEW_BEFORE_SECONDS,
    PushMessage,
    PushOutcome,
    PushStatus,
    push_enabled,
    push_endpoint_allowed,
    push_keys_valid,
    push_send,
    push_send_many,
    vapid_key_pair_generate,
)

PAYLOAD = {
    "kind": "safety.alert_raised",
    "title": "Alice needs help",
    "body": "Lost you at the exit · Front row",
    "url": "https://crewup.example/safety?alert=6f1c1a52-8f0e-4c5e-9a43-2f4b8f3d9a10",
}


@pytest.fixture
def browser(push_service):
    return BrowserSubscription(push_service.endpoint())


def token_of(request):
    return request.headers["authorization"].split("t=", 1)[1].split(",", 1)[0]


def test_the_browser_decrypts_what_was_sent(vapid_keys, push_service, browser):
    # when
    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    # then
    assert outcome == PushOutcome(PushStatus.SENT, 201)
    [request] = push_service.requests_to(browser.endpoint)
    assert request.method == "POST"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert b"Alice" not in request.body
    assert json.loads(browser.decrypt(request.body)) == PAYLOAD


def test_another_browser_cannot_decrypt_it(vapid_keys, push_service, browser):
    push_send(**browser.as_kwargs(), payload=PAYLOAD)
    [request] = push_service.requests

    with pytest.raises(Exception):  # noqa: B017, PT011 (http_ece raises several kinds)
        BrowserSubscription(browser.endpoint).decrypt(request.body)


def test_the_request_is_signed_with_our_vapid_key(vapid_keys, push_service, browser):
    # when
    push_send(**browser.as_kwargs(), payload=PAYLOAD)

    # then
    [request] = push_service.requests
    claims = vapid_verify(
        request.headers["authorization"],
        endpoint=browser.endpoint,
        public_key=vapid_keys.public_key,
        subject=vapid_keys.subject,
    )
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:push-tests@crewup.local"
    lifetime = claims["exp"] - time.time()
    assert VAPID_TOKEN_LIFETIME_SECONDS - 60 < lifetime <= VAPID_TOKEN_LIFETIME_SECONDS


def test_the_vapid_check_refuses_other_keys_subjects_and_tampering(
    vapid_keys, push_service, browser
):
    push_send(**browser.as_kwargs(), payload=PAYLOAD)
    authorization = push_service.requests[0].headers["authorization"]
    other_public_key = vapid_key_pair_generate()[1]
    token = token_of(push_service.requests[0])
    claims = token.split(".")[1]
    tampered = authorization.replace(claims, claims[:-2] + ("AA" if claims[-2:] != "AA" else "BB"))

    with pytest.raises(VapidInvalid, match="configured public key"):
        vapid_verify(
            authorization,
            endpoint=browser.endpoint,
            public_key=other_public_key,
            subject=vapid_keys.subject,
        )
    with pytest.raises(VapidInvalid, match="sub"):
        vapid_verify(
            authorization,
            endpoint=browser.endpoint,
            public_key=vapid_keys.public_key,
            subject="mailto:someone-else@crewup.local",
        )
    with pytest.raises(VapidInvalid, match="aud"):
        vapid_verify(
            authorization,
            endpoint="https://fcm.googleapis.com/fcm/send/x",
            public_key=vapid_keys.public_key,
            subject=vapid_keys.subject,
        )
    with pytest.raises(VapidInvalid):
        vapid_verify(
            tampered,
            endpoint=browser.endpoint,
            public_key=vapid_keys.public_key,
            subject=vapid_keys.subject,
        )
    with pytest.raises(VapidInvalid, match="exp"):
        vapid_verify(
            authorization,
            endpoint=browser.endpoint,
            public_key=vapid_keys.public_key,
            subject=vapid_keys.subject,
            now=time.time() + VAPID_TOKEN_LIFETIME_SECONDS + 1,
        )


def test_urgency_ttl_and_topic_go_in_headers(vapid_keys, push_service, browser):
    push_send(
        **browser.as_kwargs(), payload=PAYLOAD, urgency="high", ttl=600, topic="alert-6f1c1a52"
    )

    [request] = push_service.requests
    assert request.headers["urgency"] == "high"
    assert request.headers["ttl"] == "600"
    assert request.headers["topic"] == "alert-6f1c1a52"


def test_the_defaults_are_normal_urgency_a_day_and_no_topic(vapid_keys, push_service, browser):
    push_send(**browser.as_kwargs(), payload=PAYLOAD)

    [request] = push_service.requests
    assert request.headers["urgency"] == "normal"
    assert request.headers["ttl"] == "86400"
    assert "topic" not in request.headers


@pytest.mark.parametrize("status", [404, 410])
def test_a_dead_subscription_is_gone(vapid_keys, push_service, browser, status):
    push_service.answer(browser.endpoint, status)

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome == PushOutcome(PushStatus.GONE, status)


def test_too_many_requests_is_retried_after_what_the_service_said(
    vapid_keys, push_service, browser
):
    push_service.answer(browser.endpoint, 429, headers={"Retry-After": "120"})

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome == PushOutcome(PushStatus.RETRY, 429, retry_after=120.0)


def test_retry_after_may_be_a_date(vapid_keys, push_service, browser):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    push_service.answer(browser.endpoint, 503, headers={"Retry-After": later})

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome.status == PushStatus.RETRY
    assert outcome.status_code == 503
    assert 85 <= outcome.retry_after <= 90


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_retried(vapid_keys, push_service, browser, status):
    push_service.answer(browser.endpoint, status)

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome == PushOutcome(PushStatus.RETRY, status, retry_after=None)


@pytest.mark.parametrize("status", [400, 413])
def test_other_client_errors_are_rejected(vapid_keys, push_service, browser, status):
    push_service.answer(browser.endpoint, status)

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome == PushOutcome(PushStatus.REJECTED, status)


def test_a_refused_token_is_signed_afresh_next_time(vapid_keys, push_service, browser):
    # given
    push_service.answer(browser.endpoint, 403)

    # when
    first = push_send(**browser.as_kwargs(), payload=PAYLOAD)
    push_service.answer(browser.endpoint, 201)
    second = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    # then
    assert first == PushOutcome(PushStatus.REJECTED, 403)
    assert second.status == PushStatus.SENT
    first_request, second_request = push_service.requests
    assert token_of(first_request) != token_of(second_request)


def test_a_redirect_is_not_followed(vapid_keys, push_service, browser):
    elsewhere = push_service.endpoint("elsewhere")
    push_service.answer(browser.endpoint, 307, headers={"Location": elsewhere})

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome.status == PushStatus.REJECTED
    assert push_service.requests_to(elsewhere) == []


def test_a_push_service_that_is_down_is_retried(vapid_keys, push_service, browser):
    push_service.stop()

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD)

    assert outcome == PushOutcome(PushStatus.RETRY, None, None)


def test_a_push_service_that_does_not_answer_in_time_is_retried(vapid_keys, push_service, browser):
    push_service.answer(browser.endpoint, 201, delay=0.5)

    outcome = push_send(**browser.as_kwargs(), payload=PAYLOAD, timeout=0.1)

    assert outcome == PushOutcome(PushStatus.RETRY, None, None)


def test_a_payload_over_3_kb_is_refused_before_sending(vapid_keys, push_service, browser):
    payload = {"body": "x" * (MAX_PAYLOAD_BYTES - len('{"body":""}') + 1)}

    with pytest.raises(ValueError, match="3072"):
        push_send(**browser.as_kwargs(), payload=payload)
    assert push_service.requests == []


def test_a_payload_of_exactly_3_kb_is_sent_and_decrypts(vapid_keys, push_service, browser):
    payload = {"body": "x" * (MAX_PAYLOAD_BYTES - len('{"body":""}'))}

    outcome = push_send(**browser.as_kwargs(), payload=payload)

    assert outcome.status == PushStatus.SENT
    assert json.loads(browser.decrypt(push_service.requests[0].body)) == payload


def test_the_3_kb_are_counted_in_utf8_bytes(vapid_keys, push_service, browser):
    # 1,600 characters, 3,200 bytes, 3,211 with the JSON around them
    payload = {"body": "å" * 1600}

    with pytest.raises(ValueError, match="3211 bytes"):
        push_send(**browser.as_kwargs(), payload=payload)


@pytest.mark.parametrize(
    "options",
    [
        {"urgency": "urgent"},
        {"ttl": -1},
        {"topic": "has spaces"},
        {"topic": "x" * 33},
    ],
    ids=str,
)
def test_invalid_options_are_refused(vapid_keys, push_service, browser, options):
    with pytest.raises(ValueError):  # noqa: PT011
        push_send(**browser.as_kwargs(), payload=PAYLOAD, **options)
    assert push_service.requests == []


def test_an_endpoint_outside_the_allowed_push_services_is_gone(vapid_keys, push_service, browser):
    # given: another local port, not in WEBPUSH_ENDPOINT_ORIGINS
    with_other_port = LocalPushService().start()
    try:
        outcome = push_send(
            endpoint=with_other_port.endpoint(),
            p256dh=browser.p256dh,
            auth=browser.auth,
            payload=PAYLOAD,
        )
        received = with_other_port.requests
    finally:
        with_other_port.stop()

    assert outcome == PushOutcome(PushStatus.GONE)
    assert received == []


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://FCM.googleapis.com:443/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("https://wns2-by3p.notify.windows.com/w/?token=abc", True),
        ("https://web.push.apple.com/QGuQyavXutnMH", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("https://fcm.googleapis.com:8443/fcm/send/abc", False),
        ("https://fcm.googleapis.com.evil.example/fcm/send/abc", False),
        ("https://fcm.googleapis.com@evil.example/fcm/send/abc", False),
        ("https://push.services.mozilla.com.evil.example/", False),
        ("http://127.0.0.1:8001/internal/groups/", False),
        ("file:///etc/passwd", False),
        ("not a url", False),
    ],
)
def test_only_the_browsers_push_services_are_allowed(endpoint, allowed):
    assert push_endpoint_allowed(endpoint) is allowed


def test_malformed_keys_make_the_subscription_gone(vapid_keys, push_service, browser):
    outcome = push_send(
        endpoint=browser.endpoint, p256dh="BAAAnot-a-key", auth=browser.auth, payload=PAYLOAD
    )

    assert outcome == PushOutcome(PushStatus.GONE)
    assert push_service.requests == []


def test_keys_are_checked_like_a_push_service_would(browser):
    point_off_the_curve = "B" + "A" * 86

    assert push_keys_valid(p256dh=browser.p256dh, auth=browser.auth)
    assert not push_keys_valid(p256dh=point_off_the_curve, auth=browser.auth)
    assert not push_keys_valid(p256dh=browser.p256dh, auth=browser.auth + "AAAA")
    assert not push_keys_valid(p256dh=browser.p256dh + "!", auth=browser.auth)


def test_push_is_disabled_without_keys(settings, push_service, browser):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""

    assert not push_enabled()
    with pytest.raises(ImproperlyConfigured, match="disabled"):
        push_send(**browser.as_kwargs(), payload=PAYLOAD)


def test_a_public_key_that_is_not_the_private_keys_is_refused(
    settings, vapid_keys, push_service, browser
):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = vapid_key_pair_generate()[1]

    with pytest.raises(ImproperlyConfigured, match="not the public key"):
        push_send(**browser.as_kwargs(), payload=PAYLOAD)
    assert push_service.requests == []


def test_one_token_is_signed_per_push_service(settings, vapid_keys, push_service):
    # given
    browsers = [BrowserSubscription(push_service.endpoint()) for _ in range(6)]
    other_service = LocalPushService().start()
    settings.WEBPUSH_ENDPOINT_ORIGINS = [push_service.origin, other_service.origin]
    other = BrowserSubscription(other_service.endpoint())
    try:
        # when
        for browser in browsers:
            push_send(**browser.as_kwargs(), payload=PAYLOAD)
        push_send(**other.as_kwargs(), payload=PAYLOAD)
        [other_request] = other_service.requests
    finally:
        other_service.stop()

    # then
    tokens = {token_of(request) for request in push_service.requests}
    assert len(push_service.requests) == 6
    assert len(tokens) == 1
    assert token_of(other_request) not in tokens
    claims = vapid_verify(
        other_request.headers["authorization"],
        endpoint=other.endpoint,
        public_key=vapid_keys.public_key,
        subject=vapid_keys.subject,
    )
    assert claims["aud"] == other_service.origin


def test_the_token_is_signed_again_shortly_before_it_expires(
    vapid_keys, push_service, browser, monkeypatch
):
    # given
    started = time.time()
    push_send(**browser.as_kwargs(), payload=PAYLOAD)
    still_fresh = started + VAPID_TOKEN_LIFETIME_SECONDS - VAPID_TOKEN_RENEW_BEFORE_SECONDS - 60
    nearly_expired = started + VAPID_TOKEN_LIFETIME_SECONDS - VAPID_TOKEN_RENEW_BEFORE_SECONDS + 1

    # when
    monkeypatch.setattr(webpush, "_now", lambda: still_fresh)
    push_send(**browser.as_kwargs(), payload=PAYLOAD)
    monkeypatch.setattr(webpush, "_now", lambda: nearly_expired)
    push_send(**browser.as_kwargs(), payload=PAYLOAD)

    # then
    first, second, third = push_service.requests
    assert token_of(first) == token_of(second)
    assert token_of(third) != token_of(first)
    claims = vapid_verify(
        third.headers["authorization"],
        endpoint=browser.endpoint,
        public_key=vapid_keys.public_key,
        subject=vapid_keys.subject,
        now=nearly_expired,
    )
    assert claims["exp"] == int(nearly_expired) + VAPID_TOKEN_LIFETIME_SECONDS


def test_push_send_reuses_its_connection(vapid_keys, push_service):
    for _ in range(3):
        push_send(**BrowserSubscription(push_service.endpoint()).as_kwargs(), payload=PAYLOAD)

    assert len({request.client for request in push_service.requests}) == 1


def test_push_send_many_sends_to_fifty_and_answers_in_order(vapid_keys, push_service):
    # given
    browsers = [BrowserSubscription(push_service.endpoint(f"member-{n}")) for n in range(50)]
    push_service.answer(browsers[7].endpoint, 410)
    push_service.answer(browsers[13].endpoint, 429, headers={"Retry-After": "30"})
    push_service.answer(browsers[42].endpoint, 500)
    messages = [
        PushMessage(**browser.as_kwargs(), payload={**PAYLOAD, "n": n}, urgency="high")
        for n, browser in enumerate(browsers)
    ]

    # when
    outcomes = push_send_many(messages, max_workers=8)

    # then
    assert len(outcomes) == 50
    expected = [PushOutcome(PushStatus.SENT, 201)] * 50
    expected[7] = PushOutcome(PushStatus.GONE, 410)
    expected[13] = PushOutcome(PushStatus.RETRY, 429, retry_after=30.0)
    expected[42] = PushOutcome(PushStatus.RETRY, 500)
    assert outcomes == expected
    for n, browser in enumerate(browsers):
        [request] = push_service.requests_to(browser.endpoint)
        assert json.loads(browser.decrypt(request.body))["n"] == n
    assert len({token_of(request) for request in push_service.requests}) == 1
    assert len({request.client for request in push_service.requests}) <= 8


def test_push_send_many_sends_nothing_when_one_message_is_invalid(vapid_keys, push_service):
    browsers = [BrowserSubscription(push_service.endpoint()) for _ in range(3)]
    messages = [PushMessage(**browser.as_kwargs(), payload=PAYLOAD) for browser in browsers]
    messages[2] = PushMessage(**browsers[2].as_kwargs(), payload={"body": "x" * 4000})

    with pytest.raises(ValueError, match="3072"):
        push_send_many(messages)
    assert push_service.requests == []


def test_push_send_many_of_nothing_is_nothing(vapid_keys):
    assert push_send_many([]) == []
