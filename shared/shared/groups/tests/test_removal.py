"""Moderation's takedown of a crew: `group_remove`, and who still sees the crew."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.groups.errors import GroupAlreadyRemoved, GroupNotFound
from shared.groups.models import Group, Invite, JoinPolicy, JoinRequest, JoinRequestStatus
from shared.groups.selectors import (
    group_get,
    group_search,
    join_request_list_of_user,
    membership_list_of_user,
)
from shared.groups.services import group_remove
from shared.groups.tests.factories import (
    GroupFactory,
    InviteFactory,
    JoinRequestFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def test_group_remove_records_why_and_closes_requests_and_invites() -> None:
    # given
    group = GroupFactory(join_policy=JoinPolicy.REQUEST)
    pending = JoinRequestFactory(group=group)
    invite = InviteFactory(group=group)
    moderator = UserFactory()
    moment = timezone.now()
    # when
    group_remove(group_id=group.id, reason=" Hate speech ", removed_by=moderator.id, now=moment)
    # then
    stored = Group.objects.get(id=group.id)
    assert (stored.removed_at, stored.removal_reason) == (moment, "Hate speech")
    assert JoinRequest.objects.get(id=pending.id).status == JoinRequestStatus.CANCELLED
    assert Invite.objects.get(id=invite.id).revoked_at == moment
    assert stored.member_count == 1


def test_group_remove_twice_is_refused() -> None:
    group = GroupFactory()
    group_remove(group_id=group.id, reason="Hate speech", removed_by=uuid4())

    with pytest.raises(GroupAlreadyRemoved):
        group_remove(group_id=group.id, reason="Again", removed_by=uuid4())

    assert Group.objects.get(id=group.id).removal_reason == "Hate speech"


@pytest.mark.parametrize(
    "reason", [pytest.param("", id="blank_case"), pytest.param("x" * 501, id="too_long_case")]
)
def test_group_remove_needs_a_reason(reason: str) -> None:
    group = GroupFactory()

    with pytest.raises(ValidationError):
        group_remove(group_id=group.id, reason=reason, removed_by=uuid4())

    assert Group.objects.get(id=group.id).removed_at is None


def test_group_remove_of_an_unknown_crew_is_not_found() -> None:
    with pytest.raises(GroupNotFound):
        group_remove(group_id=uuid4(), reason="Hate speech", removed_by=uuid4())


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        pytest.param("anonymous", False, id="anonymous_case"),
        pytest.param("owner", True, id="owner_case"),
        pytest.param("member", False, id="member_case"),
        pytest.param("other", False, id="other_case"),
    ],
)
def test_a_removed_crew_is_seen_by_its_owner_only(viewer: str, visible: bool) -> None:
    # given
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    group_remove(group_id=group.id, reason="Hate speech", removed_by=uuid4())
    viewer_id = {
        "anonymous": None,
        "owner": group.created_by_id,
        "member": member.id,
        "other": UserFactory().id,
    }[viewer]
    # when / then
    if visible:
        seen = group_get(group_id=group.id, viewer_id=viewer_id)
        assert (seen.removal_reason, seen.my_role) == ("Hate speech", "owner")  # type: ignore[attr-defined]
    else:
        with pytest.raises(GroupNotFound):
            group_get(group_id=group.id, viewer_id=viewer_id)
    assert group.id not in {crew.id for crew in group_search(viewer_id=viewer_id).groups}


def test_export_selectors_return_the_users_memberships_and_requests() -> None:
    user = UserFactory()
    membership = MembershipFactory(user=user)
    removed = MembershipFactory(user=user)
    group_remove(group_id=removed.group_id, reason="Hate speech", removed_by=uuid4())
    request = JoinRequestFactory(user=user, status=JoinRequestStatus.REJECTED)

    memberships = list(membership_list_of_user(user_id=user.id))
    requests = list(join_request_list_of_user(user_id=user.id))

    assert [m.id for m in memberships] == [membership.id, removed.id]
    assert [r.id for r in requests] == [request.id]
