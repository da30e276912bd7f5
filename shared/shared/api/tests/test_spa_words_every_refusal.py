"""The SPA words every refusal of the API in its own languages (frontend/src/i18n/*.ts,
`apiErrors`, by code): a Swedish page shows no English message from the server. A new
`ApplicationError` without its words in the SPA fails here."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import shared
from shared.api.errors import ApplicationError

CATALOGUES = Path(__file__).resolve().parents[4] / "frontend" / "src" / "i18n"


def _error_codes() -> set[str]:
    for module in pkgutil.walk_packages(shared.__path__, "shared."):
        if module.name.endswith(".errors"):
            importlib.import_module(module.name)
    found: set[str] = set()
    pending = [ApplicationError]
    while pending:
        error = pending.pop()
        found.add(error.code)
        pending.extend(error.__subclasses__())
    return found


def _worded_codes(language: str) -> set[str]:
    text = (CATALOGUES / f"{language}.ts").read_text()
    block = re.search(r"\n  apiErrors: \{\n(.*?)\n  \},", text, re.S)
    assert block, f"{language}.ts has no apiErrors"
    return set(re.findall(r"^\s+(\w+):", block.group(1), re.M))


def test_every_refusal_code_is_worded_in_every_language_of_the_spa() -> None:
    codes = _error_codes()
    assert {"event_full", "alert_not_open", "database_unavailable"} <= codes
    for language in ("en", "sv"):
        assert sorted(codes - _worded_codes(language)) == [], language
