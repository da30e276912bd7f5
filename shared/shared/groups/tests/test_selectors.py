from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.errors import GroupNotFound, NotGroupAdmin
from shared.groups.models import JoinPolicy, JoinRequestStatus, MemberRole, Membership
from shared.groups.selectors import (
    group_get,
    group_member_ids,
    group_members,
    group_record_get,
    group_search,
    invite_list,
    is_member,
    join_request_list,
    membership_get,
    visible_groups,
)
from shared.groups.tests.factories import (
    GroupFactory,
    InviteFactory,
    JoinRequestFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def names(groups: Any) -> list[str]:
    return [group.name for group in groups]


# --- visibility / group_get ---


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        pytest.param("anonymous", False, id="anonymous_case"),
        pytest.param("outsider", False, id="outsider_case"),
        pytest.param("event_organizer", False, id="event_organizer_case"),
        pytest.param("member", True, id="member_case"),
        pytest.param("owner", True, id="owner_case"),
    ],
)
def test_group_get_shows_a_private_crew_only_to_its_members(viewer: str, visible: bool) -> None:
    # given
    group = GroupFactory(private=True)
    member = MembershipFactory(group=group).user
    viewer_id = {
        "anonymous": None,
        "outsider": UserFactory().id,
        "event_organizer": group.event.organizer_id,
        "member": member.id,
        "owner": group.created_by_id,
    }[viewer]
    # when / then
    if visible:
        assert group_get(group_id=group.id, viewer_id=viewer_id).id == group.id
    else:
        with pytest.raises(GroupNotFound):
            group_get(group_id=group.id, viewer_id=viewer_id)


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        pytest.param("anonymous", False, id="anonymous_case"),
        pytest.param("outsider", False, id="outsider_case"),
        pytest.param("event_organizer", True, id="event_organizer_case"),
        pytest.param("event_participant", True, id="event_participant_case"),
        pytest.param("member", True, id="member_case"),
    ],
)
def test_group_get_shows_a_public_crew_of_a_private_event_to_those_who_see_the_event(
    viewer: str, visible: bool
) -> None:
    # given
    event = EventFactory(visibility="private")
    group = GroupFactory(event=event)
    viewer_id = {
        "anonymous": None,
        "outsider": UserFactory().id,
        "event_organizer": event.organizer_id,
        "event_participant": ParticipationFactory(event=event).user_id,
        "member": MembershipFactory(group=group).user_id,
    }[viewer]
    # when / then
    assert visible_groups(viewer_id=viewer_id).filter(id=group.id).exists() is visible
    if not visible:
        with pytest.raises(GroupNotFound):
            group_get(group_id=group.id, viewer_id=viewer_id)


def test_group_get_shows_a_public_crew_in_one_query_with_event_and_creator(
    django_assert_num_queries: Any,
) -> None:
    group = GroupFactory(name="Front row")
    viewer = UserFactory()

    with django_assert_num_queries(1):
        found = group_get(group_id=group.id, viewer_id=viewer.id)
        seen = (found.name, found.event.title, found.created_by.username, found.my_role)  # type: ignore[attr-defined]

    assert seen == ("Front row", group.event.title, group.created_by.username, None)


def test_group_get_tells_the_viewer_their_role() -> None:
    group = GroupFactory()
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user

    assert group_get(group_id=group.id, viewer_id=group.created_by_id).my_role == "owner"  # type: ignore[attr-defined]
    assert group_get(group_id=group.id, viewer_id=admin.id).my_role == "admin"  # type: ignore[attr-defined]


def test_group_get_hides_a_removed_crew_unless_asked() -> None:
    group = GroupFactory(removed_at=timezone.now(), removal_reason="Spam")
    member = MembershipFactory(group=group).user

    with pytest.raises(GroupNotFound):
        group_get(group_id=group.id, viewer_id=member.id)
    found = group_get(group_id=group.id, viewer_id=UserFactory().id, include_removed=True)

    assert found.removal_reason == "Spam"


def test_group_get_with_removed_crews_still_hides_a_private_crew() -> None:
    group = GroupFactory(private=True, removed_at=timezone.now())

    with pytest.raises(GroupNotFound):
        group_get(group_id=group.id, viewer_id=UserFactory().id, include_removed=True)


def test_group_get_refuses_an_unknown_id() -> None:
    with pytest.raises(GroupNotFound):
        group_get(group_id=uuid4(), viewer_id=UserFactory().id)


# --- group_search ---


def test_group_search_shows_visible_active_crews_newest_first(
    django_assert_num_queries: Any,
) -> None:
    # given
    viewer = UserFactory()
    GroupFactory(name="Old public")
    mine_private = GroupFactory(name="My private", private=True)
    MembershipFactory(group=mine_private, user=viewer)
    GroupFactory(name="Their private", private=True)
    GroupFactory(name="Removed", removed_at=timezone.now())
    GroupFactory(name="Of a private event", event=EventFactory(visibility="private"))
    GroupFactory(name="New public")
    # when
    with django_assert_num_queries(1):
        groups = group_search(viewer_id=viewer.id).groups
        events = [group.event.title for group in groups]
    # then
    assert names(groups) == ["New public", "My private", "Old public"]
    assert len(events) == 3
    assert [group.my_role for group in groups] == [None, "member", None]


