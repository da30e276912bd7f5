from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from shared.accounts.tests.factories import UserFactory
from shared.events.errors import EventCancelled, EventEnded, EventNotFound
from shared.events.models import EventStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.errors import (
    AlreadyMember,
    AlreadyOwner,
    CannotRemoveOwner,
    CannotRemoveSelf,
    CapacityBelowMembers,
    FieldNotUpdatable,
    GroupFull,
    GroupNotFound,
    GroupNotOpen,
    InviteExpired,
    InviteNotFound,
    InviteRevoked,
    InviteUsedUp,
    JoinRequestNotFound,
    JoinRequestNotPending,
    JoinRequestsClosed,
    MembershipNotFound,
    NotGroupAdmin,
    NotGroupOwner,
    NotJoinRequestAuthor,
    OwnerMustTransfer,
    OwnerRoleFixed,
)
from shared.groups.events import LeaveReason, MemberChange, MemberChangeKind
from shared.groups.models import (
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)
from shared.groups.selectors import group_get
from shared.groups.services import (
    DISSOLVED_REASON,
    group_create,
    group_join,
    group_join_by_invite,
    group_leave,
    group_member_remove,
    group_member_set_role,
    group_transfer_ownership,
    group_update,
    invite_create,
    invite_revoke,
    join_request_approve,
    join_request_cancel,
    join_request_create,
    join_request_reject,
)
from shared.groups.tests.factories import (
    GroupFactory,
    InviteFactory,
    JoinRequestFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

OWNER, ADMIN, MEMBER = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER


def groups_created_total() -> float:
    return REGISTRY.get_sample_value("groups_created_total") or 0.0


def joined(group: Group, user_id: UUID) -> MemberChange:
    return MemberChange(kind=MemberChangeKind.JOINED, group_id=group.id, user_id=user_id)


def left(group: Group, user_id: UUID, reason: LeaveReason) -> MemberChange:
    return MemberChange(
        kind=MemberChangeKind.LEFT, group_id=group.id, user_id=user_id, reason=reason
    )


def roles(group: Group) -> dict[str, str]:
    return {m.user.username: m.role for m in group.memberships.select_related("user")}


def member_count(group: Group) -> int:
    return Group.objects.get(id=group.id).member_count


def crew_with(*member_roles: str, **kwargs: Any) -> tuple[Group, list[Membership]]:
    """A crew with its owner first, then one membership per role given."""
    group = GroupFactory(**kwargs)
    owner = Membership.objects.get(group=group, role=OWNER)
    others = [MembershipFactory(group=group, role=role) for role in member_roles]
    group.refresh_from_db()
    return group, [owner, *others]


def past_event() -> Any:
    now = timezone.now()
    return EventFactory(starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1))


# --- group_create ---


