"""PostgreSQL out of reach: every request is answered 503 in the error shape, quickly.

The connection is pointed at a port where nothing listens (refused at once) or where nothing
answers (a listening socket that never speaks): real connection failures, from the driver.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database_at() -> Iterator[object]:
    """Point the default connection at another port for the test; put it back after."""
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]

    def point(port: int) -> None:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", port

    yield point
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved


def assert_database_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "code": "database_unavailable",
            "message": "The database is unavailable for a moment; try again shortly.",
            "fields": {},
        }
    }


def test_an_api_request_is_answered_503_with_retry_after(api_client, make_token, database_at):
    token = make_token(sub="kc-new-user", username="new")
    database_at(closed_port())

    response = api_client.get("/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_database_unavailable(response)


def test_a_plain_django_view_is_answered_503_in_the_same_shape(database_at):
    database_at(closed_port())

    response = Client(raise_request_exception=False).get("/user-count/")

    assert_database_unavailable(response)


def test_readyz_names_the_database(database_at):
    database_at(closed_port())

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}


def test_a_database_that_never_answers_fails_the_connection_within_the_connect_timeout(
    database_at,
):
    timeout = connection.settings_dict["OPTIONS"]["connect_timeout"]
    with socket.socket() as silent:  # accepts connections (the kernel does) and never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        database_at(silent.getsockname()[1])
        started = time.monotonic()

        with pytest.raises(OperationalError):
            connection.ensure_connection()

        assert time.monotonic() - started < timeout + 2
    assert timeout == 5


def test_the_connection_comes_back_by_itself(api_client, make_token, database_at):
    token = make_token(sub="kc-back", username="back")
    original_port = connection.settings_dict["PORT"]
    database_at(closed_port())
    assert api_client.get("/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 503

    database_at(original_port)
    response = api_client.get("/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["username"] == "back"


def test_the_schema_documents_the_503_on_every_operation():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="shared.testing.urls").get_schema(request=None, public=True)

    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert operations
    for path, method, operation in operations:
        answer = operation["responses"].get("503")
        assert answer is not None, f"{method.upper()} {path} does not document its 503"
        assert "database_unavailable" in answer["description"]
        assert answer["content"]["application/json"]["schema"]["$ref"].startswith(
            "#/components/schemas/Error"
        )
