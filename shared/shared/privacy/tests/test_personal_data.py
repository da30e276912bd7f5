"""Every reference to a user in the schema is covered by the data export and by erasure.

The walk goes over the installed models (every domain app here): a model added later with a
foreign key, one-to-one or many-to-many to the user fails these tests until `EXPORTED` and
`ERASURE` say what happens to its rows.
"""

from __future__ import annotations

import dataclasses

from django.apps import apps

from shared.privacy.erasure import ERASURE, user_references
from shared.privacy.export import EXPORTED, UserDataExport


def _installed(reference: str) -> bool:
    """Whether the app of "app_label.Model.field" is installed here."""
    labels = {config.label for config in apps.get_app_configs()}
    return reference.split(".", 1)[0] in labels


def test_the_walk_finds_the_references_to_a_user_of_every_domain_app() -> None:
    references = user_references()

    for known in (
        "chat.Message.sender",
        "events.Participation.user",
        "groups.Membership.user",
        "moderation.Ban.user",
        "notifications.PushSubscription.user",
        "safety.Alert.sender",
        "safety.AlertAcknowledgement.user",
        "safety.CheckInTimer.user",
    ):
        assert known in references


def test_every_reference_to_a_user_is_exported_or_left_out_on_purpose() -> None:
    missing = [reference for reference in user_references() if reference not in EXPORTED]

    assert missing == [], "say in shared.privacy.export.EXPORTED which export part holds them"


def test_every_reference_to_a_user_is_handled_by_erasure() -> None:
    missing = [reference for reference in user_references() if reference not in ERASURE]

    assert missing == [], "say in shared.privacy.erasure.ERASURE what erasing does to them"


def test_the_lists_name_only_real_references_and_real_export_parts() -> None:
    # given
    references = set(user_references())
    parts = {field.name for field in dataclasses.fields(UserDataExport)}
    # then: an entry of an installed app is a reference that exists (no stale names)...
    for listed in (EXPORTED, ERASURE):
        stale = [name for name in listed if _installed(name) and name not in references]
        assert stale == []
    # ...and every part named is a part of the export
    assert {part for part in EXPORTED.values() if part is not None} <= parts