def test_group_create_makes_the_creator_owner_and_only_member(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    event = EventFactory()
    creator = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        group = group_create(
            creator_id=creator.id,
            event_id=event.id,
            name="  Front row  ",
            description="We meet at the bar first.",
            max_members=6,
        )
    # then
    group.refresh_from_db()
    assert (group.name, group.description, group.max_members) == (
        "Front row",
        "We meet at the bar first.",
        6,
    )
    assert (group.join_policy, group.visibility) == ("open", "public")
    assert (group.event_id, group.created_by_id, group.member_count) == (event.id, creator.id, 1)
    assert group.removed_at is None
    assert Membership.objects.get(group=group).user_id == creator.id
    assert Membership.objects.get(group=group).role == OWNER
    assert member_changes == [joined(group, creator.id)]


def test_group_create_returns_the_crew_with_the_creators_role() -> None:
    event = EventFactory()
    creator = UserFactory()

    group = group_create(creator_id=creator.id, event_id=event.id, name="Crew", max_members=4)

    assert group.my_role == OWNER  # type: ignore[attr-defined]
    assert group.event == event


def test_group_create_counts_and_announces_only_after_commit(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    event = EventFactory()
    before = groups_created_total()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        group_create(creator_id=UserFactory().id, event_id=event.id, name="Crew", max_members=4)
        # then: nothing is counted nor announced before the commit
        assert groups_created_total() == before
        assert member_changes == []
    for callback in callbacks:
        callback()
    assert groups_created_total() == before + 1
    assert len(member_changes) == 1


def test_group_create_makes_a_private_invite_only_crew() -> None:
    event = EventFactory()

    group = group_create(
        creator_id=UserFactory().id,
        event_id=event.id,
        name="Secret",
        max_members=2,
        visibility="private",
        join_policy="invite",
    )

    assert (group.visibility, group.join_policy, group.max_members) == ("private", "invite", 2)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"max_members": 1}, "max_members", id="max_members_1_case"),
        pytest.param({"max_members": 51}, "max_members", id="max_members_51_case"),
        pytest.param({"name": ""}, "name", id="name_blank_case"),
        pytest.param({"name": "   "}, "name", id="name_spaces_case"),
        pytest.param({"name": "x" * 101}, "name", id="name_101_case"),
        pytest.param({"description": "x" * 2001}, "description", id="description_2001_case"),
        pytest.param({"join_policy": "maybe"}, "join_policy", id="unknown_policy_case"),
        pytest.param({"visibility": "secret"}, "visibility", id="unknown_visibility_case"),
        pytest.param(
            {"visibility": "private", "join_policy": "open"}, "join_policy", id="private_open_case"
        ),
        pytest.param(
            {"visibility": "private", "join_policy": "request"},
            "join_policy",
            id="private_request_case",
        ),
    ],
)
def test_group_create_refuses_invalid_input_and_writes_nothing(
    overrides: dict[str, Any], field: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    event = EventFactory()
    kwargs = {"name": "Crew", "max_members": 5, **overrides}
    before = groups_created_total()
    # when
    with (
        pytest.raises(ValidationError) as error,
        django_capture_on_commit_callbacks(execute=True),
    ):
        group_create(creator_id=UserFactory().id, event_id=event.id, **kwargs)
    # then
    assert field in error.value.message_dict
    assert not Group.objects.exists()
    assert not Membership.objects.exists()
    assert groups_created_total() == before


def test_group_create_accepts_the_bounds_of_the_capacity() -> None:
    event = EventFactory()
    creator = UserFactory()

    smallest = group_create(creator_id=creator.id, event_id=event.id, name="Two", max_members=2)
    largest = group_create(creator_id=creator.id, event_id=event.id, name="Many", max_members=50)

    assert (smallest.max_members, largest.max_members) == (2, 50)


def test_group_create_refuses_an_unknown_event() -> None:
    with pytest.raises(EventNotFound):
        group_create(creator_id=UserFactory().id, event_id=uuid4(), name="Crew", max_members=4)

    assert not Group.objects.exists()


def test_group_create_refuses_a_private_event_the_creator_cannot_see() -> None:
    event = EventFactory(visibility="private")

    with pytest.raises(EventNotFound):
        group_create(creator_id=UserFactory().id, event_id=event.id, name="Crew", max_members=4)

    assert not Group.objects.exists()


def test_group_create_accepts_a_private_event_the_creator_takes_part_in() -> None:
    event = EventFactory(visibility="private")
    participant = ParticipationFactory(event=event).user

    group = group_create(creator_id=participant.id, event_id=event.id, name="Crew", max_members=4)

    assert group.event_id == event.id


def test_group_create_refuses_a_cancelled_event() -> None:
    event = EventFactory(status=EventStatus.CANCELLED)

    with pytest.raises(EventCancelled):
        group_create(creator_id=UserFactory().id, event_id=event.id, name="Crew", max_members=4)

    assert not Group.objects.exists()


def test_group_create_refuses_an_event_that_has_ended() -> None:
    event = past_event()

    with pytest.raises(EventEnded):
        group_create(creator_id=UserFactory().id, event_id=event.id, name="Crew", max_members=4)

    assert not Group.objects.exists()


def test_database_refuses_a_private_crew_that_is_not_invite_only() -> None:
    group = GroupFactory()

    with (
        pytest.raises(IntegrityError, match="groups_group_private_is_invite_only"),
        transaction.atomic(),
    ):
        Group.objects.filter(id=group.id).update(visibility="private", join_policy="open")


def test_database_refuses_more_members_than_places() -> None:
    group = GroupFactory(max_members=2)

    with (
        pytest.raises(IntegrityError, match="groups_group_members_within_capacity"),
        transaction.atomic(),
    ):
        Group.objects.filter(id=group.id).update(member_count=3)


def test_database_refuses_a_second_owner() -> None:
    group = GroupFactory()

    with pytest.raises(IntegrityError, match="groups_membership_one_owner"), transaction.atomic():
        MembershipFactory(group=group, role=OWNER)


# --- group_update ---


@pytest.mark.parametrize("role", [OWNER, ADMIN])
def test_group_update_lets_an_admin_change_the_crew(role: str) -> None:
    # given
    group, members = crew_with(ADMIN, MEMBER, name="Old", max_members=5)
    actor = members[0] if role == OWNER else members[1]
    data = {
        "name": "New",
        "description": "Changed",
        "max_members": 3,
        "join_policy": "request",
        "visibility": "public",
    }
    # when
    updated = group_update(group_id=group.id, actor_id=actor.user_id, data=data)
    # then
    group.refresh_from_db()
    for name, value in data.items():
        assert getattr(group, name) == value
    assert updated.my_role == role  # type: ignore[attr-defined]


def test_group_update_refuses_a_plain_member() -> None:
    group, members = crew_with(MEMBER, name="Old")

    with pytest.raises(NotGroupAdmin):
        group_update(group_id=group.id, actor_id=members[1].user_id, data={"name": "Mine"})

    assert Group.objects.get(id=group.id).name == "Old"


def test_group_update_refuses_an_outsider_of_a_public_crew() -> None:
    group = GroupFactory(name="Old")

    with pytest.raises(NotGroupAdmin):
        group_update(group_id=group.id, actor_id=UserFactory().id, data={"name": "Mine"})

    assert Group.objects.get(id=group.id).name == "Old"


def test_group_update_hides_a_private_crew_from_an_outsider() -> None:
    group = GroupFactory(name="Old", private=True)

    with pytest.raises(GroupNotFound):
        group_update(group_id=group.id, actor_id=UserFactory().id, data={"name": "Mine"})

    assert Group.objects.get(id=group.id).name == "Old"


@pytest.mark.parametrize(
    "field", ["member_count", "event", "event_id", "created_by_id", "removed_at", "id", "junk"]
)
def test_group_update_refuses_fields_outside_the_whitelist(field: str) -> None:
    group = GroupFactory(name="Old")

    with pytest.raises(FieldNotUpdatable) as error:
        group_update(
            group_id=group.id, actor_id=group.created_by_id, data={"name": "New", field: 1}
        )

    assert error.value.fields == {field: ["This field cannot be changed."]}
    assert Group.objects.get(id=group.id).name == "Old"


def test_group_update_refuses_a_capacity_below_the_members() -> None:
    # given
    group, members = crew_with(MEMBER, MEMBER, max_members=5)
    # when
    with pytest.raises(CapacityBelowMembers) as error:
        group_update(group_id=group.id, actor_id=members[0].user_id, data={"max_members": 2})
    # then
    assert error.value.fields == {"max_members": ["The crew has 3 members."]}
    assert Group.objects.get(id=group.id).max_members == 5


def test_group_update_accepts_a_capacity_equal_to_the_members() -> None:
    group, members = crew_with(MEMBER, MEMBER, max_members=5)

    group_update(group_id=group.id, actor_id=members[0].user_id, data={"max_members": 3})

    assert Group.objects.get(id=group.id).max_members == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"visibility": "private"}, "visibility", id="private_alone_case"),
        pytest.param(
            {"visibility": "private", "join_policy": "request"},
            "join_policy",
            id="private_request_case",
        ),
        pytest.param({"max_members": 51}, "max_members", id="max_members_51_case"),
        pytest.param({"name": ""}, "name", id="name_blank_case"),
    ],
)
def test_group_update_refuses_inconsistent_or_invalid_values(
    data: dict[str, Any], field: str
) -> None:
    group = GroupFactory(name="Old", join_policy="open")

    with pytest.raises(ValidationError) as error:
        group_update(group_id=group.id, actor_id=group.created_by_id, data=data)

    assert list(error.value.message_dict) == [field]
    unchanged = Group.objects.get(id=group.id)
    assert (unchanged.name, unchanged.visibility, unchanged.max_members) == ("Old", "public", 10)


