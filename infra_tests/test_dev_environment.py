"""What `make run` starts the services with: the settings of `.env.example`.

`scripts/bootstrap.sh` copies `.env.example` to `.env`, and `scripts/services.sh` has every
service read it (`DJANGO_READ_DOT_ENV_FILE`). That system must behave as deployed: a request
the services cannot route answers in the JSON error shape, never with Django's debug page,
which shows settings and source to whoever asks. The debug pages are an explicit opt-in.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra_tests.tools import REPO, clean_env

SERVICES = ("event", "group", "user", "safety", "moderation")

# Run in a process of its own: settings are read once per process.
PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
answers = {}
for path in ("/no/such/page/", "/api/v1/%ff%fe/", "/api/v1/events/not-an-id/../x"):
    response = client.get(path)
    answers[path] = [response.status_code, response["Content-Type"], response.content.decode()]
print(json.dumps({"debug": settings.DEBUG, "answers": answers}))
"""


def probe(service: str, **overrides: str) -> dict:
    env = clean_env(
        DJANGO_SETTINGS_MODULE=f"{service}_service.settings",
        DJANGO_READ_DOT_ENV_FILE="true",
        DJANGO_DOT_ENV_FILE=str(REPO / ".env.example"),
        **overrides,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO / f"{service}_service",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("service", SERVICES)
def test_make_run_answers_an_unknown_path_in_json_not_a_debug_page(service: str) -> None:
    seen = probe(service)
    assert seen["debug"] is False
    for path, (status, content_type, body) in seen["answers"].items():
        assert status == 404, path
        assert content_type == "application/json", (path, body[:200])
        assert json.loads(body)["error"]["code"] == "not_found"


def test_debug_pages_are_an_explicit_opt_in() -> None:
    seen = probe("event", DJANGO_DEBUG="true")
    assert seen["debug"] is True
    status, content_type, _ = seen["answers"]["/no/such/page/"]
    assert (status, content_type.split(";")[0]) == (404, "text/html")
