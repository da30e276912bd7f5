"""Fixtures of the identity provider's suite."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db) -> dict[str, Any]:
    """The realm after `seed_identity`: its `--json` output."""
    out = StringIO()
    call_command("seed_identity", "--json", stdout=out)
    return json.loads(out.getvalue())