def test_group_update_refuses_opening_a_private_crew_without_making_it_public() -> None:
    group = GroupFactory(private=True)

    with pytest.raises(ValidationError) as error:
        group_update(group_id=group.id, actor_id=group.created_by_id, data={"join_policy": "open"})

    assert error.value.message_dict == {"join_policy": ["A private crew is joined by invite only."]}


def test_group_update_makes_a_crew_private_and_invite_only() -> None:
    group = GroupFactory(join_policy="open")

    group_update(
        group_id=group.id,
        actor_id=group.created_by_id,
        data={"visibility": "private", "join_policy": "invite"},
    )

    group.refresh_from_db()
    assert (group.visibility, group.join_policy) == ("private", "invite")


def test_group_update_leaving_the_request_policy_cancels_pending_requests() -> None:
    # given
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    pending = JoinRequestFactory(group=group)
    rejected = JoinRequestFactory(group=group, status=JoinRequestStatus.REJECTED)
    # when
    group_update(group_id=group.id, actor_id=group.created_by_id, data={"join_policy": "invite"})
    # then
    pending.refresh_from_db()
    assert pending.status == JoinRequestStatus.CANCELLED
    assert pending.decided_by_id == group.created_by_id
    assert pending.decided_at is not None
    assert JoinRequest.objects.get(id=rejected.id).status == JoinRequestStatus.REJECTED


def test_group_update_without_changes_writes_nothing() -> None:
    group = GroupFactory(name="Same")
    updated_at = group.updated_at

    group_update(group_id=group.id, actor_id=group.created_by_id, data={"name": "Same"})

    assert Group.objects.get(id=group.id).updated_at == updated_at


def test_group_update_refuses_a_removed_crew() -> None:
    group = GroupFactory(name="Old", removed_at=timezone.now())

    with pytest.raises(GroupNotFound):
        group_update(group_id=group.id, actor_id=group.created_by_id, data={"name": "New"})


# --- group_join ---


