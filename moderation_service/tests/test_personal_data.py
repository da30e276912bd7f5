"""With the console's apps installed too, every reference to a user is covered by the data
export and by erasure (`shared.privacy.tests.test_personal_data` walks the domain apps)."""

from __future__ import annotations

from shared.privacy.erasure import ERASURE, user_references
from shared.privacy.export import EXPORTED


def test_the_consoles_own_references_to_a_user_are_covered_too() -> None:
    references = user_references()

    assert "admin.LogEntry.user" in references
    assert [reference for reference in references if reference not in EXPORTED] == []
    assert [reference for reference in references if reference not in ERASURE] == []
