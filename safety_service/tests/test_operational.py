import pytest

from shared.safety.tests.factories import AlertFactory
from shared.testing.contracts import OperationalContract


class TestOperationalEndpoints(OperationalContract):
    api_prefix = "/api/v1/safety/"


@pytest.mark.django_db
def test_readyz_checks_the_database_redis_and_the_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_away(client, settings):
    settings.RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:1//"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


@pytest.mark.django_db
def test_metrics_export_the_safety_figures(client):
    # given: two open alerts and a closed one
    AlertFactory()
    AlertFactory()
    AlertFactory(status="cancelled", cancelled_at="2026-01-01T00:00:00Z")
    # when
    body = client.get("/metrics").content.decode()
    # then: the open ones are counted at scrape time; the counter and histogram are declared
    assert 'safety_alerts_open{service="safety"} 2.0' in body
    assert "# TYPE safety_alerts_total counter" in body
    assert "# TYPE safety_alert_delivery_seconds histogram" in body
