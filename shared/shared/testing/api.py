"""Helpers of the services' API tests: the authorization matrix and the error body."""

from __future__ import annotations

from typing import Any

import pytest


def actor_params(expected: dict[str, Any]) -> list[Any]:
    """`pytest.param(actor, expected, id="<actor>_case")` for each actor of the matrix."""
    return [pytest.param(actor, expected[actor], id=f"{actor}_case") for actor in expected]


def error(response: Any) -> dict[str, Any]:
    """The body of a refusal, after checking it has the shared error shape."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    refusal: dict[str, Any] = body["error"]
    return refusal