def test_group_search_of_one_event() -> None:
    event = EventFactory()
    GroupFactory(name="Here", event=event)
    GroupFactory(name="Elsewhere")

    assert names(group_search(viewer_id=UserFactory().id, event_id=event.id).groups) == ["Here"]


def test_group_search_of_my_crews() -> None:
    # given
    viewer = UserFactory()
    owned = GroupFactory(name="Owned", created_by=viewer)
    joined = GroupFactory(name="Joined", private=True)
    MembershipFactory(group=joined, user=viewer)
    GroupFactory(name="Not mine")
    GroupFactory(name="Mine but removed", created_by=viewer, removed_at=timezone.now())
    # when
    groups = group_search(viewer_id=viewer.id, mine=True).groups
    # then
    assert names(groups) == ["Joined", "Owned"]
    assert [group.my_role for group in groups] == ["member", "owner"]
    assert owned.id in {group.id for group in groups}


def test_group_search_of_my_crews_is_empty_for_anonymous() -> None:
    GroupFactory()

    assert group_search(viewer_id=None, mine=True).groups == []


def test_group_search_for_anonymous_shows_public_crews_of_public_events() -> None:
    GroupFactory(name="Public")
    GroupFactory(name="Private", private=True)
    GroupFactory(name="Private event", event=EventFactory(visibility="private"))

    assert names(group_search(viewer_id=None).groups) == ["Public"]


# --- members ---


def test_group_members_lists_owner_then_admins_then_members(
    django_assert_num_queries: Any,
) -> None:
    # given
    group = GroupFactory()
    member = MembershipFactory(group=group, role=MemberRole.MEMBER)
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN)
    viewer = UserFactory()
    # when
    with django_assert_num_queries(2):
        members = list(group_members(group_id=group.id, viewer_id=viewer.id))
        usernames = [membership.user.username for membership in members]
    # then
    assert usernames == [group.created_by.username, admin.user.username, member.user.username]
    assert [membership.role for membership in members] == ["owner", "admin", "member"]


def test_group_members_of_a_private_crew_are_for_members_only() -> None:
    group = GroupFactory(private=True)
    member = MembershipFactory(group=group).user

    assert len(group_members(group_id=group.id, viewer_id=member.id)) == 2
    with pytest.raises(GroupNotFound):
        group_members(group_id=group.id, viewer_id=UserFactory().id)


def test_group_members_of_a_removed_crew_are_hidden() -> None:
    group = GroupFactory(removed_at=timezone.now())

    with pytest.raises(GroupNotFound):
        group_members(group_id=group.id, viewer_id=group.created_by_id)


def test_membership_get_returns_the_membership_or_none(django_assert_num_queries: Any) -> None:
    group = GroupFactory()
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN)

    with django_assert_num_queries(1):
        found = membership_get(group_id=group.id, user_id=admin.user_id)
        assert found is not None
        assert (found.role, found.group.name, found.user.username) == (
            "admin",
            group.name,
            admin.user.username,
        )
    assert membership_get(group_id=group.id, user_id=UserFactory().id) is None


def test_membership_lookups_ignore_removed_crews() -> None:
    group = GroupFactory(removed_at=timezone.now())

    assert membership_get(group_id=group.id, user_id=group.created_by_id) is None
    assert is_member(group_id=group.id, user_id=group.created_by_id) is False
    assert group_member_ids(group_id=group.id) == []


def test_is_member(django_assert_num_queries: Any) -> None:
    group = GroupFactory(private=True)

    with django_assert_num_queries(2):
        assert is_member(group_id=group.id, user_id=group.created_by_id) is True
        assert is_member(group_id=group.id, user_id=UserFactory.build().id) is False


def test_group_member_ids_in_join_order(django_assert_num_queries: Any) -> None:
    group = GroupFactory()
    later = MembershipFactory(group=group)

    with django_assert_num_queries(1):
        ids = group_member_ids(group_id=group.id)

    assert ids == [group.created_by_id, later.user_id]


# --- join requests ---


def test_join_request_list_shows_admins_the_pending_requests(
    django_assert_num_queries: Any,
) -> None:
    # given
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
    first = JoinRequestFactory(group=group)
    second = JoinRequestFactory(group=group)
    JoinRequestFactory(group=group, status=JoinRequestStatus.REJECTED)
    JoinRequestFactory()
    # when
    with django_assert_num_queries(2):
        requests = list(join_request_list(group_id=group.id, viewer_id=admin.id))
        usernames = [join_request.user.username for join_request in requests]
    # then
    assert [join_request.id for join_request in requests] == [first.id, second.id]
    assert usernames == [first.user.username, second.user.username]


