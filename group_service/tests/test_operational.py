import pytest

from shared.testing.contracts import OperationalContract


class TestOperationalEndpoints(OperationalContract):
    api_prefix = "/api/v1/groups/"


@pytest.mark.django_db
def test_readyz_checks_redis(client):
    assert client.get("/readyz").json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"
