"""`console_access_sync`: admin console rights follow the realm roles at each sign-in."""

from __future__ import annotations

import pytest

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.moderation.services import MODERATORS_GROUP, console_access_sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("roles", "staff", "superuser", "in_group"),
    [
        pytest.param(["user"], False, False, False, id="user_case"),
        pytest.param(["user", "moderator"], True, False, True, id="moderator_case"),
        pytest.param(["user", "moderator", "admin"], True, True, False, id="admin_case"),
    ],
)
def test_roles_map_to_console_rights(
    roles: list[str], staff: bool, superuser: bool, in_group: bool
) -> None:
    user = UserFactory()

    console_access_sync(user_id=user.id, roles=roles)

    stored = User.objects.get(id=user.id)
    assert (stored.is_staff, stored.is_superuser) == (staff, superuser)
    assert stored.groups.filter(name=MODERATORS_GROUP).exists() == in_group
    assert stored.realm_roles == sorted(roles)


def test_a_moderator_may_view_everything_and_act_but_not_edit() -> None:
    user = UserFactory()

    console_access_sync(user_id=user.id, roles=["moderator"])

    stored = User.objects.get(id=user.id)
    for permission in (
        "accounts.view_user",
        "events.view_event",
        "events.view_participation",
        "groups.view_group",
        "groups.view_membership",
        "chat.view_message",
        "moderation.view_ban",
        "moderation.view_report",
        "moderation.view_moderationaction",
        "moderation.ban_user",
        "moderation.handle_report",
        "moderation.remove_content",
    ):
        assert stored.has_perm(permission), permission
    for permission in ("accounts.change_user", "events.delete_event", "moderation.add_ban"):
        assert not stored.has_perm(permission), permission


def test_a_role_taken_away_is_taken_away_at_the_next_sign_in() -> None:
    user = UserFactory()
    console_access_sync(user_id=user.id, roles=["moderator", "admin"])

    console_access_sync(user_id=user.id, roles=["user"])

    stored = User.objects.get(id=user.id)
    assert (stored.is_staff, stored.is_superuser) == (False, False)
    assert not stored.has_perm("moderation.ban_user")
    assert not stored.groups.exists()
