"""Reads on crews: one crew, lists, members, join requests and invites.

Who may see a crew: its members always; anyone else only when the crew is public *and* its
event is visible to them (a public crew of a private event must not reveal that event).
A crew removed by moderation (or closed when its last member left) is hidden from everyone
but moderators, who ask with `include_removed=True`, and its owner, who sees through
`group_get` that it was removed and why.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from shared.accounts.models import User, UserSummary
from shared.core.sql import records_cursor, table
from shared.events.models import Event, EventVisibility
from shared.events.selectors import event_visibility_sql
from shared.groups.errors import GroupNotFound, NotGroupAdmin
from shared.groups.models import (
    Group,
    GroupQuerySet,
    GroupVisibility,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)

ADMIN_ROLES = (MemberRole.OWNER, MemberRole.ADMIN)


def visible_groups(*, viewer_id: UUID | None) -> GroupQuerySet:
    """Return every crew the viewer may see, removed ones included (filter with `.active()`).

    A member sees their crew; anyone else sees a public crew whose event they may see.
    """
    event_visible = Exists(Event.objects.visible_to(viewer_id).filter(pk=OuterRef("event_id")))
    public = Q(visibility=GroupVisibility.PUBLIC) & Q(event_visible)
    if viewer_id is None:
        return Group.objects.filter(public)
    member = Exists(Membership.objects.filter(group_id=OuterRef("pk"), user_id=viewer_id))
    return Group.objects.filter(Q(member) | public)


def _with_my_role(groups: GroupQuerySet, viewer_id: UUID | None) -> GroupQuerySet:
    if viewer_id is None:
        return groups.annotate(my_role=Value(None, output_field=CharField()))
    mine = Membership.objects.filter(group_id=OuterRef("pk"), user_id=viewer_id)
    return groups.annotate(my_role=Subquery(mine.values("role")[:1]))


# --- Crews as the API shows them, read in SQL ---


@dataclass(frozen=True, slots=True)
class CrewEventSummary:
    """What a crew shows of its event."""

    id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """A crew as the API shows it, with the viewer's `my_role`, read without model instances."""

    id: UUID
    name: str
    description: str
    max_members: int
    member_count: int
    join_policy: str
    visibility: str
    removed_at: datetime | None
    removal_reason: str
    created_at: datetime
    updated_at: datetime
    # Built from further columns: never filled by position.
    _: KW_ONLY
    event: CrewEventSummary
    created_by: UserSummary | None
    my_role: str | None

    @property
    def is_full(self) -> bool:
        return self.member_count >= self.max_members


@dataclass(frozen=True)
class GroupPage:
    """A slice of a crew list and the size of the whole list."""

    total: int
    groups: list[GroupRecord]


_GROUP_COLUMNS = f"""
    g.id, g.name, g.description, g.max_members, g.member_count, g.join_policy, g.visibility,
    g.removed_at, g.removal_reason, g.created_at, g.updated_at,
    e.id, e.title, e.starts_at, e.ends_at, e.status,
    {UserSummary.columns("u")}"""


def _visible_groups_sql(viewer_id: UUID | None, *, mine: bool = False) -> tuple[str, str, str]:
    """The joins, the `my_role` column and the condition of `visible_groups`, in SQL.

    Its twin (`test_group_records_agree_with_the_querysets` keeps them equal): a member sees
    their crew; anyone else a public crew whose event they may see. With `mine`, only the
    viewer's own crews, read from their memberships. Parameters: `viewer`, `public` (the
    events' public) and `public_crew`.
    """
    if mine:
        return (
            f"JOIN {table(Membership)} m ON m.group_id = g.id AND m.user_id = %(viewer)s",
            "m.role",
            "TRUE",
        )
    event_joins, _, event_visible = event_visibility_sql(viewer_id)
    public = f"g.visibility = %(public_crew)s AND {' AND '.join(event_visible)}"
    if viewer_id is None:
        return event_joins, "NULL::varchar", public
    # (crew, user) is unique: the join adds at most the viewer's own membership to each crew.
    member = f"LEFT JOIN {table(Membership)} m ON m.group_id = g.id AND m.user_id = %(viewer)s"
    return f"{member} {event_joins}", "m.role", f"(m.id IS NOT NULL OR ({public}))"


