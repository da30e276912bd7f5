"""The OpenAPI schema of the service under test, as schemathesis sees it (issue #14, item 12).

Two uses, both against the schema the service serves at `/api/v1/<name>/schema/`:

- `service_schema()`: schemathesis's pytest integration generates requests from the schema
  and sends them to the service's own WSGI app, in-process, over the test database
  (`@service_schema().parametrize()` on a test that takes the `fuzz_app` fixture).
- `openapi_validated_responses`: every response the test client gets from a documented
  operation must have a documented status code and match the documented body; a suite turns
  it on with an autouse fixture in its `conftest.py`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Small and repeatable: a handful of generated requests per operation, the same ones every
# run (`deterministic`), no example database, so a suite takes seconds and a failure recurs.
FUZZ_CONFIG = {
    "generation": {"max-examples": 8, "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": False}},
    "seed": 14,
}


def fuzz_settings() -> Any:
    """Hypothesis settings of a fuzz test (`@fuzz_settings()` under `parametrize`).

    No deadline (a first request warms caches); the function-scoped fixtures (the database
    transaction, the token's user) are meant to be shared by a test's generated requests.
    """
    from hypothesis import HealthCheck, settings

    return settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def fuzz_checks() -> list[Any]:
    """The checks of every fuzz test: no 5xx; documented status, content type and body."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


def _schema_path() -> str:
    from django.urls import reverse

    return reverse("schema")


@functools.cache
def service_schema() -> Any:
    """The schema the service serves, loaded by schemathesis through the service's WSGI app.

    Called when a test module is imported (`@service_schema().parametrize()`), once per run:
    Django is set up by then, and loading the schema touches no database.
    """
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from schemathesis.config import SchemathesisConfig

    with _test_connection_kept():
        return schemathesis.openapi.from_wsgi(
            f"{_schema_path()}?format=json",
            get_wsgi_application(),
            config=SchemathesisConfig.from_dict(FUZZ_CONFIG),
        )


@contextlib.contextmanager
def _test_connection_kept() -> Iterator[None]:
    """Keep the test's database connection across WSGI requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and ends; in a test that
    would close the connection holding the test's open transaction.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_app(db: None) -> Iterator[None]:
    """The test database open to the WSGI app that schemathesis calls in-process."""
    with _test_connection_kept():
        yield


@pytest.fixture
def fuzz_user(db: None) -> Any:
    """The user the fuzz requests are sent as."""
    from shared.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def fuzz_roles() -> tuple[str, ...]:
    """The roles of the fuzz token; a module overrides it (a moderator's API)."""
    return ("user",)


@pytest.fixture
def fuzz_headers(
    make_token: Callable[..., str], fuzz_user: Any, fuzz_roles: tuple[str, ...]
) -> dict[str, str]:
    """A real token from the suite's identity provider, for `fuzz_user`."""
    token = make_token(
        sub=fuzz_user.keycloak_id,
        username=fuzz_user.username,
        email=fuzz_user.email,
        roles=fuzz_roles,
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def openapi_validated_responses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Check every response the test client gets against the service's schema.

    A response of a documented operation fails the test when its status code is not
    documented or its body does not match the documented schema. Paths the schema does not
    document (operational endpoints, unknown paths) are left alone. Returns the labels of the
    operations checked, as they are.
    """
    from django.test.client import Client

    schema = service_schema()
    checked: list[str] = []
    request = Client.request

    def validated_request(self: Client, **environ: Any) -> Any:
        response = request(self, **environ)
        label = validate_response(schema, response)
        if label:
            checked.append(label)
        return response

    monkeypatch.setattr(Client, "request", validated_request)
    return checked


def validate_response(schema: Any, response: Any) -> str | None:
    """Validate one Django test response; return the operation's label, None if undocumented."""
    import requests
    from schemathesis.core.transport import Response

    environ = response.wsgi_request.META if hasattr(response, "wsgi_request") else {}
    method = environ.get("REQUEST_METHOD") or response.request["REQUEST_METHOD"]
    path = environ.get("PATH_INFO") or response.request["PATH_INFO"]
    if response.status_code == 405 or (
        300 <= response.status_code < 400 and "Location" in response
    ):
        # Not an answer of the operation: a method the path does not have (matched to a
        # templated path, `/groups/join-by-invite/` as `/groups/{id}/`), or a redirect
        # (production's HTTPS redirect) before any view.
        return None
    operation = schema.find_operation_by_path(method, path)
    if operation is None or getattr(response, "streaming", False):
        return None
    documented = sorted(operation.definition.raw.get("responses", {}))
    if operation.responses.find_by_status_code(response.status_code) is None:
        pytest.fail(
            f"{operation.label} answered {response.status_code}, which its OpenAPI schema "
            f"does not document (documented: {', '.join(documented)}): {response.content[:500]!r}"
        )
    prepared = requests.Request(method, f"http://testserver{path}").prepare()
    wrapped = Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=prepared,
        elapsed=0.0,
        verify=True,
    )
    schema.validate_response(operation, wrapped)
    return str(operation.label)
