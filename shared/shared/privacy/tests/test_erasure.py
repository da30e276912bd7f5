"""`user_account_delete`: the account is anonymised and what it took part in is undone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from shared.accounts.errors import AccountErased, UserNotFound
from shared.accounts.models import ErasedSubject, User
from shared.accounts.services import user_provision_from_claims
from shared.accounts.tests.factories import UserFactory
from shared.auth.tokens import TokenClaims
from shared.chat import realtime
from shared.chat.alerts import safety_alert_notice_post
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.models import Event, EventStatus, Participation, ParticipationStatus
from shared.events.services import event_remove
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.models import Group, JoinPolicy, JoinRequest, MemberRole, Membership
from shared.groups.services import group_remove
from shared.groups.tests.factories import GroupFactory, JoinRequestFactory, MembershipFactory
from shared.moderation.tests.factories import ReportFactory
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification, NotificationPreference, PushSubscription
from shared.notifications.services import notify, preferences_update, push_subscription_save
from shared.privacy.erasure import user_account_delete
from shared.safety import live
from shared.safety.models import (
    AcknowledgementKind,
    Alert,
    AlertAcknowledgement,
    AlertStatus,
    AlertTarget,
    CheckInTimer,
    LocationPoint,
)
from shared.safety.tests.factories import (
    AlertAcknowledgementFactory,
    AlertFactory,
    CheckInTimerFactory,
    LocationPointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    return UserFactory(
        username="maria",
        email="maria@example.test",
        first_name="Maria",
        last_name="Lind",
        display_name_override="Mia",
        bio="Climber.",
        avatar_url="https://cdn.example.test/mia.png",
        interests=["jazz"],
        home_location=Point(22.1, 65.5, srid=4326),
        realm_roles=["user", "moderator"],
        is_staff=True,
    )


def test_the_account_is_anonymised_and_its_subject_refused_for_good(user: User) -> None:
    # given
    old_sub = user.keycloak_id
    now = timezone.now()
    # when
    user_account_delete(user_id=user.id, now=now)
    # then
    erased = User.objects.get(id=user.id)
    assert erased.username == f"deleted-user-{user.id.hex[:8]}"
    assert erased.keycloak_id == f"deleted:{user.id}"
    personal = (
        erased.email,
        erased.first_name,
        erased.last_name,
        erased.display_name_override,
        erased.bio,
        erased.avatar_url,
        erased.interests,
        erased.home_location,
        erased.realm_roles,
    )
    assert personal == ("", "", "", "", "", "", [], None, [])
    assert (erased.is_active, erased.is_staff, erased.deleted_at) == (False, False, now)
    assert erased.display_name == "Deleted user"
    # a token of the same identity, still valid, is refused and makes no fresh account
    claims = TokenClaims.from_payload(
        {"sub": old_sub, "preferred_username": "maria", "exp": 9999999999}
    )
    with pytest.raises(AccountErased):
        user_provision_from_claims(claims=claims)
    assert list(User.objects.values_list("id", flat=True)) == [user.id]


def test_messages_stay_and_show_no_personal_data(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    membership = MembershipFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(group_id=membership.group_id, sender_id=user.id, body="See you!")
    # when
    with django_capture_on_commit_callbacks(execute=False):
        user_account_delete(user_id=user.id)
    # then
    stored = Message.objects.select_related("sender").get(id=message.id)
    payload = realtime.message_payload(stored)
    assert payload["body"] == "See you!"
    assert payload["sender"] == {
        "id": str(user.id),
        "username": f"deleted-user-{user.id.hex[:8]}",
        "display_name": "Deleted user",
    }
    flat = repr(payload)
    for personal in ("maria", "Maria", "Lind", "Mia", "example.test"):
        assert personal not in flat


def test_upcoming_events_they_organise_are_cancelled_and_past_ones_kept(user: User) -> None:
    # given
    upcoming = EventFactory(organizer=user)
    past = EventFactory(
        organizer=user,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=1),
    )
    # when
    user_account_delete(user_id=user.id)
    # then
    assert Event.objects.get(id=upcoming.id).status == EventStatus.CANCELLED
    assert Event.objects.get(id=past.id).status == EventStatus.SCHEDULED
    assert Event.objects.get(id=past.id).organizer_id == user.id


def test_their_rsvps_are_withdrawn_and_the_waitlist_moves_up(user: User) -> None:
    # given
    full = EventFactory(capacity=2)
    ParticipationFactory(event=full, user=user)
    waiting = ParticipationFactory(event=full, status=ParticipationStatus.WAITLISTED).user
    interested = ParticipationFactory(user=user, status=ParticipationStatus.INTERESTED).event
    private = EventFactory(visibility="private")
    ParticipationFactory(event=private, user=user)
    removed = EventFactory()
    ParticipationFactory(event=removed, user=user)
    event_remove(event_id=removed.id, reason="Spam listing")
    # when
    user_account_delete(user_id=user.id)
    # then
    assert not Participation.objects.filter(user=user).exists()
    full.refresh_from_db()
    assert (full.going_count, full.waitlist_count) == (2, 0)
    assert Participation.objects.get(event=full, user=waiting).status == "going"
    assert Event.objects.get(id=interested.id).interested_count == 0
    assert Event.objects.get(id=private.id).going_count == 1
    assert Event.objects.get(id=removed.id).going_count == 1


def test_a_crew_they_own_goes_to_its_admin_first(user: User) -> None:
    # given
    group = GroupFactory(created_by=user)
    member = MembershipFactory(group=group).user
    admin = MembershipFactory(group=group, role=MemberRole.ADMIN).user
    # when
    user_account_delete(user_id=user.id)
    # then
    roles = dict(Membership.objects.filter(group=group).values_list("user_id", "role"))
    assert roles == {admin.id: MemberRole.OWNER, member.id: MemberRole.MEMBER}
    assert Group.objects.get(id=group.id).member_count == 2


def test_without_an_admin_the_longest_standing_member_becomes_owner(user: User) -> None:
    group = GroupFactory(created_by=user)
    first = MembershipFactory(group=group).user
    MembershipFactory(group=group)

    user_account_delete(user_id=user.id)

    assert Membership.objects.get(group=group, role=MemberRole.OWNER).user_id == first.id


def test_a_crew_they_are_alone_in_is_closed(user: User) -> None:
    group = GroupFactory(created_by=user)

    user_account_delete(user_id=user.id)

    closed = Group.objects.get(id=group.id)
    assert closed.removed_at is not None
    assert (closed.member_count, closed.removal_reason) == (0, "Closed: its last member left.")


def test_they_leave_crews_they_are_members_of_and_requests_are_cancelled(user: User) -> None:
    # given
    membership = MembershipFactory(user=user)
    request = JoinRequestFactory(user=user, group__join_policy=JoinPolicy.REQUEST)
    taken_down = MembershipFactory(user=user)
    group_remove(group_id=taken_down.group_id, reason="Hate speech", removed_by=user.id)
    # when
    user_account_delete(user_id=user.id)
    # then
    assert not Membership.objects.filter(id=membership.id).exists()
    assert Group.objects.get(id=membership.group_id).member_count == 1
    assert JoinRequest.objects.get(id=request.id).status == "cancelled"
    # a crew moderation took down is left untouched; the row points to the anonymised account
    assert Membership.objects.filter(id=taken_down.id).exists()


def test_reports_they_filed_stay_with_the_anonymised_account(user: User) -> None:
    report = ReportFactory(reporter=user)

    user_account_delete(user_id=user.id)

    assert type(report).objects.get(id=report.id).reporter_id == user.id


def test_erasing_twice_or_an_unknown_account_is_not_found(user: User) -> None:
    user_account_delete(user_id=user.id)

    with pytest.raises(UserNotFound):
        user_account_delete(user_id=user.id)


def test_a_failure_midway_undoes_everything(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the last step fails
    event = EventFactory(organizer=user)
    membership = MembershipFactory(user=user)
    alert = AlertFactory(sender=user, message="Lost at the exit")
    timer = CheckInTimerFactory(user=user)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("shared.privacy.erasure.safety_notices_anonymise", broken)
    # when
    with pytest.raises(RuntimeError):
        user_account_delete(user_id=user.id)
    # then
    assert Event.objects.get(id=event.id).status == EventStatus.SCHEDULED
    assert Membership.objects.filter(id=membership.id).exists()
    assert User.objects.get(id=user.id).email == "maria@example.test"
    assert Alert.objects.get(id=alert.id).message == "Lost at the exit"
    assert CheckInTimer.objects.filter(id=timer.id).exists()
    assert not ErasedSubject.objects.exists()


# --- safety data ---


def test_alerts_they_raised_stay_for_the_crew_without_their_positions_or_words(
    user: User,
) -> None:
    # given: an alert to a crew, with a trail, a crew member's answer and a resolution of theirs
    crew = GroupFactory()
    helper = MembershipFactory(group=crew).user
    alert = AlertFactory(
        sender=user,
        message="Asthma attack, behind the stage",
        crews=[crew],
        status=AlertStatus.RESOLVED,
        resolved_at=timezone.now(),
        resolved_by=user,
        resolution_note="Fine now, at home on Storgatan",
    )
    LocationPointFactory(alert=alert)
    LocationPointFactory(alert=alert)
    answer = AlertAcknowledgementFactory(alert=alert, user=helper, kind=AcknowledgementKind.SEEN)
    # when
    user_account_delete(user_id=user.id)
    # then
    kept = Alert.objects.get(id=alert.id)
    assert (kept.sender_id, kept.alert_type, kept.status) == (user.id, "help", "resolved")
    assert (kept.location, kept.message, kept.resolution_note) == (None, "", "")
    assert not LocationPoint.objects.filter(alert=alert).exists()
    assert AlertTarget.objects.filter(alert=alert, group=crew).exists()
    assert AlertAcknowledgement.objects.filter(id=answer.id).exists()


def test_their_answers_to_alerts_and_their_check_in_timers_are_deleted(user: User) -> None:
    # given
    others_alert = AlertFactory(message="Lost my phone")
    answer = AlertAcknowledgementFactory(
        alert=others_alert, user=user, kind=AcknowledgementKind.ON_MY_WAY
    )
    active = CheckInTimerFactory(user=user, message="Walking home along the river")
    fired = CheckInTimerFactory(user=user, status="cancelled", cancelled_at=timezone.now())
    someone_elses = CheckInTimerFactory()
    # when
    user_account_delete(user_id=user.id)
    # then
    assert not AlertAcknowledgement.objects.filter(id=answer.id).exists()
    assert not CheckInTimer.objects.filter(id__in=[active.id, fired.id]).exists()
    assert CheckInTimer.objects.filter(id=someone_elses.id).exists()
    assert Alert.objects.get(id=others_alert.id).message == "Lost my phone"


def test_the_chat_notices_of_their_alerts_lose_their_name_position_and_message(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given: the alert's notice is in the crew's chat, with a copy of the alert
    crew = GroupFactory()
    MembershipFactory(group=crew, user=user)
    alert = AlertFactory(sender=user, message="Behind the stage", crews=[crew])
    target = AlertTarget.objects.select_related("alert__sender").get(alert=alert)
    other_alert = AlertFactory(crews=[crew], message="Someone else's words")
    other_target = AlertTarget.objects.select_related("alert__sender").get(alert=other_alert)
    with django_capture_on_commit_callbacks(execute=False):
        notice = safety_alert_notice_post(
            group_id=crew.id,
            alert_id=alert.id,
            change="raised",
            alert=live.alert_payload(target.alert, target=target),
        ).message
        others = safety_alert_notice_post(
            group_id=crew.id,
            alert_id=other_alert.id,
            change="raised",
            alert=live.alert_payload(other_target.alert, target=other_target),
        ).message
    assert "Mia" in notice.body
    # when
    with django_capture_on_commit_callbacks(execute=False):
        user_account_delete(user_id=user.id)
    # then
    stored = Message.objects.get(id=notice.id)
    assert stored.body == "Deleted user raised a help alert."
    copy = stored.data["alert"]
    assert (copy["location"], copy["message"]) == (None, "")
    assert copy["sender"] == {
        "id": str(user.id),
        "username": f"deleted-user-{user.id.hex[:8]}",
        "display_name": "Deleted user",
    }
    for personal in ("maria", "Maria", "Lind", "Mia", "Behind the stage"):
        assert personal not in repr(stored.data)
    assert Message.objects.get(id=others.id).data == others.data


def test_their_notifications_choices_and_push_subscriptions_are_deleted(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    other = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        notify(
            recipient_ids=[user.id, other.id],
            kind=NotificationKind.JOIN_APPROVED,
            payload={"group_name": "Front row"},
            dedupe_key="joined:1",
        )
        preferences_update(
            user_id=user.id, changes=[{"kind": NotificationKind.JOIN_APPROVED, "email": True}]
        )
        push_subscription_save(
            user_id=user.id,
            endpoint="https://push.example.test/maria-phone",
            p256dh="BPk3e4D7J8wy9o3fHMc7nvQ1C4",
            auth="tB3l8M5d",
        )
    # when
    user_account_delete(user_id=user.id)
    # then
    assert not Notification.objects.filter(recipient=user).exists()
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert not PushSubscription.objects.filter(user=user).exists()
    assert Notification.objects.filter(recipient=other).exists()