def _group_records(
    where: list[str], params: dict[str, Any], tail: str = "", *, mine: bool = False
) -> tuple[list[GroupRecord], int]:
    joins, my_role, visible = _visible_groups_sql(params["viewer"], mine=mine)
    sql = (
        f"SELECT {_GROUP_COLUMNS}, {my_role} AS my_role, count(*) OVER () AS total"  # noqa: S608 - constants only
        f" FROM {table(Group)} g JOIN {table(Event)} e ON e.id = g.event_id"
        f" {joins} LEFT JOIN {table(User)} u ON u.id = g.created_by_id"
        f" WHERE {' AND '.join([visible, *where])} {tail}"
    )
    params = {
        **params,
        "public": EventVisibility.PUBLIC,
        "public_crew": GroupVisibility.PUBLIC,
    }
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_group_record(row) for row in rows], (rows[0][-1] if rows else 0)


def _group_record(row: tuple[Any, ...]) -> GroupRecord:
    return GroupRecord(
        *row[:11],
        event=CrewEventSummary(*row[11:16]),
        created_by=UserSummary.from_columns(row[16:22]),
        my_role=row[22],
    )


def group_search(
    *,
    viewer_id: UUID | None,
    event_id: UUID | None = None,
    mine: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> GroupPage:
    """One page of the active crews the viewer may see, newest first, and their number, in one
    query; each with `my_role`. `event_id` keeps the crews of one event; `mine` keeps the
    viewer's own crews (none for an anonymous viewer).

    Written in SQL, as discovery is: building and compiling the queryset took most of a crew
    list's time (`bench/endpoint_cpu.py`). `visible_groups` is its twin in the ORM.
    """
    if mine and viewer_id is None:
        return GroupPage(total=0, groups=[])
    where = ["g.removed_at IS NULL"]
    params: dict[str, Any] = {"viewer": viewer_id, "offset": offset, "limit": limit}
    if event_id is not None:
        where.append("g.event_id = %(event)s")
        params["event"] = event_id
    groups, total = _group_records(
        where,
        params,
        "ORDER BY g.created_at DESC, g.id LIMIT %(limit)s OFFSET %(offset)s",
        mine=mine,
    )
    return GroupPage(total=total, groups=groups)


def group_record_get(
    *, group_id: UUID, viewer_id: UUID | None, include_removed: bool = False
) -> GroupRecord:
    """`group_get` for showing the crew: the same rule, read in SQL into a `GroupRecord`.

    Raises:
        GroupNotFound: as `group_get`.
    """
    where = ["g.id = %(group)s"]
    if not include_removed:
        # Its owner still sees a crew taken down, with why (`group_get`).
        where.append(
            "(g.removed_at IS NULL OR m.role = %(owner)s)" if viewer_id else "g.removed_at IS NULL"
        )
    groups, _ = _group_records(
        where, {"viewer": viewer_id, "group": group_id, "owner": MemberRole.OWNER}
    )
    if not groups:
        raise GroupNotFound()
    return groups[0]


def _get_visible(
    *,
    group_id: UUID,
    viewer_id: UUID | None,
    include_removed: bool,
    owner_sees_removed: bool = False,
) -> Group:
    groups = _with_my_role(visible_groups(viewer_id=viewer_id), viewer_id)
    if owner_sees_removed and not include_removed:
        groups = groups.filter(Q(removed_at__isnull=True) | Q(my_role=MemberRole.OWNER))
    elif not include_removed:
        groups = groups.active()
    group = groups.select_related("event", "created_by").filter(id=group_id).first()
    if group is None:
        raise GroupNotFound()
    return group


def group_get(*, group_id: UUID, viewer_id: UUID | None, include_removed: bool = False) -> Group:
    """Return the crew with its event, creator and the viewer's `my_role` (None if not a member).

    The owner of a crew removed by moderation still gets it, with `removed_at` and
    `removal_reason` saying so.

    Raises:
        GroupNotFound: no such crew, one the viewer may not see, or a removed one the viewer
            does not own (unless `include_removed`, which only moderators' interfaces should
            pass).
    """
    return _get_visible(
        group_id=group_id,
        viewer_id=viewer_id,
        include_removed=include_removed,
        owner_sees_removed=True,
    )


def group_members(*, group_id: UUID, viewer_id: UUID | None) -> QuerySet[Membership]:
    """Return the members of a visible crew: the owner, then admins, then members, by join time.

    Raises:
        GroupNotFound: no such crew, one the viewer may not see (a private crew they are not
            in), or a removed one.
    """
    if not visible_groups(viewer_id=viewer_id).active().filter(id=group_id).exists():
        raise GroupNotFound()
    role_rank = Case(
        When(role=MemberRole.OWNER, then=Value(0)),
        When(role=MemberRole.ADMIN, then=Value(1)),
        default=Value(2),
    )
    return (
        Membership.objects.filter(group_id=group_id)
        .select_related("user")
        .annotate(role_rank=role_rank)
        .order_by("role_rank", "created_at", "id")
    )


def membership_get(*, group_id: UUID, user_id: UUID) -> Membership | None:
    """Return the user's membership of an active crew (with the crew and user), or None.

    No visibility check: for internal callers (the chat, the safety service) that ask about
    a given user, not on behalf of a viewer.
    """
    return (
        Membership.objects.select_related("group", "user")
        .filter(group_id=group_id, user_id=user_id, group__removed_at__isnull=True)
        .first()
    )


def is_member(*, group_id: UUID, user_id: UUID) -> bool:
    """Return whether the user belongs to the crew, and the crew is active (not removed)."""
    return Membership.objects.filter(
        group_id=group_id, user_id=user_id, group__removed_at__isnull=True
    ).exists()


def group_member_ids(*, group_id: UUID) -> list[UUID]:
    """Return the ids of the members of an active crew in join order ([] for a removed crew)."""
    return list(
        Membership.objects.filter(group_id=group_id, group__removed_at__isnull=True)
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


def _group_with_role(*, group_id: UUID, viewer_id: UUID) -> Group:
    return _get_visible(group_id=group_id, viewer_id=viewer_id, include_removed=False)


def join_request_list(
    *,
    group_id: UUID,
    viewer_id: UUID,
    status: str | None = JoinRequestStatus.PENDING,
) -> QuerySet[JoinRequest]:
    """Return the crew's join requests, oldest first; `status=None` returns every state.

    The crew's admins see everyone's requests; anyone else who can see the crew sees only
    their own (so a requester can follow and cancel theirs).

    Raises:
        GroupNotFound: no such crew, one the viewer may not see, or a removed one.
    """
    group = _group_with_role(group_id=group_id, viewer_id=viewer_id)
    requests = JoinRequest.objects.filter(group_id=group.id).select_related("user", "decided_by")
    if group.my_role not in ADMIN_ROLES:  # type: ignore[attr-defined]
        requests = requests.filter(user_id=viewer_id)
    if status is not None:
        requests = requests.filter(status=status)
    return requests.order_by("created_at", "id")


def invite_list(*, group_id: UUID, viewer_id: UUID) -> QuerySet[Invite]:
    """Return every invite of the crew, newest first, revoked and expired ones included.

    Raises:
        GroupNotFound: no such crew, one the viewer may not see, or a removed one.
        NotGroupAdmin: the viewer is not the crew's owner or one of its admins.
    """
    group = _group_with_role(group_id=group_id, viewer_id=viewer_id)
    if group.my_role not in ADMIN_ROLES:  # type: ignore[attr-defined]
        raise NotGroupAdmin()
    return (
        Invite.objects.filter(group_id=group.id)
        .select_related("created_by")
        .order_by("-created_at", "id")
    )


def membership_list_of_user(*, user_id: UUID) -> QuerySet[Membership]:
    """Return every crew membership of the user, removed crews included, oldest first.

    No visibility rule: for the user's own data (the export, the account's erasure).
    """
    return (
        Membership.objects.filter(user_id=user_id)
        .select_related("group", "group__event")
        .order_by("created_at", "id")
    )


def join_request_list_of_user(*, user_id: UUID) -> QuerySet[JoinRequest]:
    """Return every join request the user made, in any state, oldest first (for the export)."""
    return (
        JoinRequest.objects.filter(user_id=user_id)
        .select_related("group")
        .order_by("created_at", "id")
    )