def test_group_join_adds_a_member_to_an_open_crew(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group = GroupFactory(max_members=3)
    user = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        membership, created = group_join(group_id=group.id, user_id=user.id)
    # then
    assert created is True
    assert (membership.group_id, membership.user_id, membership.role) == (group.id, user.id, MEMBER)
    assert member_count(group) == 2
    assert member_changes == [joined(group, user.id)]


def test_group_join_twice_returns_the_membership_and_counts_once(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    group = GroupFactory()
    user = UserFactory()
    first, _ = group_join(group_id=group.id, user_id=user.id)

    with django_capture_on_commit_callbacks(execute=True):
        again, created = group_join(group_id=group.id, user_id=user.id)

    assert (again.id, created) == (first.id, False)
    assert member_count(group) == 2
    assert member_changes == []


@pytest.mark.parametrize("policy", [JoinPolicy.REQUEST, JoinPolicy.INVITE])
def test_group_join_refuses_a_crew_that_is_not_open(policy: str) -> None:
    group = GroupFactory(join_policy=policy)
    user = UserFactory()

    with pytest.raises(GroupNotOpen):
        group_join(group_id=group.id, user_id=user.id)

    assert not Membership.objects.filter(group=group, user=user).exists()
    assert member_count(group) == 1


def test_group_join_refuses_a_full_crew_and_changes_nothing(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group, _ = crew_with(MEMBER, max_members=2)
    user = UserFactory()
    # when
    with pytest.raises(GroupFull), django_capture_on_commit_callbacks(execute=True):
        group_join(group_id=group.id, user_id=user.id)
    # then
    assert member_count(group) == 2
    assert not Membership.objects.filter(group=group, user=user).exists()
    assert member_changes == []


def test_group_join_takes_the_last_place() -> None:
    group, _ = crew_with(MEMBER, max_members=3)

    group_join(group_id=group.id, user_id=UserFactory().id)

    assert member_count(group) == 3


def test_group_join_hides_a_private_crew() -> None:
    group = GroupFactory(private=True)

    with pytest.raises(GroupNotFound):
        group_join(group_id=group.id, user_id=UserFactory().id)


def test_group_join_hides_a_public_crew_of_a_private_event_from_outsiders() -> None:
    group = GroupFactory(event=EventFactory(visibility="private"))

    with pytest.raises(GroupNotFound):
        group_join(group_id=group.id, user_id=UserFactory().id)


def test_group_join_lets_a_participant_of_a_private_event_join_its_public_crew() -> None:
    event = EventFactory(visibility="private")
    group = GroupFactory(event=event)
    participant = ParticipationFactory(event=event).user

    _, created = group_join(group_id=group.id, user_id=participant.id)

    assert created is True


def test_group_join_refuses_a_crew_of_a_cancelled_event() -> None:
    group = GroupFactory(event=EventFactory(status=EventStatus.CANCELLED))

    with pytest.raises(EventCancelled):
        group_join(group_id=group.id, user_id=UserFactory().id)

    assert member_count(group) == 1


def test_group_join_refuses_a_crew_of_an_event_that_has_ended() -> None:
    group = GroupFactory(event=past_event())

    with pytest.raises(EventEnded):
        group_join(group_id=group.id, user_id=UserFactory().id)


def test_group_join_refuses_a_removed_crew() -> None:
    group = GroupFactory(removed_at=timezone.now(), removal_reason="Spam")

    with pytest.raises(GroupNotFound):
        group_join(group_id=group.id, user_id=UserFactory().id)


def test_group_join_refuses_an_unknown_crew() -> None:
    with pytest.raises(GroupNotFound):
        group_join(group_id=uuid4(), user_id=UserFactory().id)


# --- join requests ---


def test_join_request_create_records_a_pending_request() -> None:
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    user = UserFactory()

    join_request, created = join_request_create(
        group_id=group.id, user_id=user.id, message="Can I come?"
    )

    assert created is True
    join_request.refresh_from_db()
    assert (join_request.user_id, join_request.status, join_request.message) == (
        user.id,
        JoinRequestStatus.PENDING,
        "Can I come?",
    )
    assert member_count(group) == 1


def test_join_request_create_twice_returns_the_pending_request() -> None:
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    user = UserFactory()
    first, _ = join_request_create(group_id=group.id, user_id=user.id)

    again, created = join_request_create(group_id=group.id, user_id=user.id)

    assert (again.id, created) == (first.id, False)
    assert JoinRequest.objects.filter(group=group).count() == 1


def test_join_request_create_is_accepted_by_a_full_crew() -> None:
    group, _ = crew_with(MEMBER, max_members=2, join_policy=JoinPolicy.REQUEST)

    _, created = join_request_create(group_id=group.id, user_id=UserFactory().id)

    assert created is True


def test_join_request_create_refuses_a_member() -> None:
    group, members = crew_with(MEMBER, join_policy=JoinPolicy.REQUEST)

    with pytest.raises(AlreadyMember):
        join_request_create(group_id=group.id, user_id=members[1].user_id)

    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize("policy", [JoinPolicy.OPEN, JoinPolicy.INVITE])
def test_join_request_create_refuses_a_crew_without_requests(policy: str) -> None:
    group = GroupFactory(join_policy=policy)

    with pytest.raises(JoinRequestsClosed):
        join_request_create(group_id=group.id, user_id=UserFactory().id)

    assert not JoinRequest.objects.exists()


def test_join_request_create_refuses_a_too_long_message() -> None:
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)

    with pytest.raises(ValidationError) as error:
        join_request_create(group_id=group.id, user_id=UserFactory().id, message="x" * 501)

    assert list(error.value.message_dict) == ["message"]
    assert not JoinRequest.objects.exists()


def test_join_request_create_refuses_a_cancelled_event() -> None:
    group = GroupFactory(
        join_policy=JoinPolicy.REQUEST, event=EventFactory(status=EventStatus.CANCELLED)
    )

    with pytest.raises(EventCancelled):
        join_request_create(group_id=group.id, user_id=UserFactory().id)


def test_join_request_cancel_withdraws_ones_own_request() -> None:
    join_request = JoinRequestFactory()
    moment = timezone.now()

    cancelled = join_request_cancel(
        group_id=join_request.group_id,
        request_id=join_request.id,
        user_id=join_request.user_id,
        now=moment,
    )

    assert cancelled.status == JoinRequestStatus.CANCELLED
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_at) == (JoinRequestStatus.CANCELLED, moment)


@pytest.mark.parametrize("who", ["owner", "other"])
def test_join_request_cancel_refuses_anyone_but_the_requester(who: str) -> None:
    join_request = JoinRequestFactory()
    actor_id = join_request.group.created_by_id if who == "owner" else UserFactory().id

    with pytest.raises(NotJoinRequestAuthor):
        join_request_cancel(
            group_id=join_request.group_id, request_id=join_request.id, user_id=actor_id
        )

    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.PENDING


def test_join_request_cancel_refuses_a_decided_request() -> None:
    join_request = JoinRequestFactory(status=JoinRequestStatus.REJECTED)

    with pytest.raises(JoinRequestNotPending):
        join_request_cancel(
            group_id=join_request.group_id,
            request_id=join_request.id,
            user_id=join_request.user_id,
        )

    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.REJECTED


def test_join_request_cancel_refuses_a_request_of_another_crew() -> None:
    join_request = JoinRequestFactory()
    other_group = GroupFactory(join_policy=JoinPolicy.REQUEST)

    with pytest.raises(JoinRequestNotFound):
        join_request_cancel(
            group_id=other_group.id, request_id=join_request.id, user_id=join_request.user_id
        )


@pytest.mark.parametrize("role", [OWNER, ADMIN])
def test_join_request_approve_makes_the_requester_a_member(
    role: str, django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group, members = crew_with(ADMIN, join_policy=JoinPolicy.REQUEST)
    actor = members[0] if role == OWNER else members[1]
    join_request = JoinRequestFactory(group=group)
    moment = timezone.now()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = join_request_approve(
            group_id=group.id, request_id=join_request.id, actor_id=actor.user_id, now=moment
        )
    # then
    assert approved.status == JoinRequestStatus.APPROVED
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by_id, join_request.decided_at) == (
        JoinRequestStatus.APPROVED,
        actor.user_id,
        moment,
    )
    assert Membership.objects.get(group=group, user=join_request.user).role == MEMBER
    assert member_count(group) == 3
    assert member_changes == [joined(group, join_request.user_id)]


def test_join_request_approve_respects_the_capacity() -> None:
    # given
    group, _ = crew_with(MEMBER, max_members=2, join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)
    # when
    with pytest.raises(GroupFull):
        join_request_approve(
            group_id=group.id, request_id=join_request.id, actor_id=group.created_by.id
        )
    # then
    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.PENDING
    assert not Membership.objects.filter(group=group, user=join_request.user).exists()
    assert member_count(group) == 2


def test_join_request_approve_refuses_a_plain_member() -> None:
    group, members = crew_with(MEMBER, join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)

    with pytest.raises(NotGroupAdmin):
        join_request_approve(
            group_id=group.id, request_id=join_request.id, actor_id=members[1].user_id
        )

    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.PENDING
    assert member_count(group) == 2


def test_join_request_approve_refuses_the_requester_themselves() -> None:
    join_request = JoinRequestFactory()

    with pytest.raises(NotGroupAdmin):
        join_request_approve(
            group_id=join_request.group_id,
            request_id=join_request.id,
            actor_id=join_request.user_id,
        )

    assert not Membership.objects.filter(user=join_request.user).exists()


@pytest.mark.parametrize(
    "status",
    [JoinRequestStatus.APPROVED, JoinRequestStatus.REJECTED, JoinRequestStatus.CANCELLED],
)
def test_join_request_approve_refuses_a_request_no_longer_pending(status: str) -> None:
    join_request = JoinRequestFactory(status=status)

    with pytest.raises(JoinRequestNotPending):
        join_request_approve(
            group_id=join_request.group_id,
            request_id=join_request.id,
            actor_id=join_request.group.created_by_id,
        )

    assert not Membership.objects.filter(user=join_request.user).exists()


def test_join_request_approve_of_someone_already_in_counts_them_once() -> None:
    # given: the requester came in by an invite meanwhile
    group, _ = crew_with(join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)
    MembershipFactory(group=group, user=join_request.user)
    # when
    join_request_approve(
        group_id=group.id, request_id=join_request.id, actor_id=group.created_by.id
    )
    # then
    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.APPROVED
    assert member_count(group) == 2


def test_join_request_approve_refuses_a_cancelled_event() -> None:
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)
    group.event.status = EventStatus.CANCELLED
    group.event.cancelled_at = timezone.now()
    group.event.save()

    with pytest.raises(EventCancelled):
        join_request_approve(
            group_id=group.id, request_id=join_request.id, actor_id=group.created_by.id
        )

    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.PENDING


