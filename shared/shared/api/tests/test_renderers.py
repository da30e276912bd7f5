"""FastJSONRenderer writes what DRF's JSONRenderer writes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from shared.api.renderers import FastJSONRenderer

PAYLOAD: dict[str, Any] = {
    "text": 'Sång & dans 🎶 <b>"quoted"</b>\n',
    "separators": "line\u2028paragraph\u2029end",
    "numbers": [0, -1, 2**62, 0.1, 2.5, -0.0, 65.584123, 1234567.891],
    "flags": [True, False, None],
    "nested": {"list": [1, [2, [3]]], "tuple": (1, "two"), "empty": {}},
    "utc": datetime(2026, 11, 26, 20, 0, 0, 123456, tzinfo=UTC),
    "utc_whole_second": datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
    "stockholm": datetime(2026, 6, 1, 20, 0, tzinfo=timezone(timedelta(hours=2))),
    "naive": datetime(2026, 1, 1, 12, 30),  # noqa: DTZ001 - a naive one on purpose
    "day": date(2026, 12, 24),
    "duration": timedelta(hours=1, seconds=30),
    "price": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "error": ErrorDetail("This field is required.", code="required"),
    # DRF takes a missing serializer; its stubs ask for one.
    "return_dict": ReturnDict({"a": 1}, serializer=None),  # type: ignore[call-overload]
    "return_list": ReturnList([1, 2], serializer=None),  # type: ignore[call-overload]
    "bytes": b"raw",
}


def both(data: Any, media_type: str | None = None) -> tuple[bytes, bytes]:
    return (
        FastJSONRenderer().render(data, media_type, {}),
        JSONRenderer().render(data, media_type, {}),
    )


def test_it_writes_the_same_bytes_as_drf() -> None:
    fast, drf = both(PAYLOAD)

    assert fast == drf
    assert b"\\u2028" in fast
    assert b'"utc":"2026-11-26T20:00:00.123456Z"' in fast


@pytest.mark.parametrize("value", [1e-7, 1e20, 1.5e300, 2**70, {1: "int key"}, {"s": {3, 4}}])
def test_what_orjson_spells_or_refuses_differently_is_still_the_same_json(value: Any) -> None:
    fast, drf = both({"value": value})

    assert json.loads(fast) == json.loads(drf)


def test_a_pretty_printed_answer_is_drfs() -> None:
    fast, drf = both(PAYLOAD, "application/json; indent=4")

    assert fast == drf
    assert b"\n    " in fast


def test_nothing_is_an_empty_body() -> None:
    assert both(None) == (b"", b"")


def test_what_drf_cannot_encode_still_fails() -> None:
    @dataclass
    class Opaque:
        value: int

    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": Opaque(1)})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": Opaque(1)})
