"""Who sees which alert, trail and timer; and how many queries it takes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.groups.tests.factories import MembershipFactory
from shared.safety.errors import AlertNotFound, CheckInTimerNotFound
from shared.safety.models import AlertStatus, CheckInStatus
from shared.safety.selectors import (
    DETAIL_TRAIL_LENGTH,
    alert_crew_roles,
    alert_get,
    alert_locations,
    alert_open_count,
    alert_search,
    checkin_timer_get,
    checkin_timer_list,
    checkin_timers_due,
    crew_ids_of,
)
from shared.safety.tests.factories import (
    AlertAcknowledgementFactory,
    AlertFactory,
    CheckInTimerFactory,
    LocationPointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert_in_crew(make_crew):
    crew = make_crew()
    alert = AlertFactory(sender=crew.member, crews=[crew.group])
    return crew, alert


@pytest.mark.parametrize(
    ("viewer", "moderator", "sees"),
    [
        pytest.param("sender", False, True, id="sender_case"),
        pytest.param("owner", False, True, id="crew_owner_case"),
        pytest.param("admin", False, True, id="crew_admin_case"),
        pytest.param("outsider", False, False, id="outsider_case"),
        pytest.param("senders_other_crew", False, False, id="member_of_a_crew_not_alerted_case"),
        pytest.param("outsider", True, True, id="moderator_case"),
    ],
)
def test_who_sees_an_alert(alert_in_crew, make_crew, viewer, moderator, sees):
    crew, alert = alert_in_crew
    if viewer == "senders_other_crew":
        other = make_crew()
        MembershipFactory(group=other.group, user=crew.member)
        user = other.owner
    else:
        user = {"sender": crew.member, "owner": crew.owner, "admin": crew.admin}.get(
            viewer
        ) or UserFactory()

    if sees:
        assert (
            alert_get(alert_id=alert.id, viewer_id=user.id, viewer_is_moderator=moderator) == alert
        )
        assert (
            list(
                alert_locations(alert_id=alert.id, viewer_id=user.id, viewer_is_moderator=moderator)
            )
            == []
        )
    else:
        with pytest.raises(AlertNotFound):
            alert_get(alert_id=alert.id, viewer_id=user.id, viewer_is_moderator=moderator)
        with pytest.raises(AlertNotFound):
            alert_locations(alert_id=alert.id, viewer_id=user.id, viewer_is_moderator=moderator)


def test_the_sender_still_sees_their_alert_after_leaving_the_crew(alert_in_crew):
    crew, alert = alert_in_crew
    crew.group.memberships.filter(user=crew.member).delete()

    assert alert_get(alert_id=alert.id, viewer_id=crew.member.id) == alert


def test_an_alert_in_detail_takes_a_fixed_number_of_queries(
    alert_in_crew, django_assert_num_queries
):
    # given: answers and a trail longer than the detail carries
    crew, alert = alert_in_crew
    AlertAcknowledgementFactory(alert=alert, user=crew.owner, kind="on_my_way")
    AlertAcknowledgementFactory(alert=alert, user=crew.admin, kind="seen")
    start = timezone.now() - timedelta(hours=1)
    points = [
        LocationPointFactory(alert=alert, recorded_at=start + timedelta(seconds=i))
        for i in range(DETAIL_TRAIL_LENGTH + 5)
    ]
    # when: the alert, its acknowledgements with users, its crews, its trail
    with django_assert_num_queries(4):
        found = alert_get(alert_id=alert.id, viewer_id=crew.owner.id)
        acknowledgements = [(a.user.username, a.kind) for a in found.acknowledgements.all()]
        crews = [target.group.name for target in found.targets.all()]
        sender = found.sender.username
    # then
    assert acknowledgements == [(crew.owner.username, "on_my_way"), (crew.admin.username, "seen")]
    assert crews == [crew.group.name]
    assert sender == crew.member.username
    assert [p.id for p in found.trail] == [p.id for p in points[-DETAIL_TRAIL_LENGTH:]]
    assert found.latest_recorded_at == points[-1].recorded_at
    assert found.latest_point == points[-1].point


def test_my_crews_alerts_newest_first_by_status(make_crew, django_assert_num_queries):
    crew, elsewhere = make_crew(), make_crew()
    older = AlertFactory(sender=crew.member, crews=[crew.group])
    resolved = AlertFactory(
        sender=crew.admin,
        crews=[crew.group],
        status=AlertStatus.RESOLVED,
        resolved_at=timezone.now(),
    )
    newer = AlertFactory(sender=crew.admin, crews=[crew.group])
    AlertFactory(sender=elsewhere.member, crews=[elsewhere.group])

    # the page, its people, positions and crews, and the count: one query
    with django_assert_num_queries(1):
        everything = alert_search(viewer_id=crew.owner.id)
    open_ones = alert_search(viewer_id=crew.owner.id, status=AlertStatus.OPEN)

    assert [alert.id for alert in everything.alerts] == [newer.id, resolved.id, older.id]
    assert everything.total == 3
    assert everything.alerts[0].sender.username == crew.admin.username
    assert [c["name"] for c in everything.alerts[0].crews] == [crew.group.name]
    assert [alert.id for alert in open_ones.alerts] == [newer.id, older.id]


def test_the_alerts_i_raised(make_crew):
    crew = make_crew()
    mine = AlertFactory(sender=crew.member, crews=[crew.group])
    AlertFactory(sender=crew.owner, crews=[crew.group])

    assert [
        alert.id for alert in alert_search(viewer_id=crew.member.id, sent_only=True).alerts
    ] == [mine.id]


def test_a_list_shows_each_viewer_only_the_crews_they_are_in(make_crew):
    # given: an alert to two crews; the admin of the first is not in the second
    first, second = make_crew(), make_crew()
    MembershipFactory(group=second.group, user=first.member)
    alert = AlertFactory(sender=first.member, crews=[first.group, second.group])

    # when / then
    def crews_seen(viewer, **kwargs):
        [found] = alert_search(viewer_id=viewer.id, **kwargs).alerts
        assert found.id == alert.id
        return {crew["id"] for crew in found.crews}

    both = {str(first.group.id), str(second.group.id)}
    assert crews_seen(first.member) == both  # the sender
    assert crews_seen(first.admin) == {str(first.group.id)}
    assert crews_seen(second.owner) == {str(second.group.id)}
    assert crews_seen(first.admin, sees_all_crews=True) == both  # a moderator
    assert alert_search(viewer_id=UserFactory().id).alerts == []


def test_the_trail_is_oldest_first(alert_in_crew):
    crew, alert = alert_in_crew
    now = timezone.now()
    late = LocationPointFactory(alert=alert, recorded_at=now)
    early = LocationPointFactory(alert=alert, recorded_at=now - timedelta(minutes=1))

    assert list(alert_locations(alert_id=alert.id, viewer_id=crew.owner.id)) == [early, late]


def test_roles_in_the_alerts_crews(alert_in_crew):
    crew, alert = alert_in_crew

    assert alert_crew_roles(alert_id=alert.id, user_id=crew.admin.id) == {"admin"}
    assert alert_crew_roles(alert_id=alert.id, user_id=UserFactory().id) == set()
    assert crew_ids_of(user_id=crew.admin.id) == {crew.group.id}


def test_open_alerts_are_counted(make_crew):
    crew = make_crew()
    AlertFactory(sender=crew.member)
    AlertFactory(sender=crew.member, status=AlertStatus.CANCELLED, cancelled_at=timezone.now())

    assert alert_open_count() == 1


def test_timers_are_their_owners(make_crew):
    crew = make_crew()
    timer = CheckInTimerFactory(user=crew.member, group=crew.group)

    assert checkin_timer_get(timer_id=timer.id, user_id=crew.member.id) == timer
    assert list(checkin_timer_list(user_id=crew.member.id)) == [timer]
    assert list(checkin_timer_list(user_id=crew.member.id, status=CheckInStatus.FIRED)) == []
    with pytest.raises(CheckInTimerNotFound):
        checkin_timer_get(timer_id=timer.id, user_id=crew.owner.id)


def test_due_timers_are_the_active_ones_before_a_time(make_crew):
    crew = make_crew()
    now = timezone.now()
    soon = CheckInTimerFactory(
        user=crew.member, group=crew.group, due_at=now + timedelta(seconds=10)
    )
    CheckInTimerFactory(user=crew.owner, group=crew.group, due_at=now + timedelta(minutes=10))
    CheckInTimerFactory(
        user=crew.admin, group=crew.group, due_at=now, status=CheckInStatus.CHECKED_IN
    )

    assert checkin_timers_due(before=now + timedelta(seconds=30), limit=10) == [
        (soon.id, soon.due_at)
    ]
