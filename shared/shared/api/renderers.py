"""JSON responses encoded with orjson: what DRF's JSONRenderer writes, several times faster.

Encoding took a twentieth of an event list request's time here (`bench/bench_nearby.py`) and
3.7 ms of a 500-pin map answer. `test_renderers.py` compares the output with DRF's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_drf_encoder = JSONEncoder()

# orjson writes a UTC datetime as "+00:00" where DRF writes "Z", and would encode dataclasses
# DRF refuses: both go to DRF's encoder, as does whatever orjson does not know (lazy
# translations, Decimal, timedelta, sets, bytes).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer (compact, UTF-8, U+2028/U+2029 escaped), encoding with orjson.

    The same bytes, but for floats with an exponent (orjson writes `1e-7`, DRF `1e-07`).

    A pretty-printed answer (`Accept: application/json; indent=4`), and anything orjson refuses
    (integers beyond 64 bits, keys that are not strings), are left to DRF's own encoding. Not
    a number and infinities become null where DRF's strict mode would fail the request; the
    API's input fields never accept them.
    """

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            try:
                encoded = orjson.dumps(data, default=_drf_encoder.default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                return encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                    b"\xe2\x80\xa9", b"\\u2029"
                )
        rendered: bytes = super().render(data, accepted_media_type, renderer_context)
        return rendered
