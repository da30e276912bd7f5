"""The pytest plugin of every CrewUp suite (`-p shared.testing.plugin`).

It sets the environment defaults a test run needs (the real environment wins), runs a real
OIDC key server for the session and offers token and client fixtures; it loads
`shared.notifications.testing.plugin` too (push service, VAPID keys, SMTP server).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

# Loaded by `-p` before pytest-django reads settings, so these defaults are in place in time.
for _name, _value in {
    "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/crewup",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
    "OIDC_ISSUER": "http://127.0.0.1:1/realms/crewup",  # replaced by the session's key server
    "OIDC_AUDIENCE": "crewup-api",
    "OIDC_RP_CLIENT_SECRET": "test-only-console-client-secret",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "LOG_LEVEL": "WARNING",
    # Tests publish the outbox themselves, to their own vhost (see shared.messaging.testing).
    "OUTBOX_RELAY_AFTER_COMMIT": "false",
    # Tests see an alert's notices delivered when its commit callbacks run (one test runs the
    # notice thread: `test_notices_go_out_on_the_notice_thread`).
    "SAFETY_NOTICES_IN_BACKGROUND": "false",
}.items():
    os.environ.setdefault(_name, _value)

from shared.testing.oidc import OIDCTestProvider  # noqa: E402

# Helpers that assert, imported by the suites' tests: rewritten as a conftest's would be, so a
# failure shows the values.
pytest.register_assert_rewrite("shared.testing.api")

# The fixtures for delivering notifications (push service, VAPID keys, SMTP server), and for
# checking the API against its OpenAPI schema.
pytest_plugins = ["shared.notifications.testing.plugin", "shared.testing.openapi"]


@pytest.fixture(scope="session", autouse=True)
def _suite_test_database() -> None:
    """Give each suite its own test database (`test_crewup_event`, ...).

    The suites compose different apps over one schema; sharing a test database would leave
    one suite's tables (and foreign keys) in another's way. Autouse at session scope, so it
    runs before pytest-django creates the database.
    """
    from django.conf import settings
    from django.db import connections

    suffix = settings.SERVICE_NAME.replace("-", "_")
    for database in connections.settings.values():
        test_settings = database.setdefault("TEST", {})
        base = test_settings.get("NAME") or f"test_{database['NAME']}"
        if not base.endswith(f"_{suffix}"):
            test_settings["NAME"] = f"{base}_{suffix}"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OIDCTestProvider]:
    """The session's identity provider; the services under test trust its keys."""
    from django.conf import settings

    from shared.auth.jwks import reset_jwks_caches

    provider = OIDCTestProvider().start()
    previous = settings.OIDC_ISSUER
    settings.OIDC_ISSUER = provider.issuer
    reset_jwks_caches()
    yield provider
    settings.OIDC_ISSUER = previous
    reset_jwks_caches()
    provider.stop()


@pytest.fixture(autouse=True)
def _trusted_identity_provider(oidc_provider: OIDCTestProvider) -> Iterator[None]:
    """Every test starts with the provider up and its original key; none inherits a rotation."""
    from shared.auth.jwks import reset_jwks_caches

    keys = list(oidc_provider.keys)
    yield
    oidc_provider.keys = keys
    oidc_provider.available = True
    reset_jwks_caches()


@pytest.fixture(autouse=True)
def _fresh_user_cache() -> Iterator[None]:
    """No test sees users cached by another (whose rows its rollback took away)."""
    from shared.accounts.user_cache import user_cache

    user_cache.clear()
    yield
    user_cache.clear()


@pytest.fixture
def make_token(oidc_provider: OIDCTestProvider) -> Callable[..., str]:
    """Mint a real RS256 access token: `make_token(sub=..., roles=[...], expires_in=...)`."""
    return oidc_provider.make_token


@pytest.fixture
def api_client() -> Any:
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client(db: None, make_token: Callable[..., str]) -> Callable[..., Any]:
    """A factory of signed-in clients: `auth_client(user=None, roles=("user",))`.

    The client carries a real token for `user` (a new user when omitted); `client.user` is the user.
    """
    from rest_framework.test import APIClient

    from shared.accounts.tests.factories import UserFactory

    class SignedInClient(APIClient):
        """A client with the user it is signed in as, and that user's token."""

        user: Any
        token: str

    def build(user: Any = None, roles: Iterable[str] = ("user",)) -> Any:
        user = user or UserFactory()
        client = SignedInClient()
        token = make_token(
            sub=user.keycloak_id, username=user.username, email=user.email, roles=roles
        )
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.user = user
        client.token = token
        return client

    return build


@pytest.fixture
def user_client(auth_client: Callable[..., Any]) -> Any:
    return auth_client()


@pytest.fixture
def moderator_client(auth_client: Callable[..., Any]) -> Any:
    return auth_client(roles=("user", "moderator"))