def test_join_request_reject_closes_the_request_without_a_membership() -> None:
    join_request = JoinRequestFactory()
    owner_id = join_request.group.created_by_id

    rejected = join_request_reject(
        group_id=join_request.group_id, request_id=join_request.id, actor_id=owner_id
    )

    assert rejected.status == JoinRequestStatus.REJECTED
    assert JoinRequest.objects.get(id=join_request.id).decided_by_id == owner_id
    assert not Membership.objects.filter(user=join_request.user).exists()


def test_join_request_reject_refuses_a_plain_member() -> None:
    group, members = crew_with(MEMBER, join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)

    with pytest.raises(NotGroupAdmin):
        join_request_reject(
            group_id=group.id, request_id=join_request.id, actor_id=members[1].user_id
        )

    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.PENDING


def test_a_rejected_user_may_ask_again() -> None:
    join_request = JoinRequestFactory(status=JoinRequestStatus.REJECTED)

    again, created = join_request_create(
        group_id=join_request.group_id, user_id=join_request.user_id
    )

    assert created is True
    assert again.id != join_request.id


# --- invites ---


def test_invite_create_returns_the_token_once_and_stores_only_its_hash() -> None:
    # given
    group = GroupFactory(private=True)
    expires_at = timezone.now() + timedelta(days=1)
    # when
    invite, token = invite_create(
        group_id=group.id, actor_id=group.created_by_id, expires_at=expires_at, max_uses=3
    )
    # then
    stored = Invite.objects.get(id=invite.id)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert len(token) >= 43
    assert (stored.expires_at, stored.max_uses, stored.use_count) == (expires_at, 3, 0)
    assert (stored.created_by_id, stored.revoked_at) == (group.created_by_id, None)


def test_invite_create_makes_a_different_token_each_time() -> None:
    group = GroupFactory()

    tokens = {invite_create(group_id=group.id, actor_id=group.created_by_id)[1] for _ in range(5)}

    assert len(tokens) == 5


def test_invite_create_lets_an_admin_invite() -> None:
    group, members = crew_with(ADMIN)

    invite, _ = invite_create(group_id=group.id, actor_id=members[1].user_id)

    assert invite.created_by_id == members[1].user_id


def test_invite_create_refuses_a_plain_member() -> None:
    group, members = crew_with(MEMBER)

    with pytest.raises(NotGroupAdmin):
        invite_create(group_id=group.id, actor_id=members[1].user_id)

    assert not Invite.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param(
            {"expires_at": timezone.now() - timedelta(minutes=1)}, "expires_at", id="past_case"
        ),
        pytest.param({"expires_at": datetime(2099, 1, 1)}, "expires_at", id="naive_case"),  # noqa: DTZ001
        pytest.param({"max_uses": 0}, "max_uses", id="max_uses_0_case"),
    ],
)
def test_invite_create_refuses_invalid_limits(kwargs: dict[str, Any], field: str) -> None:
    group = GroupFactory()

    with pytest.raises(ValidationError) as error:
        invite_create(group_id=group.id, actor_id=group.created_by_id, **kwargs)

    assert list(error.value.message_dict) == [field]
    assert not Invite.objects.exists()


