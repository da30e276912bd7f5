"""Factories for bans, reports and audit rows.

`BanFactory` also marks its user banned (as `user_ban` does) unless the ban is lifted.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import factory
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.moderation.models import (
    ActionCode,
    Ban,
    ModerationAction,
    Report,
    ReportStatus,
    ReportTargetType,
    TargetType,
)


class BanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ban

    user = factory.SubFactory(UserFactory)
    reason = "Repeated spam in crew chats."
    starts_at = factory.LazyFunction(timezone.now)
    until = None
    created_by = factory.SubFactory(UserFactory, realm_roles=["moderator", "user"])

    @classmethod
    def _create(cls, model_class: type[Ban], *args: Any, **kwargs: Any) -> Ban:
        ban = super()._create(model_class, *args, **kwargs)
        if ban.lifted_at is None:
            ban.user.is_banned = True
            ban.user.banned_until = ban.until
            ban.user.save(update_fields=["is_banned", "banned_until"])
        return ban


class ReportFactory(factory.django.DjangoModelFactory):
    """A report of a user (the simplest target); set `target_type`/`target_id` for others."""

    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    target_author = factory.SubFactory(UserFactory)
    target_type = ReportTargetType.USER
    target_id = factory.LazyAttribute(
        lambda report: report.target_author.id if report.target_author else uuid4()
    )
    reason = "Sends threatening messages."
    status = ReportStatus.OPEN


class ModerationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationAction

    actor = factory.SubFactory(UserFactory)
    action = ActionCode.USER_BANNED
    target_type = TargetType.USER
    target_id = factory.LazyFunction(uuid4)
    reason = "Repeated spam in crew chats."
    data = factory.LazyFunction(dict)
