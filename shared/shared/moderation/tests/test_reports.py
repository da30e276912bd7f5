"""Reports: filed by users, taken and resolved by moderators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.chat.errors import MessageNotFound
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.errors import EventNotFound
from shared.events.models import Event
from shared.events.tests.factories import EventFactory
from shared.groups.errors import GroupNotFound
from shared.groups.models import Group
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.messaging.models import OutboxMessage
from shared.moderation.errors import (
    CannotBanAdmin,
    CannotReportSelf,
    ReportClosed,
    ReportNotFound,
    ReportTakenByOther,
)
from shared.moderation.models import Ban, ModerationAction, Report
from shared.moderation.services import (
    content_remove,
    report_create,
    report_resolve,
    report_take,
)
from shared.moderation.tests.factories import BanFactory, ReportFactory

pytestmark = pytest.mark.django_db

NOTE = "Checked the chat log; clear harassment."


@pytest.fixture
def moderator() -> User:
    return UserFactory(realm_roles=["moderator", "user"])


def sent_message(django_capture_on_commit_callbacks: Any) -> Message:
    membership = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=False):
        return message_send(
            group_id=membership.group_id, sender_id=membership.user_id, body="You will regret it"
        )


# --- report_create ---


def test_reporting_an_event_records_its_organizer_as_author() -> None:
    event = EventFactory()
    reporter = UserFactory()

    report, created = report_create(
        reporter_id=reporter.id, target_type="event", target_id=event.id, reason=" Scam "
    )

    assert created
    stored = Report.objects.get(id=report.id)
    assert (stored.reporter_id, stored.target_type, stored.target_id) == (
        reporter.id,
        "event",
        event.id,
    )
    assert (stored.target_author_id, stored.reason, stored.status) == (
        event.organizer_id,
        "Scam",
        "open",
    )


def test_reporting_a_crew_records_its_owner_as_author() -> None:
    group = GroupFactory()

    report, _ = report_create(
        reporter_id=UserFactory().id, target_type="crew", target_id=group.id, reason="Hate name"
    )

    assert report.target_author_id == group.created_by_id


def test_a_member_reports_a_message_and_its_sender_is_the_author(
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = sent_message(django_capture_on_commit_callbacks)
    member = MembershipFactory(group=message.group).user

    report, _ = report_create(
        reporter_id=member.id, target_type="message", target_id=message.id, reason="Threat"
    )

    assert report.target_author_id == message.sender_id


def test_reporting_a_user_records_them_as_author() -> None:
    target = UserFactory()

    report, _ = report_create(
        reporter_id=UserFactory().id, target_type="user", target_id=target.id, reason="Stalker"
    )

    assert report.target_author_id == target.id


@pytest.mark.parametrize(
    ("target", "error"),
    [
        pytest.param("private_event", EventNotFound, id="private_event_case"),
        pytest.param("private_crew", GroupNotFound, id="private_crew_case"),
        pytest.param("message_of_another_crew", MessageNotFound, id="outsider_message_case"),
        pytest.param("unknown_user", UserNotFound, id="unknown_user_case"),
        pytest.param("deleted_user", UserNotFound, id="deleted_user_case"),
    ],
)
def test_nobody_reports_what_they_cannot_see(
    target: str, error: type[Exception], django_capture_on_commit_callbacks: Any
) -> None:
    # given
    target_type, target_id = {
        "private_event": lambda: ("event", EventFactory(visibility="private").id),
        "private_crew": lambda: ("crew", GroupFactory(private=True).id),
        "message_of_another_crew": lambda: (
            "message",
            sent_message(django_capture_on_commit_callbacks).id,
        ),
        "unknown_user": lambda: ("user", uuid4()),
        "deleted_user": lambda: ("user", UserFactory(deleted_at=timezone.now()).id),
    }[target]()
    # when / then
    with pytest.raises(error):
        report_create(
            reporter_id=UserFactory().id, target_type=target_type, target_id=target_id, reason="x"
        )
    assert not Report.objects.exists()


def test_nobody_reports_themself() -> None:
    user = UserFactory()

    with pytest.raises(CannotReportSelf):
        report_create(reporter_id=user.id, target_type="user", target_id=user.id, reason="Me")

    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("target_type", "reason", "field"),
    [
        pytest.param("poll", "Spam", "target_type", id="unknown_type_case"),
        pytest.param("user", "   ", "reason", id="blank_reason_case"),
        pytest.param("user", "x" * 1001, "reason", id="long_reason_case"),
    ],
)
def test_report_create_refuses_bad_input(target_type: str, reason: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        report_create(
            reporter_id=UserFactory().id,
            target_type=target_type,
            target_id=UserFactory().id,
            reason=reason,
        )

    assert set(raised.value.message_dict) == {field}
    assert not Report.objects.exists()


def test_reporting_the_same_thing_twice_while_open_returns_the_first_report() -> None:
    event = EventFactory()
    reporter = UserFactory()
    first, _ = report_create(
        reporter_id=reporter.id, target_type="event", target_id=event.id, reason="Scam"
    )

    again, created = report_create(
        reporter_id=reporter.id, target_type="event", target_id=event.id, reason="Still a scam"
    )

    assert (again.id, created) == (first.id, False)
    assert Report.objects.count() == 1


def test_another_report_of_the_same_thing_after_a_resolution_is_new(moderator: User) -> None:
    first = ReportFactory()
    report_resolve(report_id=first.id, moderator_id=moderator.id, action="dismiss", note=NOTE)

    again, created = report_create(
        reporter_id=first.reporter_id, target_type="user", target_id=first.target_id, reason="Back"
    )

    assert created
    assert again.id != first.id


# --- report_take ---


def test_taking_a_report_assigns_it_and_audits_it(moderator: User) -> None:
    report = ReportFactory()

    report_take(report_id=report.id, moderator_id=moderator.id)

    stored = Report.objects.get(id=report.id)
    assert (stored.status, stored.assigned_to_id) == ("in_review", moderator.id)
    audit = ModerationAction.objects.get()
    assert (audit.actor_id, audit.action, audit.target_type, audit.target_id) == (
        moderator.id,
        "report.taken",
        "report",
        report.id,
    )


def test_taking_it_again_is_a_no_op(moderator: User) -> None:
    report = ReportFactory()
    report_take(report_id=report.id, moderator_id=moderator.id)

    report_take(report_id=report.id, moderator_id=moderator.id)

    assert ModerationAction.objects.count() == 1


def test_a_report_taken_by_one_moderator_cannot_be_taken_by_another(moderator: User) -> None:
    report = ReportFactory()
    report_take(report_id=report.id, moderator_id=moderator.id)

    with pytest.raises(ReportTakenByOther):
        report_take(report_id=report.id, moderator_id=UserFactory().id)

    assert Report.objects.get(id=report.id).assigned_to_id == moderator.id


def test_a_closed_report_cannot_be_taken(moderator: User) -> None:
    report = ReportFactory(status="dismissed")

    with pytest.raises(ReportClosed):
        report_take(report_id=report.id, moderator_id=moderator.id)


def test_taking_an_unknown_report_is_not_found(moderator: User) -> None:
    with pytest.raises(ReportNotFound):
        report_take(report_id=uuid4(), moderator_id=moderator.id)


# --- report_resolve ---


def test_dismissing_closes_the_report_and_changes_nothing_else(moderator: User) -> None:
    report = ReportFactory()

    report_resolve(report_id=report.id, moderator_id=moderator.id, action="dismiss", note=NOTE)

    stored = Report.objects.get(id=report.id)
    assert (stored.status, stored.resolution, stored.resolution_note) == (
        "dismissed",
        "dismiss",
        NOTE,
    )
    assert (stored.resolved_by_id, stored.assigned_to_id) == (moderator.id, moderator.id)
    assert stored.resolved_at is not None
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.reason, audit.data) == (
        "report.dismissed",
        NOTE,
        {"target_type": "user", "target_id": str(report.target_id), "resolution": "dismiss"},
    )
    assert not Ban.objects.exists()


def test_resolving_by_removal_takes_the_event_down(moderator: User) -> None:
    event = EventFactory()
    report = ReportFactory(target_type="event", target_id=event.id, target_author=event.organizer)

    report_resolve(
        report_id=report.id, moderator_id=moderator.id, action="remove_content", note=NOTE
    )

    assert Event.objects.get(id=event.id).removal_reason == NOTE
    assert Report.objects.get(id=report.id).status == "resolved"
    assert list(
        ModerationAction.objects.order_by("created_at").values_list("action", flat=True)
    ) == [
        "event.removed",
        "report.resolved",
    ]


def test_resolving_by_removal_of_content_already_removed_still_resolves(moderator: User) -> None:
    group = GroupFactory()
    content_remove(moderator_id=moderator.id, target_type="crew", target_id=group.id, reason=NOTE)
    report = ReportFactory(target_type="crew", target_id=group.id)

    report_resolve(
        report_id=report.id, moderator_id=moderator.id, action="remove_content", note=NOTE
    )

    assert Report.objects.get(id=report.id).status == "resolved"
    assert ModerationAction.objects.get(action="report.resolved").data["already_removed"] is True
    assert Group.objects.get(id=group.id).removal_reason == NOTE


def test_resolving_by_banning_the_author_bans_them_until_the_end_given(
    moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    message = sent_message(django_capture_on_commit_callbacks)
    report = ReportFactory(
        target_type="message", target_id=message.id, target_author=message.sender
    )
    until = timezone.now() + timedelta(days=30)
    # when
    report_resolve(
        report_id=report.id,
        moderator_id=moderator.id,
        action="ban_author",
        note=NOTE,
        ban_until=until,
    )
    # then
    ban = Ban.objects.get(user_id=message.sender.id)
    assert (ban.reason, ban.until, ban.created_by_id) == (NOTE, until, moderator.id)
    assert User.objects.get(id=message.sender.id).is_banned
    assert OutboxMessage.objects.get().routing_key == "user.banned"
    resolved = ModerationAction.objects.get(action="report.resolved")
    assert (resolved.data["ban_id"], resolved.data["already_banned"]) == (str(ban.id), False)


def test_banning_an_author_already_banned_resolves_without_a_second_ban(moderator: User) -> None:
    ban = BanFactory()
    report = ReportFactory(target_author=ban.user, target_id=ban.user_id)

    report_resolve(report_id=report.id, moderator_id=moderator.id, action="ban_author", note=NOTE)

    assert Ban.objects.count() == 1
    assert Report.objects.get(id=report.id).status == "resolved"
    assert ModerationAction.objects.get().data["already_banned"] is True


def test_a_refused_ban_leaves_the_report_open(moderator: User) -> None:
    admin = UserFactory(realm_roles=["admin", "user"])
    report = ReportFactory(target_author=admin, target_id=admin.id)

    with pytest.raises(CannotBanAdmin):
        report_resolve(
            report_id=report.id, moderator_id=moderator.id, action="ban_author", note=NOTE
        )

    assert Report.objects.get(id=report.id).status == "open"
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("report_kwargs", "resolve_kwargs", "fields"),
    [
        pytest.param({}, {"action": "ban"}, {"action"}, id="unknown_action_case"),
        pytest.param({}, {"note": "ok"}, {"note"}, id="short_note_case"),
        pytest.param({}, {"action": "remove_content"}, {"action"}, id="remove_a_user_case"),
        pytest.param(
            {"target_author": None},
            {"action": "ban_author"},
            {"action"},
            id="no_author_to_ban_case",
        ),
        pytest.param(
            {},
            {"action": "dismiss", "ban_until": timedelta(days=1)},
            {"ban_until"},
            id="end_time_without_ban_case",
        ),
        pytest.param(
            {},
            {"action": "ban_author", "ban_until": timedelta(days=-1)},
            {"ban_until"},
            id="end_time_in_the_past_case",
        ),
    ],
)
def test_report_resolve_refuses_bad_input_and_leaves_the_report_open(
    moderator: User, report_kwargs: dict[str, Any], resolve_kwargs: dict[str, Any], fields: set[str]
) -> None:
    # given
    report = ReportFactory(**report_kwargs)
    kwargs = {"action": "dismiss", "note": NOTE, **resolve_kwargs}
    if "ban_until" in kwargs:
        kwargs["ban_until"] = timezone.now() + kwargs["ban_until"]
    # when
    with pytest.raises(ValidationError) as raised:
        report_resolve(report_id=report.id, moderator_id=moderator.id, **kwargs)
    # then
    assert set(raised.value.message_dict) == fields
    assert Report.objects.get(id=report.id).status == "open"
    assert not ModerationAction.objects.exists()
    assert not Ban.objects.exists()


def test_a_closed_report_cannot_be_resolved_again(moderator: User) -> None:
    report = ReportFactory()
    report_resolve(report_id=report.id, moderator_id=moderator.id, action="dismiss", note=NOTE)

    with pytest.raises(ReportClosed):
        report_resolve(
            report_id=report.id, moderator_id=moderator.id, action="ban_author", note=NOTE
        )

    assert not Ban.objects.exists()


def test_another_moderator_may_resolve_a_report_in_review(moderator: User) -> None:
    report = ReportFactory()
    report_take(report_id=report.id, moderator_id=moderator.id)
    other = UserFactory(realm_roles=["moderator"])

    report_resolve(report_id=report.id, moderator_id=other.id, action="dismiss", note=NOTE)

    stored = Report.objects.get(id=report.id)
    assert (stored.assigned_to_id, stored.resolved_by_id) == (moderator.id, other.id)
