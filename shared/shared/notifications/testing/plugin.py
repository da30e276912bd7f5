"""Pytest fixtures for delivering notifications: VAPID keys, a push service, an SMTP server.

Loaded with `shared.testing.plugin`, so every suite has them:

- `vapid_keys`: a VAPID key pair (one per test session) and subject, set in the settings;
  the signed-token cache is cleared around the test.
- `push_service`: a `LocalPushService` started for the test, its origin allowed as a push
  service (`WEBPUSH_ENDPOINT_ORIGINS`). Pair it with `BrowserSubscription(push_service.endpoint())`.
- `smtp_server`: a `LocalSmtpServer` started for the test, with Django's SMTP backend
  pointed at it (pytest-django's locmem backend is replaced for that test).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shared.notifications.testing.push_service import LocalPushService
from shared.notifications.testing.smtp_server import LocalSmtpServer

VAPID_TEST_SUBJECT = "mailto:push-tests@crewup.local"


@dataclass(frozen=True)
class VapidKeys:
    """The VAPID settings a test runs with (base64url keys, as in the environment)."""

    private_key: str
    public_key: str
    subject: str


@pytest.fixture(scope="session")
def _vapid_key_pair() -> tuple[str, str]:
    from shared.notifications.webpush import vapid_key_pair_generate

    return vapid_key_pair_generate()


@pytest.fixture
def vapid_keys(settings: Any, _vapid_key_pair: tuple[str, str]) -> Iterator[VapidKeys]:
    """Enable Web Push with the session's VAPID key pair for this test."""
    from shared.notifications.webpush import vapid_tokens_clear

    keys = VapidKeys(*_vapid_key_pair, subject=VAPID_TEST_SUBJECT)
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys.private_key
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys.public_key
    settings.WEBPUSH_VAPID_SUBJECT = keys.subject
    vapid_tokens_clear()
    yield keys
    vapid_tokens_clear()


@pytest.fixture
def push_service(settings: Any) -> Iterator[LocalPushService]:
    """A push service on 127.0.0.1 for this test, allowed as a push endpoint origin."""
    service = LocalPushService().start()
    settings.WEBPUSH_ENDPOINT_ORIGINS = [*settings.WEBPUSH_ENDPOINT_ORIGINS, service.origin]
    yield service
    service.stop()


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[LocalSmtpServer]:
    """An SMTP server on 127.0.0.1 for this test; Django's SMTP backend sends to it."""
    server = LocalSmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
