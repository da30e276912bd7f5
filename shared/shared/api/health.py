"""Liveness, readiness and metrics endpoints, the same in every service."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.metrics import ServiceLabelledRegistry

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> None:
    from kombu import Connection

    with Connection(settings.RABBITMQ_URL, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1)


# What `/readyz` can check; each service names the ones it needs in `READINESS_CHECKS`.
CHECKS: dict[str, ReadinessCheck] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Every dependency this service needs answers; 503 otherwise, naming the failing ones."""
    checks: dict[str, str] = {}
    for name in settings.READINESS_CHECKS:
        try:
            CHECKS[name]()
        except Exception as error:  # any failure means not ready; the reason goes to the log
            logger.warning("readiness check %s failed", name, extra={"error": str(error)})
            checks[name] = "unavailable"
        else:
            checks[name] = "ok"
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition of this process's metrics, each sample labelled with the service."""
    return HttpResponse(
        generate_latest(ServiceLabelledRegistry()), content_type=CONTENT_TYPE_LATEST
    )