def test_join_request_list_of_every_status() -> None:
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    JoinRequestFactory(group=group)
    JoinRequestFactory(group=group, status=JoinRequestStatus.REJECTED)

    requests = join_request_list(group_id=group.id, viewer_id=group.created_by_id, status=None)

    assert sorted(join_request.status for join_request in requests) == ["pending", "rejected"]


@pytest.mark.parametrize("viewer", ["member", "requester", "outsider"])
def test_join_request_list_shows_others_only_their_own(viewer: str) -> None:
    # given
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    member = MembershipFactory(group=group).user
    own = JoinRequestFactory(group=group)
    JoinRequestFactory(group=group)
    viewer_id = {"member": member.id, "requester": own.user_id, "outsider": UserFactory().id}[
        viewer
    ]
    # when
    requests = list(join_request_list(group_id=group.id, viewer_id=viewer_id))
    # then
    expected = [own.id] if viewer == "requester" else []
    assert [join_request.id for join_request in requests] == expected


def test_join_request_list_of_a_private_crew_is_hidden_from_outsiders() -> None:
    group = GroupFactory(private=True)

    with pytest.raises(GroupNotFound):
        join_request_list(group_id=group.id, viewer_id=UserFactory().id)


# --- invites ---


def test_invite_list_shows_admins_every_invite_newest_first(
    django_assert_num_queries: Any,
) -> None:
    # given
    group = GroupFactory(private=True)
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
    revoked = InviteFactory(group=group, revoked_at=timezone.now())
    expired = InviteFactory(group=group, expires_at=timezone.now() - timedelta(days=1))
    InviteFactory()
    # when
    with django_assert_num_queries(2):
        invites = list(invite_list(group_id=group.id, viewer_id=admin.id))
        creators = [invite.created_by.username for invite in invites]
    # then
    assert [invite.id for invite in invites] == [expired.id, revoked.id]
    assert creators == [group.created_by.username] * 2


def test_invite_list_refuses_a_plain_member() -> None:
    group = GroupFactory()
    member = MembershipFactory(group=group).user

    with pytest.raises(NotGroupAdmin):
        invite_list(group_id=group.id, viewer_id=member.id)


def test_invite_list_of_a_private_crew_is_hidden_from_outsiders() -> None:
    group = GroupFactory(private=True)

    with pytest.raises(GroupNotFound):
        invite_list(group_id=group.id, viewer_id=UserFactory().id)


# --- the SQL reads and their twins in the ORM ---


def test_group_records_agree_with_the_querysets() -> None:
    """`group_search` and `group_record_get` see the crews `visible_groups` and `group_get` see,
    with the same role, for every kind of viewer and crew."""
    # given
    now = timezone.now()
    owner, member, organizer, participant, outsider = UserFactory.create_batch(5)
    private_event = EventFactory(visibility="private", organizer=organizer)
    ParticipationFactory(event=private_event, user=participant)
    removed_event = EventFactory(removed_at=now, organizer=organizer)
    crews = [
        GroupFactory(created_by=owner),
        GroupFactory(created_by=owner, private=True),
        GroupFactory(created_by=owner, event=private_event),
        GroupFactory(created_by=owner, event=private_event, private=True),
        GroupFactory(created_by=owner, removed_at=now),
        GroupFactory(created_by=owner, event=removed_event),
        GroupFactory(),
        GroupFactory(private=True),
    ]
    for crew in crews[1:4] + crews[6:]:
        MembershipFactory(group=crew, user=member)
    viewers = [None, owner, member, organizer, participant, outsider]
    for viewer in viewers:
        viewer_id = viewer.id if viewer else None
        # when
        listed = group_search(viewer_id=viewer_id, limit=100)
        # then
        expected = visible_groups(viewer_id=viewer_id).active().values_list("id", flat=True)
        assert {crew.id for crew in listed.groups} == set(expected)
        assert listed.total == len(listed.groups)
        mine = group_search(viewer_id=viewer_id, mine=True, limit=100).groups
        # no viewer, no memberships (the stubs take no None for the key)
        own = Membership.objects.filter(user_id=viewer_id, group__removed_at__isnull=True)  # type: ignore[misc]
        assert {crew.id for crew in mine} == set(own.values_list("group_id", flat=True))
        for crew in crews:
            assert _role_or_hidden(group_record_get, crew.id, viewer_id) == _role_or_hidden(
                group_get, crew.id, viewer_id
            )


def _role_or_hidden(read: Any, group_id: Any, viewer_id: Any) -> tuple[bool, str | None]:
    try:
        group = read(group_id=group_id, viewer_id=viewer_id)
    except GroupNotFound:
        return False, None
    return True, group.my_role


def test_group_search_pages_and_counts_in_one_query(django_assert_num_queries: Any) -> None:
    # given
    viewer = UserFactory()
    for index in range(5):
        GroupFactory(name=f"Crew {index}")
    # when
    with django_assert_num_queries(1):
        page = group_search(viewer_id=viewer.id, offset=1, limit=2)
    # then
    assert page.total == 5
    assert names(page.groups) == ["Crew 3", "Crew 2"]