def test_group_join_by_invite_admits_to_a_private_crew(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group = GroupFactory(private=True)
    _, token = invite_create(group_id=group.id, actor_id=group.created_by_id, max_uses=2)
    user = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        membership, created = group_join_by_invite(token=token, user_id=user.id)
    # then
    assert created is True
    assert (membership.group_id, membership.role) == (group.id, MEMBER)
    assert member_count(group) == 2
    assert Invite.objects.get(group=group).use_count == 1
    assert member_changes == [joined(group, user.id)]


def test_group_join_by_invite_bypasses_the_request_policy() -> None:
    invite = InviteFactory(group=GroupFactory(join_policy=JoinPolicy.REQUEST))

    _, created = group_join_by_invite(token=invite.token, user_id=UserFactory().id)

    assert created is True


def test_group_join_by_invite_refuses_an_unknown_token() -> None:
    InviteFactory()

    with pytest.raises(InviteNotFound):
        group_join_by_invite(token="not-a-real-token", user_id=UserFactory().id)


def test_group_join_by_invite_refuses_a_revoked_invite() -> None:
    invite = InviteFactory(revoked_at=timezone.now())
    user = UserFactory()

    with pytest.raises(InviteRevoked):
        group_join_by_invite(token=invite.token, user_id=user.id)

    assert not Membership.objects.filter(user=user).exists()
    assert Invite.objects.get(id=invite.id).use_count == 0


def test_group_join_by_invite_refuses_an_expired_invite() -> None:
    # given
    moment = timezone.now()
    invite = InviteFactory(expires_at=moment + timedelta(hours=1))
    user = UserFactory()
    # when: exactly at the expiry, and after
    for now in (moment + timedelta(hours=1), moment + timedelta(days=1)):
        with pytest.raises(InviteExpired):
            group_join_by_invite(token=invite.token, user_id=user.id, now=now)
    # then
    assert not Membership.objects.filter(user=user).exists()


def test_group_join_by_invite_admits_just_before_the_expiry() -> None:
    moment = timezone.now()
    invite = InviteFactory(expires_at=moment + timedelta(hours=1))

    _, created = group_join_by_invite(
        token=invite.token, user_id=UserFactory().id, now=moment + timedelta(minutes=59)
    )

    assert created is True


def test_group_join_by_invite_without_expiry_or_limit_admits_many() -> None:
    invite = InviteFactory(expires_at=None, max_uses=None, group=GroupFactory(max_members=50))

    for _ in range(5):
        group_join_by_invite(token=invite.token, user_id=UserFactory().id)

    assert Invite.objects.get(id=invite.id).use_count == 5
    assert member_count(invite.group) == 6


def test_group_join_by_invite_stops_at_max_uses() -> None:
    # given
    invite = InviteFactory(max_uses=2)
    users = [UserFactory() for _ in range(3)]
    group_join_by_invite(token=invite.token, user_id=users[0].id)
    group_join_by_invite(token=invite.token, user_id=users[1].id)
    # when / then
    with pytest.raises(InviteUsedUp):
        group_join_by_invite(token=invite.token, user_id=users[2].id)
    assert Invite.objects.get(id=invite.id).use_count == 2
    assert member_count(invite.group) == 3


def test_group_join_by_invite_for_a_member_uses_nothing_up() -> None:
    group, members = crew_with(MEMBER)
    invite = InviteFactory(group=group, max_uses=1)

    membership, created = group_join_by_invite(token=invite.token, user_id=members[1].user_id)

    assert (membership.id, created) == (members[1].id, False)
    assert Invite.objects.get(id=invite.id).use_count == 0


def test_group_join_by_invite_respects_the_capacity() -> None:
    group, _ = crew_with(MEMBER, max_members=2)
    invite = InviteFactory(group=group)
    user = UserFactory()

    with pytest.raises(GroupFull):
        group_join_by_invite(token=invite.token, user_id=user.id)

    assert Invite.objects.get(id=invite.id).use_count == 0
    assert not Membership.objects.filter(user=user).exists()


def test_group_join_by_invite_refuses_a_removed_crew() -> None:
    invite = InviteFactory(group=GroupFactory(removed_at=timezone.now()))

    with pytest.raises(InviteNotFound):
        group_join_by_invite(token=invite.token, user_id=UserFactory().id)


def test_group_join_by_invite_refuses_an_event_that_has_ended() -> None:
    invite = InviteFactory(group=GroupFactory(event=past_event()))

    with pytest.raises(EventEnded):
        group_join_by_invite(token=invite.token, user_id=UserFactory().id)

    assert Invite.objects.get(id=invite.id).use_count == 0


def test_invite_revoke_stops_the_invite_and_keeps_the_first_time() -> None:
    # given
    invite = InviteFactory()
    first = timezone.now()
    owner_id = invite.group.created_by_id
    # when
    invite_revoke(group_id=invite.group_id, invite_id=invite.id, actor_id=owner_id, now=first)
    invite_revoke(
        group_id=invite.group_id,
        invite_id=invite.id,
        actor_id=owner_id,
        now=first + timedelta(hours=1),
    )
    # then
    assert Invite.objects.get(id=invite.id).revoked_at == first
    with pytest.raises(InviteRevoked):
        group_join_by_invite(token=invite.token, user_id=UserFactory().id)


def test_invite_revoke_refuses_a_plain_member() -> None:
    group, members = crew_with(MEMBER)
    invite = InviteFactory(group=group)

    with pytest.raises(NotGroupAdmin):
        invite_revoke(group_id=group.id, invite_id=invite.id, actor_id=members[1].user_id)

    assert Invite.objects.get(id=invite.id).revoked_at is None


def test_invite_revoke_refuses_an_invite_of_another_crew() -> None:
    invite = InviteFactory()
    other = GroupFactory()

    with pytest.raises(InviteNotFound):
        invite_revoke(group_id=other.id, invite_id=invite.id, actor_id=other.created_by_id)

    assert Invite.objects.get(id=invite.id).revoked_at is None


# --- group_leave ---


def test_group_leave_removes_the_member(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    group, members = crew_with(MEMBER)

    with django_capture_on_commit_callbacks(execute=True):
        group_leave(group_id=group.id, user_id=members[1].user_id)

    assert not Membership.objects.filter(id=members[1].id).exists()
    assert member_count(group) == 1
    assert member_changes == [left(group, members[1].user_id, LeaveReason.LEFT)]


def test_group_leave_refuses_a_non_member() -> None:
    group = GroupFactory()

    with pytest.raises(MembershipNotFound):
        group_leave(group_id=group.id, user_id=UserFactory().id)

    assert member_count(group) == 1


def test_group_leave_refuses_the_owner_while_others_remain() -> None:
    group, members = crew_with(MEMBER)

    with pytest.raises(OwnerMustTransfer):
        group_leave(group_id=group.id, user_id=members[0].user_id)

    assert Membership.objects.get(id=members[0].id).role == OWNER
    assert member_count(group) == 2


def test_group_leave_by_the_last_member_closes_the_crew(
    django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    owner_id = group.created_by_id
    pending = JoinRequestFactory(group=group)
    invite = InviteFactory(group=group)
    moment = timezone.now()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        group_leave(group_id=group.id, user_id=owner_id, now=moment)
    # then
    group.refresh_from_db()
    assert (group.member_count, group.removed_at, group.removal_reason) == (
        0,
        moment,
        DISSOLVED_REASON,
    )
    assert not Membership.objects.filter(group=group).exists()
    assert JoinRequest.objects.get(id=pending.id).status == JoinRequestStatus.CANCELLED
    assert Invite.objects.get(id=invite.id).revoked_at == moment
    assert member_changes == [
        left(group, owner_id, LeaveReason.LEFT),
        MemberChange(kind=MemberChangeKind.CREW_CLOSED, group_id=group.id, user_id=None),
    ]
    with pytest.raises(GroupNotFound):
        group_get(group_id=group.id, viewer_id=owner_id)
    assert group_get(group_id=group.id, viewer_id=owner_id, include_removed=True).id == group.id


def test_group_leave_after_handing_over_lets_the_old_owner_go() -> None:
    group, members = crew_with(MEMBER)
    group_transfer_ownership(
        group_id=group.id, actor_id=members[0].user_id, new_owner_id=members[1].user_id
    )

    group_leave(group_id=group.id, user_id=members[0].user_id)

    assert list(Membership.objects.filter(group=group).values_list("user_id", "role")) == [
        (members[1].user_id, OWNER)
    ]
    assert Group.objects.get(id=group.id).removed_at is None


# --- group_member_remove ---


@pytest.mark.parametrize("role", [OWNER, ADMIN])
def test_group_member_remove_lets_an_admin_remove_a_member(
    role: str, django_capture_on_commit_callbacks: Any, member_changes: list[MemberChange]
) -> None:
    # given
    group, members = crew_with(ADMIN, MEMBER)
    actor = members[0] if role == OWNER else members[1]
    target = members[2]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        group_member_remove(group_id=group.id, actor_id=actor.user_id, user_id=target.user_id)
    # then
    assert not Membership.objects.filter(id=target.id).exists()
    assert member_count(group) == 2
    assert member_changes == [left(group, target.user_id, LeaveReason.REMOVED)]


def test_group_member_remove_lets_the_owner_remove_an_admin() -> None:
    group, members = crew_with(ADMIN)

    group_member_remove(group_id=group.id, actor_id=members[0].user_id, user_id=members[1].user_id)

    assert not Membership.objects.filter(id=members[1].id).exists()


def test_group_member_remove_refuses_an_admin_removing_an_admin() -> None:
    group, members = crew_with(ADMIN, ADMIN)

    with pytest.raises(NotGroupOwner):
        group_member_remove(
            group_id=group.id, actor_id=members[1].user_id, user_id=members[2].user_id
        )

    assert Membership.objects.filter(id=members[2].id).exists()
    assert member_count(group) == 3


def test_group_member_remove_refuses_removing_the_owner() -> None:
    group, members = crew_with(ADMIN)

    with pytest.raises(CannotRemoveOwner):
        group_member_remove(
            group_id=group.id, actor_id=members[1].user_id, user_id=members[0].user_id
        )

    assert Membership.objects.get(id=members[0].id).role == OWNER


def test_group_member_remove_refuses_removing_oneself() -> None:
    group, members = crew_with(ADMIN)

    with pytest.raises(CannotRemoveSelf):
        group_member_remove(
            group_id=group.id, actor_id=members[1].user_id, user_id=members[1].user_id
        )

    assert member_count(group) == 2


@pytest.mark.parametrize("actor", ["member", "outsider"])
def test_group_member_remove_refuses_a_non_admin(actor: str) -> None:
    group, members = crew_with(MEMBER, MEMBER)
    actor_id = members[1].user_id if actor == "member" else UserFactory().id

    with pytest.raises(NotGroupAdmin):
        group_member_remove(group_id=group.id, actor_id=actor_id, user_id=members[2].user_id)

    assert member_count(group) == 3


def test_group_member_remove_refuses_a_non_member_target() -> None:
    group = GroupFactory()

    with pytest.raises(MembershipNotFound):
        group_member_remove(
            group_id=group.id, actor_id=group.created_by_id, user_id=UserFactory().id
        )


def test_a_removed_member_may_rejoin_an_open_crew() -> None:
    # A per-crew block list does not exist yet: removal is not a ban.
    group, members = crew_with(MEMBER)
    group_member_remove(group_id=group.id, actor_id=members[0].user_id, user_id=members[1].user_id)

    _, created = group_join(group_id=group.id, user_id=members[1].user_id)

    assert created is True


# --- group_member_set_role ---


def test_group_member_set_role_promotes_and_demotes() -> None:
    group, members = crew_with(MEMBER)
    owner_id, target = members[0].user_id, members[1]

    promoted = group_member_set_role(
        group_id=group.id, actor_id=owner_id, user_id=target.user_id, role="admin"
    )
    assert (promoted.role, Membership.objects.get(id=target.id).role) == (ADMIN, ADMIN)

    demoted = group_member_set_role(
        group_id=group.id, actor_id=owner_id, user_id=target.user_id, role="member"
    )
    assert (demoted.role, Membership.objects.get(id=target.id).role) == (MEMBER, MEMBER)


def test_a_promoted_admin_can_decide_requests() -> None:
    group, members = crew_with(MEMBER, join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)
    group_member_set_role(
        group_id=group.id, actor_id=members[0].user_id, user_id=members[1].user_id, role="admin"
    )

    join_request_approve(group_id=group.id, request_id=join_request.id, actor_id=members[1].user_id)

    assert member_count(group) == 3


def test_group_member_set_role_to_the_same_role_writes_nothing() -> None:
    group, members = crew_with(ADMIN)
    updated_at = members[1].updated_at

    group_member_set_role(
        group_id=group.id, actor_id=members[0].user_id, user_id=members[1].user_id, role="admin"
    )

    assert Membership.objects.get(id=members[1].id).updated_at == updated_at


@pytest.mark.parametrize("actor", ["admin", "member"])
def test_group_member_set_role_is_for_the_owner_only(actor: str) -> None:
    group, members = crew_with(ADMIN, MEMBER)
    actor_id = members[1].user_id if actor == "admin" else members[2].user_id

    with pytest.raises(NotGroupOwner):
        group_member_set_role(
            group_id=group.id, actor_id=actor_id, user_id=members[2].user_id, role="admin"
        )

    assert Membership.objects.get(id=members[2].id).role == MEMBER


@pytest.mark.parametrize("role", ["owner", "boss", ""])
def test_group_member_set_role_refuses_other_roles(role: str) -> None:
    group, members = crew_with(MEMBER)

    with pytest.raises(ValidationError) as error:
        group_member_set_role(
            group_id=group.id, actor_id=members[0].user_id, user_id=members[1].user_id, role=role
        )

    assert list(error.value.message_dict) == ["role"]
    assert roles(group) == {members[0].user.username: OWNER, members[1].user.username: MEMBER}


def test_group_member_set_role_refuses_changing_the_owner() -> None:
    group = GroupFactory()

    with pytest.raises(OwnerRoleFixed):
        group_member_set_role(
            group_id=group.id,
            actor_id=group.created_by_id,
            user_id=group.created_by_id,
            role="admin",
        )

    assert Membership.objects.get(group=group).role == OWNER


def test_group_member_set_role_refuses_a_non_member() -> None:
    group = GroupFactory()

    with pytest.raises(MembershipNotFound):
        group_member_set_role(
            group_id=group.id, actor_id=group.created_by_id, user_id=UserFactory().id, role="admin"
        )


# --- group_transfer_ownership ---


def test_group_transfer_ownership_swaps_owner_and_admin() -> None:
    # given
    group, members = crew_with(MEMBER, MEMBER)
    old_owner, new_owner, bystander = members
    # when
    result = group_transfer_ownership(
        group_id=group.id, actor_id=old_owner.user_id, new_owner_id=new_owner.user_id
    )
    # then
    assert roles(group) == {
        old_owner.user.username: ADMIN,
        new_owner.user.username: OWNER,
        bystander.user.username: MEMBER,
    }
    assert result.my_role == ADMIN  # type: ignore[attr-defined]
    assert Group.objects.get(id=group.id).created_by_id == old_owner.user_id


def test_the_new_owner_takes_over_the_owners_powers() -> None:
    group, members = crew_with(MEMBER)
    group_transfer_ownership(
        group_id=group.id, actor_id=members[0].user_id, new_owner_id=members[1].user_id
    )

    group_member_set_role(
        group_id=group.id, actor_id=members[1].user_id, user_id=members[0].user_id, role="member"
    )

    with pytest.raises(NotGroupOwner):
        group_transfer_ownership(
            group_id=group.id, actor_id=members[0].user_id, new_owner_id=members[0].user_id
        )
    assert Membership.objects.get(id=members[0].id).role == MEMBER


@pytest.mark.parametrize("actor", ["admin", "member", "outsider"])
def test_group_transfer_ownership_is_for_the_owner_only(actor: str) -> None:
    group, members = crew_with(ADMIN, MEMBER)
    actor_id = {
        "admin": members[1].user_id,
        "member": members[2].user_id,
        "outsider": UserFactory().id,
    }[actor]

    with pytest.raises(NotGroupOwner):
        group_transfer_ownership(group_id=group.id, actor_id=actor_id, new_owner_id=actor_id)

    assert Membership.objects.get(group=group, role=OWNER).id == members[0].id


def test_group_transfer_ownership_refuses_oneself() -> None:
    group = GroupFactory()

    with pytest.raises(AlreadyOwner):
        group_transfer_ownership(
            group_id=group.id, actor_id=group.created_by_id, new_owner_id=group.created_by_id
        )


def test_group_transfer_ownership_refuses_a_non_member() -> None:
    group = GroupFactory()

    with pytest.raises(MembershipNotFound):
        group_transfer_ownership(
            group_id=group.id, actor_id=group.created_by_id, new_owner_id=UserFactory().id
        )

    assert Membership.objects.get(group=group).role == OWNER


# --- concurrency ---


def _in_thread(work: Callable[[], Any], barrier: threading.Barrier) -> Any:
    try:
        barrier.wait(timeout=10)
        return work()
    except (GroupFull, InviteUsedUp) as error:
        return error.code
    finally:
        connection.close()


def _race(*works: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(works))
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda work=work: results.append(_in_thread(work, barrier)))
        for work in works
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_users_racing_for_the_last_place_get_one_place_and_one_group_full() -> None:
    # given
    group = GroupFactory(max_members=2)
    users = [UserFactory(), UserFactory()]
    # when
    results = _race(
        *[lambda user=user: group_join(group_id=group.id, user_id=user.id)[1] for user in users]
    )
    # then
    assert sorted(results, key=str) == [True, "group_full"]
    assert member_count(group) == 2
    assert Membership.objects.filter(group=group).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_join_waits_for_the_crew_lock_and_then_sees_the_crew_full() -> None:
    # given: one transaction has taken the last place but not committed yet
    group = GroupFactory(max_members=2)
    first, second = UserFactory(), UserFactory()
    holding = threading.Event()
    release = threading.Event()
    outcome: dict[str, Any] = {}

    def hold_the_last_place() -> None:
        try:
            with transaction.atomic():
                group_join(group_id=group.id, user_id=first.id)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def join_meanwhile() -> None:
        try:
            group_join(group_id=group.id, user_id=second.id)
            outcome["second"] = "joined"
        except GroupFull:
            outcome["second"] = "group_full"
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_last_place)
    holder.start()
    assert holding.wait(timeout=10)
    # when
    waiter = threading.Thread(target=join_meanwhile)
    waiter.start()
    time.sleep(0.3)
    # then: the second join is blocked on the crew's row lock...
    assert "second" not in outcome
    release.set()
    holder.join(timeout=10)
    waiter.join(timeout=10)
    # ...and, once it gets the lock, it sees the committed count
    assert outcome == {"second": "group_full"}
    assert member_count(group) == 2


@pytest.mark.django_db(transaction=True)
def test_two_users_racing_for_the_last_use_of_an_invite_get_one_membership() -> None:
    # given
    invite = InviteFactory(max_uses=1, group=GroupFactory(private=True))
    users = [UserFactory(), UserFactory()]
    # when
    results = _race(
        *[
            lambda user=user: group_join_by_invite(token=invite.token, user_id=user.id)[1]
            for user in users
        ]
    )
    # then
    assert sorted(results, key=str) == [True, "invite_used_up"]
    assert Invite.objects.get(id=invite.id).use_count == 1
    assert member_count(invite.group) == 2


@pytest.mark.django_db(transaction=True)
def test_approving_and_joining_by_invite_at_once_never_overfill_the_crew() -> None:
    # given: one place left, claimed by an approval and an invite at the same moment
    group = GroupFactory(max_members=2, join_policy=JoinPolicy.REQUEST)
    join_request = JoinRequestFactory(group=group)
    invite = InviteFactory(group=group)
    owner_id = group.created_by_id
    # when
    results = _race(
        lambda: (
            join_request_approve(
                group_id=group.id, request_id=join_request.id, actor_id=owner_id
            ).status
        ),
        lambda: group_join_by_invite(token=invite.token, user_id=UserFactory().id)[1],
    )
    # then
    assert "group_full" in results
    assert member_count(group) == 2
    assert Membership.objects.filter(group=group).count() == 2
