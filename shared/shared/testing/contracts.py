"""Tests every service must pass, written once: subclass in a service's suite and set `api_prefix`."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.conf import settings


class OperationalContract:
    """`/healthz`, `/readyz`, `/metrics`, the OpenAPI schema and JSON 404s."""

    api_prefix: ClassVar[str]

    def test_healthz_answers_ok(self, client: Any) -> None:
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    @pytest.mark.django_db
    def test_readyz_checks_the_database(self, client: Any) -> None:
        response = client.get("/readyz")

        assert response.status_code == 200
        assert response.json()["checks"]["database"] == "ok"

    def test_metrics_are_labelled_with_the_service(self, client: Any) -> None:
        client.get("/healthz")

        response = client.get("/metrics")

        assert response.status_code == 200
        body = response.content.decode()
        assert f'service="{settings.SERVICE_NAME}"' in body
        assert "django_http_requests_total_by_method_total" in body

    def test_openapi_schema_is_served(self, client: Any) -> None:
        response = client.get(
            f"{self.api_prefix}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
        )

        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.")

    def test_unknown_path_gets_a_json_404(self, client: Any) -> None:
        response = client.get(f"{self.api_prefix}no-such-thing/")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_request_id_is_taken_from_the_header_and_returned(self, client: Any) -> None:
        request_id = "0123456789abcdef0123456789abcdef"

        response = client.get("/healthz", HTTP_X_REQUEST_ID=request_id)

        assert response["X-Request-ID"] == request_id

    def test_request_id_is_made_when_missing(self, client: Any) -> None:
        response = client.get("/healthz")

        assert len(response["X-Request-ID"]) == 32
