"""Settings come from the environment only, and a missing required variable stops start-up."""

import os
import subprocess
import sys

import pytest

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "OIDC_ISSUER",
    "OIDC_AUDIENCE",
    "RABBITMQ_URL",
    "REDIS_URL",
]


def import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import shared.settings.common as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def base_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in REQUIRED}
    return {**env, "PATH": os.environ.get("PATH", "")}


@pytest.mark.parametrize("missing", REQUIRED)
def test_missing_required_variable_fails_fast(missing):
    env = base_env()
    del env[missing]

    result = import_settings(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_defaults_are_production_safe():
    result = import_settings(base_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
