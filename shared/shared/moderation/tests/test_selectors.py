"""Reads of moderation: the ban list, the audit log, the report queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.moderation.errors import BanNotFound, ReportNotFound
from shared.moderation.selectors import (
    AuditFilters,
    audit_log_list,
    ban_get,
    ban_list,
    report_get,
    report_list,
    report_list_of_reporter,
)
from shared.moderation.tests.factories import BanFactory, ModerationActionFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_ban_list_splits_bans_in_force_from_past_ones(django_assert_num_queries: Any) -> None:
    # given
    now = timezone.now()
    permanent = BanFactory(starts_at=now - timedelta(days=1))
    running = BanFactory(starts_at=now - timedelta(days=2), until=now + timedelta(days=1))
    ended = BanFactory(starts_at=now - timedelta(days=3), until=now - timedelta(hours=1))
    lifted = BanFactory(starts_at=now - timedelta(days=4), lifted_at=now)
    # when / then
    with django_assert_num_queries(1):
        in_force = [
            (ban.id, ban.user.username, ban.created_by.username)
            for ban in ban_list(in_force=True, now=now)
        ]
    assert [row[0] for row in in_force] == [permanent.id, running.id]
    assert [ban.id for ban in ban_list(in_force=False, now=now)] == [ended.id, lifted.id]
    assert [ban.id for ban in ban_list(now=now)] == [permanent.id, running.id, ended.id, lifted.id]


def test_ban_list_of_one_user() -> None:
    ban = BanFactory()
    BanFactory()

    assert [b.id for b in ban_list(user_id=ban.user_id)] == [ban.id]


def test_ban_get_of_an_unknown_ban_is_not_found() -> None:
    with pytest.raises(BanNotFound):
        ban_get(ban_id=uuid4())


def test_audit_log_filters(django_assert_num_queries: Any) -> None:
    # given
    moderator, other = UserFactory(), UserFactory()
    target = uuid4()
    banned = ModerationActionFactory(actor=moderator, action="user.banned", target_id=target)
    taken = ModerationActionFactory(actor=moderator, action="report.taken", target_type="report")
    ModerationActionFactory(actor=other, action="report.resolved", target_type="report")
    # when / then
    with django_assert_num_queries(1):
        actors = [entry.actor.username for entry in audit_log_list()]
    assert len(actors) == 3
    by_actor = audit_log_list(filters=AuditFilters(actor_id=moderator.id))
    assert [entry.id for entry in by_actor] == [taken.id, banned.id]
    assert [e.id for e in audit_log_list(filters=AuditFilters(action="user.banned"))] == [banned.id]
    assert len(audit_log_list(filters=AuditFilters(action="report."))) == 2
    assert [e.id for e in audit_log_list(filters=AuditFilters(target_id=target))] == [banned.id]
    by_type = audit_log_list(filters=AuditFilters(target_type="report", actor_id=moderator.id))
    assert [e.id for e in by_type] == [taken.id]


def test_report_list_is_the_open_queue_oldest_first_unless_a_status_is_asked(
    django_assert_num_queries: Any,
) -> None:
    first = ReportFactory()
    second = ReportFactory(status="in_review")
    done = ReportFactory(status="resolved")

    with django_assert_num_queries(1):
        queue = [(r.id, r.reporter.username, r.target_author.username) for r in report_list()]

    assert [row[0] for row in queue] == [first.id, second.id]
    assert [r.id for r in report_list(status="resolved")] == [done.id]


def test_a_reporter_sees_only_their_own_reports() -> None:
    mine = ReportFactory()
    theirs = ReportFactory()

    assert [r.id for r in report_list_of_reporter(reporter_id=mine.reporter_id)] == [mine.id]
    assert report_get(report_id=mine.id, reporter_id=mine.reporter_id).id == mine.id
    with pytest.raises(ReportNotFound):
        report_get(report_id=theirs.id, reporter_id=mine.reporter_id)
