"""Access tokens from the running identity provider, as a user's client gets them."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request


def password_grant_token(issuer: str) -> str:
    """Log in as the demo user (BENCH_USERNAME / BENCH_PASSWORD) with the CLI client."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "password",
            "client_id": "crewup-cli",
            "username": os.environ.get("BENCH_USERNAME", "alice"),
            "password": os.environ.get("BENCH_PASSWORD", "alice-pass-2026"),
        }
    ).encode()
    url = f"{issuer}/protocol/openid-connect/token"
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as response:
        return json.load(response)["access_token"]
