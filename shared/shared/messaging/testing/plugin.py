"""Fixtures of the bus tests: `pytest_plugins = ["shared.messaging.testing.plugin"]`."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from shared.messaging.testing import Bus, rabbitmqctl, url_with_vhost


@pytest.fixture(scope="session")
def rabbitmq_vhost_url() -> Iterator[str]:
    """The URL of a RabbitMQ virtual host of this test session alone (see the module docstring)."""
    if os.environ.get("TEST_RABBITMQ_URL"):
        yield os.environ["TEST_RABBITMQ_URL"]
        return
    base = os.environ["RABBITMQ_URL"]
    user = urlsplit(base).username or "guest"
    vhost = f"crewup-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(
            f"could not create a RabbitMQ vhost for this run ({error!r}); run as root where "
            "rabbitmqctl works, or set TEST_RABBITMQ_URL to a vhost of this run's own"
        )
    try:
        yield url_with_vhost(base, vhost)
    finally:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def bus(rabbitmq_vhost_url: str, settings: Any) -> Iterator[Bus]:
    """This session's vhost, empty, with `settings.RABBITMQ_URL` and the relay pointed at it."""
    from shared.messaging import publisher

    settings.RABBITMQ_URL = rabbitmq_vhost_url
    settings.CELERY_BROKER_URL = rabbitmq_vhost_url
    publisher._drop_publisher()
    helper = Bus(url=rabbitmq_vhost_url)
    helper.reset()
    yield helper
    helper.close()
    publisher._drop_publisher()
