"""What the tests that run the image's entry commands share: one test database, migrated once,
one RabbitMQ virtual host, and the environment the chart gives a pod."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from infra_tests.processes import POD_IP, UNWRITABLE_METRICS_DIR, entrypoint
from infra_tests.tools import clean_env


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"test_crewup_infra_{uuid.uuid4().hex[:8]}"
    host = os.environ.get("PGHOST", "127.0.0.1")
    user = os.environ.get("PGUSER", "postgres")
    with psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgis://{user}@{host}:5432/{name}"
    with psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    # Not the repository: the image runs from /app, where no source tree is.
    return tmp_path_factory.mktemp("entrypoint")


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this run alone: the workers started here must not consume
    (or collide with) the queues of a system running on this machine."""
    from shared.messaging.testing import rabbitmqctl, url_with_vhost

    vhost = f"crewup-infra-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield url_with_vhost("amqp://guest:guest@127.0.0.1:5672//", vhost)
    rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def environment(database_url, workdir, rabbitmq_url) -> dict[str, str]:
    """What the chart gives a pod (ConfigMap, Secret and the pod's own env), locally."""
    return clean_env(
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        DJANGO_DEBUG="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS=f"{POD_IP},crewup.example,127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL="redis://127.0.0.1:6379/0",
        RABBITMQ_URL=rabbitmq_url,
        OIDC_ISSUER="http://127.0.0.1:9/realms/crewup",
        OIDC_AUDIENCE="crewup-api",
        OIDC_RP_CLIENT_SECRET="test-only",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
        TMPDIR=str(workdir),
    )


@pytest.fixture(scope="session")
def migrated(environment, workdir) -> subprocess.CompletedProcess[str]:
    env = {**environment, "PROMETHEUS_MULTIPROC_DIR": UNWRITABLE_METRICS_DIR}
    result = entrypoint("migrate", env=env, cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
