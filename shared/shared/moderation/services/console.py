"""The admin console's rights, given from the realm roles at each admin sign-in."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib.auth.models import Group as PermissionGroup
from django.contrib.auth.models import Permission
from django.db import transaction

from shared.accounts.models import User
from shared.auth.tokens import ROLE_ADMIN, ROLE_MODERATOR
from shared.moderation.services._common import _lock_user

# The Django group that carries the moderator role's rights in the admin console.
MODERATORS_GROUP = "Moderators"
# Moderators see every domain app in the console; they change things only through actions.
CONSOLE_APPS = ("accounts", "events", "groups", "chat", "moderation")
CONSOLE_ACTION_PERMISSIONS = ("ban_user", "handle_report", "remove_content")


@transaction.atomic
def console_access_sync(*, user_id: UUID, roles: Iterable[str]) -> User:
    """Give the user the console rights of their realm roles, as of their latest sign-in.

    `admin` → superuser and staff; `moderator` → staff, in the "Moderators" group (view every
    domain app, ban and unban, handle reports, remove content); any other → no console
    access. Called at each admin sign-in, so a role taken away in the identity provider is
    taken away here at the next one. Also refreshes the `realm_roles` snapshot.

    Raises:
        UserNotFound: no such user.
    """
    roles = frozenset(roles)
    user = _lock_user(user_id)
    is_admin = ROLE_ADMIN in roles
    is_moderator = is_admin or ROLE_MODERATOR in roles
    changes = {
        "is_staff": is_moderator,
        "is_superuser": is_admin,
        "realm_roles": sorted(roles),
    }
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    group = moderators_group_ensure()
    if is_moderator and not is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    return user


def moderators_group_ensure() -> PermissionGroup:
    """Return the "Moderators" permission group, creating it and keeping its rights in step.

    Its rights: view every model of the domain apps, and the moderation actions.
    """
    group, _ = PermissionGroup.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=CONSOLE_APPS, codename__startswith="view_"
    ) | Permission.objects.filter(
        content_type__app_label="moderation", codename__in=CONSOLE_ACTION_PERMISSIONS
    )
    group.permissions.set(wanted)
    return group
