"""Factories for crews that keep the services' invariants.

`GroupFactory` makes its creator the owner (as `group_create` does) and `MembershipFactory`
bumps the crew's `member_count`, so a test may set up a full crew without the services.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import factory
from django.db.models import F
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.tests.factories import EventFactory
from shared.groups.models import (
    Group,
    GroupVisibility,
    Invite,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        skip_postgeneration_save = True

    class Params:
        private = factory.Trait(visibility=GroupVisibility.PRIVATE, join_policy=JoinPolicy.INVITE)

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Crew {n}")
    description = ""
    max_members = 10
    join_policy = JoinPolicy.OPEN
    visibility = GroupVisibility.PUBLIC
    created_by = factory.SubFactory(UserFactory)
    member_count = 1

    @factory.post_generation
    def owner_membership(obj: Group, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and obj.created_by is not None:
            Membership.objects.create(group=obj, user=obj.created_by, role=MemberRole.OWNER)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.MEMBER

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        membership = super()._create(model_class, *args, **kwargs)
        Group.objects.filter(id=membership.group_id).update(member_count=F("member_count") + 1)
        membership.group.refresh_from_db(fields=["member_count"])
        return membership


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    group = factory.SubFactory(GroupFactory, join_policy=JoinPolicy.REQUEST)
    user = factory.SubFactory(UserFactory)
    message = ""
    status = JoinRequestStatus.PENDING


class InviteFactory(factory.django.DjangoModelFactory):
    """An invite whose raw token is `invite.token` (only its hash is stored)."""

    class Meta:
        model = Invite

    group = factory.SubFactory(GroupFactory)
    token = factory.Sequence(lambda n: f"test-invite-token-{n}")
    token_hash = factory.LazyAttribute(
        lambda invite: hashlib.sha256(invite.token.encode()).hexdigest()
    )
    created_by = factory.LazyAttribute(lambda invite: invite.group.created_by)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    max_uses = None
    revoked_at = None

    @classmethod
    def _create(cls, model_class: type[Invite], *args: Any, **kwargs: Any) -> Invite:
        token = kwargs.pop("token", None)
        invite = super()._create(model_class, *args, **kwargs)
        invite.token = token
        return invite
