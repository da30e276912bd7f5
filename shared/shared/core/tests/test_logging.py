"""Log lines are JSON with the service, the request id and the user."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    config = {**settings.LOGGING, "handlers": {**settings.LOGGING["handlers"]}}
    config["handlers"]["stdout"] = {**config["handlers"]["stdout"], "stream": stream}
    config["loggers"] = {
        "shared.testing": {"handlers": ["stdout"], "level": "INFO", "propagate": False}
    }
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_log_lines_carry_service_request_id_and_user(user_client, log_stream):
    request_id = "fedcba9876543210fedcba9876543210"

    user_client.get("/whoami/", HTTP_X_REQUEST_ID=request_id)

    line = json.loads(log_stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "whoami answered"
    assert line["level"] == "INFO"
    assert line["request_id"] == request_id
    assert line["service"] == "shared-tests"
    assert line["user_id"] == str(user_client.user.id)
