"""The safety services on the real database, the real Redis, and stand-in services over HTTP."""

from __future__ import annotations

import time
from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from prometheus_client import REGISTRY

from shared.accounts.tests.factories import UserFactory
from shared.chat import realtime
from shared.events.tests.factories import EventFactory
from shared.groups.errors import GroupNotFound
from shared.groups.models import Membership
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.safety.errors import (
    AlertNotFound,
    AlertNotOpen,
    AlertRateLimited,
    CancelWindowPassed,
    CannotAcknowledgeOwnAlert,
    CheckInTimerExists,
    CheckInTimerNotActive,
    CheckInTimerNotFound,
    NotAlertCrewMember,
    NotAlertSender,
    NotAllowedToResolve,
)
from shared.safety.models import (
    Alert,
    AlertAcknowledgement,
    AlertStatus,
    AlertTarget,
    AlertType,
    CheckInStatus,
    CheckInTimer,
    LocationPoint,
)
from shared.safety.services import (
    alert_acknowledge,
    alert_cancel,
    alert_location_add,
    alert_notice_deliver,
    alert_notices_redeliver,
    alert_raise,
    alert_resolve,
    checkin_timer_cancel,
    checkin_timer_check_in,
    checkin_timer_extend,
    checkin_timer_fire,
    checkin_timer_set,
    checkin_timers_fire_due,
    location_data_purge,
)
from shared.safety.tests.factories import (
    AlertFactory,
    AlertTargetFactory,
    CheckInTimerFactory,
    LocationPointFactory,
)

pytestmark = pytest.mark.django_db

LAT, LNG = 65.5848, 22.1547


def raise_alert(sender, groups, **kwargs):
    params = {
        "sender_id": sender.id,
        "group_ids": [group.id for group in groups],
        "alert_type": "help",
        "lat": LAT,
        "lng": LNG,
        **kwargs,
    }
    return alert_raise(**params)


def alerts_raised(alert_type: str) -> float:
    return REGISTRY.get_sample_value("safety_alerts_total", {"alert_type": alert_type}) or 0.0


# --- Raising ---


def test_an_alert_is_stored_then_posted_into_the_crews_chat(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    # given
    crew = make_crew()
    before = alerts_raised("medical")
    deliveries = REGISTRY.get_sample_value("safety_alert_delivery_seconds_count") or 0.0
    # when
    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_alert(
            crew.member, [crew.group], alert_type="medical", message=" Fell ", accuracy_m=12
        )
    # then
    alert = Alert.objects.get()
    assert raised.alert == alert
    assert raised.skipped_group_ids == []
    assert (alert.sender, alert.alert_type, alert.message, alert.status) == (
        crew.member,
        "medical",
        "Fell",
        "open",
    )
    assert (round(alert.location.y, 4), round(alert.location.x, 4)) == (LAT, LNG)
    target = AlertTarget.objects.get(alert=alert)
    assert target.group == crew.group
    assert target.event_id == crew.group.event_id
    assert target.event_details["title"] == crew.group.event.title
    assert target.delivered_at is not None
    assert target.message_sequence == 1
    [start] = LocationPoint.objects.filter(alert=alert)
    assert (start.recorded_at, start.accuracy_m) == (alert.created_at, 12)
    [notice] = crew_services.notices
    assert (notice.group_id, notice.alert_id, notice.change) == (crew.group.id, alert.id, "raised")
    assert notice.alert["sender"]["id"] == str(crew.member.id)
    assert notice.alert["location"] == {"lat": alert.location.y, "lng": alert.location.x}
    assert notice.alert["group_id"] == str(crew.group.id)
    assert notice.alert["event"]["title"] == crew.group.event.title
    assert alerts_raised("medical") == before + 1
    assert REGISTRY.get_sample_value("safety_alert_delivery_seconds_count") == deliveries + 1


@pytest.mark.parametrize(
    "location",
    [
        pytest.param({}, id="left_out_case"),
        pytest.param({"lat": None, "lng": None}, id="null_case"),
    ],
)
def test_an_alert_without_a_location_goes_out_at_once(
    make_crew, crew_services, django_capture_on_commit_callbacks, location
):
    # given: a phone indoors, or with location access off
    crew = make_crew()
    params = {
        "sender_id": crew.member.id,
        "group_ids": [crew.group.id],
        "alert_type": "help",
        **location,
    }
    # when
    with django_capture_on_commit_callbacks(execute=True):
        raised = alert_raise(**params)
    # then: stored without a position, no trail yet, and the crew has the notice
    alert = Alert.objects.get()
    assert raised.alert == alert
    assert alert.location is None
    assert not LocationPoint.objects.filter(alert=alert).exists()
    assert AlertTarget.objects.get(alert=alert).delivered_at is not None
    [notice] = crew_services.notices
    assert (notice.group_id, notice.alert_id, notice.change) == (crew.group.id, alert.id, "raised")
    assert notice.alert["location"] is None
    assert notice.alert["sender"]["id"] == str(crew.member.id)


def test_raising_asks_no_other_service(make_crew, crew_services, django_assert_num_queries):
    # given: the crew and its event exist only in the database the services share
    crew = make_crew()
    # when: a fixed number of queries (the crews and their members, the alert's rows, the
    # domain event), whatever the crews
    with django_assert_num_queries(8):
        raised = raise_alert(crew.member, [crew.group])
    # then
    assert raised.alert.sender == crew.member
    assert crew_services.seen == []


def test_each_crew_gets_a_notice_naming_only_itself(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    first, second = make_crew(), make_crew()
    MembershipFactory(group=second.group, user=first.member)

    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_alert(first.member, [first.group, second.group, first.group])

    assert AlertTarget.objects.filter(alert=raised.alert).count() == 2
    by_crew = {notice.group_id: notice.alert for notice in crew_services.notices}
    assert set(by_crew) == {first.group.id, second.group.id}
    assert by_crew[second.group.id]["group_id"] == str(second.group.id)
    assert by_crew[second.group.id]["event"]["id"] == str(second.group.event_id)


def test_crews_the_sender_is_not_in_are_skipped(make_crew, crew_services):
    mine, theirs = make_crew(), make_crew()

    raised = raise_alert(mine.member, [theirs.group, mine.group])

    assert raised.skipped_group_ids == [theirs.group.id]
    assert list(AlertTarget.objects.values_list("group_id", flat=True)) == [mine.group.id]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("not_a_member", id="not_a_member_case"),
        pytest.param("no_crew", id="unknown_crew_case"),
    ],
)
def test_no_alert_when_the_sender_is_in_none_of_the_crews(make_crew, crew_services, case, settings):
    # given
    crew = make_crew()
    outsider = UserFactory()
    group = crew.group if case == "not_a_member" else GroupFactory.build()
    settings.SAFETY_ALERT_RATE_LIMIT = 1
    # when / then
    with pytest.raises(GroupNotFound):
        raise_alert(outsider, [group])
    assert not Alert.objects.exists()
    # and the refused attempt did not count against the limit
    MembershipFactory(group=crew.group, user=outsider)
    raise_alert(outsider, [crew.group])


@pytest.mark.parametrize("visible", [True, False], ids=["visible_event_case", "hidden_event_case"])
def test_the_event_is_as_the_sender_sees_it_and_a_hidden_one_does_not_stop_the_alert(
    make_crew, visible
):
    # given: a private event the sender does not take part in is hidden to them
    event = EventFactory(visibility="public" if visible else "private", venue_name="Hall")
    crew = make_crew(event=event)
    # when
    raised = raise_alert(crew.member, [crew.group])
    # then: what the event service shows the sender of it, or nothing
    details = AlertTarget.objects.get(alert=raised.alert).event_details
    shown = {
        "id": str(event.id),
        "title": event.title,
        "event_type": event.event_type,
        "status": event.status,
        "starts_at": event.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": event.ends_at.isoformat().replace("+00:00", "Z"),
        "venue_name": "Hall",
        "address": event.address,
    }
    assert details == (shown if visible else {})


def test_an_alert_goes_out_with_every_other_service_down(
    make_crew, crew_services, oidc_provider, hook_calls, django_capture_on_commit_callbacks
):
    # given: the group and event services and the identity provider all fail
    crew = make_crew()
    crew_services.group_status = crew_services.event_status = 503
    oidc_provider.available = False
    # when
    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_alert(crew.member, [crew.group])
    # then: stored, and its notice left to the retry task
    assert Alert.objects.get() == raised.alert
    assert AlertTarget.objects.get().delivered_at is None
    assert hook_calls.undelivered == [(raised.alert.id, crew.group.id, "raised")]


@pytest.mark.django_db(transaction=True)
def test_notices_go_out_on_the_notice_thread_and_a_slow_group_service_holds_nothing_up(
    make_crew, crew_services, settings
):
    # given: the group service takes half a second to take a notice
    settings.SAFETY_NOTICES_IN_BACKGROUND = True
    crew = make_crew()
    crew_services.delay_seconds = 0.5
    started = time.monotonic()
    # when
    raised = raise_alert(crew.member, [crew.group])
    # then: the answer did not wait for it ...
    assert time.monotonic() - started < 0.4
    assert crew_services.notices == []
    # ... and the notice arrives soon after, recorded as delivered
    deadline = time.monotonic() + 5
    while not AlertTarget.objects.filter(alert=raised.alert, delivered_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the notice never went out"
        time.sleep(0.05)
    [notice] = crew_services.notices
    assert (notice.alert_id, notice.change) == (raised.alert.id, "raised")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"alert_type": "missed_check_in"}, "alert_type", id="timer_type_case"),
        pytest.param({"alert_type": "panic"}, "alert_type", id="unknown_type_case"),
        pytest.param({"message": "x" * 501}, "message", id="long_message_case"),
        pytest.param({"lat": 91}, "location", id="bad_latitude_case"),
        pytest.param({"lng": -181}, "location", id="bad_longitude_case"),
        pytest.param({"accuracy_m": -1}, "accuracy_m", id="negative_accuracy_case"),
        pytest.param({"lng": None}, "location", id="latitude_without_longitude_case"),
        pytest.param({"lat": None}, "location", id="longitude_without_latitude_case"),
        pytest.param(
            {"lat": None, "lng": None, "accuracy_m": 12}, "accuracy_m", id="accuracy_alone_case"
        ),
        pytest.param({"group_ids": []}, "group_ids", id="no_crew_case"),
        pytest.param(
            {"group_ids": [uuid4() for _ in range(11)]}, "group_ids", id="too_many_crews_case"
        ),
    ],
)
def test_bad_input_is_refused_before_any_call(make_crew, crew_services, overrides, field):
    crew = make_crew()
    params = {
        "sender_id": crew.member.id,
        "group_ids": [crew.group.id],
        "alert_type": "help",
        "lat": LAT,
        "lng": LNG,
        **overrides,
    }

    with pytest.raises(ValidationError) as raised:
        alert_raise(**params)

    assert field in raised.value.message_dict
    assert crew_services.seen == []
    assert not Alert.objects.exists()
    assert not LocationPoint.objects.exists()


def test_the_sixth_alert_in_a_minute_is_refused(make_crew, crew_services):
    crew = make_crew()
    for _ in range(5):
        raise_alert(crew.member, [crew.group])

    with pytest.raises(AlertRateLimited) as raised:
        raise_alert(crew.member, [crew.group])

    assert 0 < raised.value.retry_after <= 60
    assert raised.value.status == 429
    assert Alert.objects.count() == 5
    # another member is not limited by it
    raise_alert(crew.admin, [crew.group])


def test_a_notice_the_group_service_cannot_take_is_handed_to_the_retry_hook(
    make_crew, crew_services, hook_calls, django_capture_on_commit_callbacks
):
    # given: the group service answers the check, then fails the notice
    crew = make_crew()
    crew_services.notice_status = 503
    # when
    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_alert(crew.member, [crew.group])
    # then: the alert stands, undelivered, and a retry is asked for
    target = AlertTarget.objects.get(alert=raised.alert)
    assert target.delivered_at is None
    assert hook_calls.undelivered == [(raised.alert.id, crew.group.id, "raised")]
    # and once the group service is back, the retry delivers it once
    crew_services.notice_status = None
    assert alert_notice_deliver(alert_id=raised.alert.id, group_id=crew.group.id, change="raised")
    assert alert_notice_deliver(alert_id=raised.alert.id, group_id=crew.group.id, change="raised")
    assert crew_services.notices_of(raised.alert.id) == [(crew.group.id, "raised")]
    target.refresh_from_db()
    assert target.delivered_at is not None


def test_one_crew_failing_does_not_hold_back_the_others(
    make_crew, crew_services, hook_calls, django_capture_on_commit_callbacks
):
    # given: an alert to two crews; the group service fails the second one's notice
    first, second = make_crew(), make_crew()
    MembershipFactory(group=second.group, user=first.member)
    crew_services.notice_status_of[second.group.id] = 500
    # when
    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_alert(first.member, [first.group, second.group])
    # then
    delivered = dict(AlertTarget.objects.values_list("group_id", "delivered_at"))
    assert delivered[first.group.id] is not None
    assert delivered[second.group.id] is None
    assert crew_services.notices_of(raised.alert.id) == [(first.group.id, "raised")]
    assert hook_calls.undelivered == [(raised.alert.id, second.group.id, "raised")]


def test_a_closure_waits_for_the_raised_notice_it_follows(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    # given: an alert whose "raised" notice never reached its crew
    crew = make_crew()
    alert = AlertFactory(sender=crew.member)
    AlertTargetFactory(alert=alert, group=crew.group, delivered_at=None)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        alert_cancel(alert_id=alert.id, actor_id=crew.member.id)
    # then: the crew's stream has both, in order
    assert crew_services.notices_of(alert.id) == [
        (crew.group.id, "raised"),
        (crew.group.id, "cancelled"),
    ]
    target = AlertTarget.objects.get(alert=alert)
    assert target.delivered_at is not None
    assert target.closure_delivered_at is not None


def test_the_sweep_redelivers_old_undelivered_notices_in_order(make_crew, crew_services):
    # given: an alert resolved while its crew never got the "raised" notice
    crew = make_crew()
    alert = AlertFactory(
        sender=crew.member, status=AlertStatus.RESOLVED, resolved_at=timezone.now()
    )
    AlertTargetFactory(alert=alert, group=crew.group, delivered_at=None)
    fresh = AlertFactory(sender=crew.member)
    AlertTargetFactory(alert=fresh, group=crew.group, delivered_at=None)
    later = timezone.now() + timedelta(seconds=20)
    # when
    delivered = alert_notices_redeliver(now=later - timedelta(seconds=10))
    # then: nothing is old enough yet
    assert delivered == 0
    assert alert_notices_redeliver(now=later) >= 2
    assert crew_services.notices_of(alert.id) == [
        (crew.group.id, "raised"),
        (crew.group.id, "resolved"),
    ]
    assert crew_services.notices_of(fresh.id) == [(crew.group.id, "raised")]
    assert alert_notices_redeliver(now=later) == 0


def test_the_sweep_stops_while_the_group_service_is_down(make_crew, crew_services):
    crew = make_crew()
    for _ in range(3):
        AlertTargetFactory(
            alert=AlertFactory(sender=crew.member), group=crew.group, delivered_at=None
        )
    crew_services.notice_status = 503

    delivered = alert_notices_redeliver(now=timezone.now() + timedelta(minutes=1))

    assert delivered == 0
    posts = [seen for seen in crew_services.seen if seen[0] == "POST"]
    assert len(posts) == 2  # one call, retried once; then the sweep waits for its next run


# --- Acknowledging ---


@pytest.fixture
def open_alert(make_crew):
    crew = make_crew()
    alert = AlertFactory(sender=crew.member, crews=[crew.group])
    return crew, alert


def test_a_member_acknowledges_and_changes_their_answer(
    open_alert, django_capture_on_commit_callbacks
):
    crew, alert = open_alert

    with django_capture_on_commit_callbacks() as callbacks:
        first = alert_acknowledge(alert_id=alert.id, user_id=crew.owner.id, kind="seen")
    second = alert_acknowledge(alert_id=alert.id, user_id=crew.owner.id, kind="on_my_way")

    assert first.pk == second.pk
    assert AlertAcknowledgement.objects.get().kind == "on_my_way"
    assert len(callbacks) == 1  # the live broadcast


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("sender", CannotAcknowledgeOwnAlert, id="sender_case"),
        pytest.param("outsider", AlertNotFound, id="outsider_case"),
        pytest.param("moderator", NotAlertCrewMember, id="moderator_outside_the_crew_case"),
    ],
)
def test_who_cannot_acknowledge(open_alert, who, error):
    crew, alert = open_alert
    user = crew.member if who == "sender" else UserFactory()

    with pytest.raises(error):
        alert_acknowledge(
            alert_id=alert.id, user_id=user.id, kind="seen", user_is_moderator=who == "moderator"
        )

    assert not AlertAcknowledgement.objects.exists()


def test_a_closed_alert_takes_no_acknowledgement(open_alert):
    crew, alert = open_alert
    alert_resolve(alert_id=alert.id, actor_id=crew.member.id)

    with pytest.raises(AlertNotOpen):
        alert_acknowledge(alert_id=alert.id, user_id=crew.owner.id, kind="seen")


def test_an_unknown_acknowledgement_kind_is_refused(open_alert):
    crew, alert = open_alert

    with pytest.raises(ValidationError):
        alert_acknowledge(alert_id=alert.id, user_id=crew.owner.id, kind="coming_maybe")


# --- What the crews' sockets hear ---
# The app takes these changes in as they come, without reading the alert again (issue #13:
# an idle tab no longer polls), so each frame carries all it shows.


@pytest.fixture
def broadcasts(monkeypatch):
    """The transient changes sent to the crews' live sockets: (crew, event type, payload)."""
    sent = []

    def capture(group_id, *, event_type, payload):
        sent.append((group_id, event_type, payload))
        return True

    monkeypatch.setattr(realtime, "broadcast_to_group", capture)
    return sent


def test_an_answer_goes_whole_to_every_crew_of_the_alert(
    make_crew, broadcasts, django_capture_on_commit_callbacks
):
    # given: an alert to two crews (the sender's sockets listen on both)
    crew, other = make_crew(), make_crew()
    alert = AlertFactory(sender=crew.member, crews=[crew.group, other.group])
    # when: a member answers
    with django_capture_on_commit_callbacks(execute=True):
        answer = alert_acknowledge(alert_id=alert.id, user_id=crew.owner.id, kind="on_my_way")
    # then: each crew hears who answered, how, and when (the later answer wins in the app)
    payload = {
        "change": "acknowledged",
        "alert_id": str(alert.id),
        "acknowledgement": {
            "user": {
                "id": str(crew.owner.id),
                "username": crew.owner.username,
                "display_name": crew.owner.display_name,
            },
            "kind": "on_my_way",
            "created_at": answer.created_at.isoformat(),
            "updated_at": answer.updated_at.isoformat(),
        },
    }
    assert sorted(broadcasts, key=lambda sent: str(sent[0])) == sorted(
        [(group.id, "safety.alert", payload) for group in (crew.group, other.group)],
        key=lambda sent: str(sent[0]),
    )


def test_a_position_goes_whole_to_the_crew(
    open_alert, broadcasts, django_capture_on_commit_callbacks
):
    crew, alert = open_alert

    with django_capture_on_commit_callbacks(execute=True):
        point = alert_location_add(
            alert_id=alert.id, actor_id=crew.member.id, lat=65.6, lng=22.2, accuracy_m=12
        )

    assert broadcasts == [
        (
            crew.group.id,
            "safety.alert",
            {
                "change": "location",
                "alert_id": str(alert.id),
                "location": {
                    "lat": 65.6,
                    "lng": 22.2,
                    "recorded_at": point.recorded_at.isoformat(),
                    "accuracy_m": 12,
                },
            },
        )
    ]


# --- Resolving and cancelling ---


@pytest.mark.parametrize("who", ["sender", "admin", "owner"])
def test_the_sender_or_a_crew_admin_resolves(
    open_alert, crew_services, who, django_capture_on_commit_callbacks
):
    crew, alert = open_alert
    actor = {"sender": crew.member, "admin": crew.admin, "owner": crew.owner}[who]

    with django_capture_on_commit_callbacks(execute=True):
        resolved = alert_resolve(alert_id=alert.id, actor_id=actor.id, note=" Found her ")

    alert.refresh_from_db()
    assert resolved.status == alert.status == AlertStatus.RESOLVED
    assert (alert.resolved_by, alert.resolution_note) == (actor, "Found her")
    assert alert.resolved_at is not None
    [notice] = crew_services.notices
    assert (notice.change, notice.alert["status"], notice.alert["resolution_note"]) == (
        "resolved",
        "resolved",
        "Found her",
    )
    assert AlertTarget.objects.get(alert=alert).closure_delivered_at is not None


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("member", NotAllowedToResolve, id="plain_member_case"),
        pytest.param("moderator", NotAllowedToResolve, id="moderator_case"),
        pytest.param("outsider", AlertNotFound, id="outsider_case"),
    ],
)
def test_who_cannot_resolve(make_crew, who, error):
    crew = make_crew()
    alert = AlertFactory(sender=crew.admin, crews=[crew.group])
    actor = crew.member if who == "member" else UserFactory()

    with pytest.raises(error):
        alert_resolve(alert_id=alert.id, actor_id=actor.id, actor_is_moderator=who == "moderator")

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_an_alert_is_resolved_once(open_alert):
    crew, alert = open_alert
    alert_resolve(alert_id=alert.id, actor_id=crew.member.id)

    with pytest.raises(AlertNotOpen):
        alert_resolve(alert_id=alert.id, actor_id=crew.admin.id, note="again")


def test_a_long_note_is_refused(open_alert):
    crew, alert = open_alert

    with pytest.raises(ValidationError):
        alert_resolve(alert_id=alert.id, actor_id=crew.member.id, note="x" * 501)


def test_the_sender_cancels_a_false_alarm_in_time(
    open_alert, crew_services, django_capture_on_commit_callbacks
):
    crew, alert = open_alert

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = alert_cancel(alert_id=alert.id, actor_id=crew.member.id)

    assert cancelled.status == AlertStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert [notice.change for notice in crew_services.notices] == ["cancelled"]


def test_too_late_to_cancel(open_alert, settings):
    crew, alert = open_alert
    late = alert.created_at + timedelta(seconds=settings.SAFETY_ALERT_CANCEL_WINDOW_SECONDS + 1)

    with pytest.raises(CancelWindowPassed):
        alert_cancel(alert_id=alert.id, actor_id=crew.member.id, now=late)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.parametrize("who", ["admin", "owner"])
def test_only_the_sender_cancels(open_alert, who):
    crew, alert = open_alert

    with pytest.raises(NotAlertSender):
        alert_cancel(alert_id=alert.id, actor_id=getattr(crew, who).id)


# --- The trail ---


def test_the_sender_adds_positions_while_open(open_alert):
    crew, alert = open_alert
    recorded = timezone.now() - timedelta(seconds=5)

    point = alert_location_add(
        alert_id=alert.id,
        actor_id=crew.member.id,
        lat=65.6,
        lng=22.2,
        accuracy_m=8,
        recorded_at=recorded,
    )

    assert (point.point.y, point.point.x, point.accuracy_m, point.recorded_at) == (
        65.6,
        22.2,
        8,
        recorded,
    )


def test_the_first_position_of_an_alert_raised_without_one_becomes_its_location(make_crew):
    # given: an alert raised without a position
    crew = make_crew()
    alert = AlertFactory(sender=crew.member, crews=[crew.group], location=None)
    # when: the phone finds a fix, then another
    first = alert_location_add(
        alert_id=alert.id, actor_id=crew.member.id, lat=65.6, lng=22.2, accuracy_m=30
    )
    second = alert_location_add(alert_id=alert.id, actor_id=crew.member.id, lat=65.7, lng=22.3)
    # then: both are the trail; the first is where the alert is
    alert.refresh_from_db()
    assert (alert.location.y, alert.location.x) == (65.6, 22.2)
    assert list(LocationPoint.objects.filter(alert=alert).order_by("recorded_at")) == [
        first,
        second,
    ]


def test_a_later_position_leaves_the_raising_position_alone(open_alert):
    crew, alert = open_alert
    raised_at = alert.location

    alert_location_add(alert_id=alert.id, actor_id=crew.member.id, lat=65.7, lng=22.3)

    alert.refresh_from_db()
    assert alert.location == raised_at


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("member", NotAlertSender, id="crew_member_case"),
        pytest.param("outsider", AlertNotFound, id="outsider_case"),
    ],
)
@pytest.mark.parametrize("located", [True, False], ids=["located_case", "no_location_case"])
def test_only_the_sender_adds_positions(make_crew, who, error, located):
    crew = make_crew()
    alert = AlertFactory(
        sender=crew.member, crews=[crew.group], **({} if located else {"location": None})
    )
    raised_at = alert.location
    actor = crew.owner if who == "member" else UserFactory()

    with pytest.raises(error):
        alert_location_add(alert_id=alert.id, actor_id=actor.id, lat=65.6, lng=22.2)

    assert not LocationPoint.objects.exists()
    alert.refresh_from_db()
    assert alert.location == raised_at


def test_positions_stop_once_the_alert_is_resolved(open_alert):
    crew, alert = open_alert
    alert_resolve(alert_id=alert.id, actor_id=crew.member.id)

    with pytest.raises(AlertNotOpen):
        alert_location_add(alert_id=alert.id, actor_id=crew.member.id, lat=65.6, lng=22.2)


@pytest.mark.parametrize(
    "recorded_at",
    [
        pytest.param(timezone.now() + timedelta(hours=1), id="future_case"),
        pytest.param(timezone.now().replace(tzinfo=None), id="naive_case"),
    ],
)
def test_a_bad_position_time_is_refused(open_alert, recorded_at):
    crew, alert = open_alert

    with pytest.raises(ValidationError):
        alert_location_add(
            alert_id=alert.id, actor_id=crew.member.id, lat=65.6, lng=22.2, recorded_at=recorded_at
        )


# --- Check-in timers ---


def test_a_member_sets_a_timer_and_its_firing_is_scheduled(
    make_crew, hook_calls, django_capture_on_commit_callbacks
):
    crew = make_crew()
    due = timezone.now() + timedelta(minutes=30)

    with django_capture_on_commit_callbacks(execute=True):
        timer = checkin_timer_set(
            user_id=crew.member.id,
            group_id=crew.group.id,
            due_at=due,
            message="Walking home",
            lat=LAT,
            lng=LNG,
        )

    assert (timer.status, timer.due_at, timer.message) == (
        CheckInStatus.ACTIVE,
        due,
        "Walking home",
    )
    assert timer.last_location is not None
    assert hook_calls.timers == [(timer.id, due)]


@pytest.mark.parametrize(
    "due_at",
    [
        pytest.param(timezone.now() - timedelta(minutes=1), id="past_case"),
        pytest.param(timezone.now() + timedelta(hours=25), id="too_far_case"),
        pytest.param((timezone.now() + timedelta(hours=1)).replace(tzinfo=None), id="naive_case"),
    ],
)
def test_a_bad_check_in_time_is_refused(make_crew, due_at):
    crew = make_crew()

    with pytest.raises(ValidationError):
        checkin_timer_set(user_id=crew.member.id, group_id=crew.group.id, due_at=due_at)

    assert not CheckInTimer.objects.exists()


def test_a_timer_needs_the_crew(make_crew):
    crew = make_crew()

    with pytest.raises(GroupNotFound):
        checkin_timer_set(
            user_id=UserFactory().id,
            group_id=crew.group.id,
            due_at=timezone.now() + timedelta(hours=1),
        )


def test_one_active_timer_per_crew(make_crew):
    crew = make_crew()
    due = timezone.now() + timedelta(hours=1)
    first = checkin_timer_set(user_id=crew.member.id, group_id=crew.group.id, due_at=due)

    with pytest.raises(CheckInTimerExists):
        checkin_timer_set(user_id=crew.member.id, group_id=crew.group.id, due_at=due)
    checkin_timer_check_in(timer_id=first.id, user_id=crew.member.id)
    second = checkin_timer_set(user_id=crew.member.id, group_id=crew.group.id, due_at=due)

    assert second.is_active


def test_extending_moves_the_time_and_reschedules(
    make_crew, hook_calls, django_capture_on_commit_callbacks
):
    crew = make_crew()
    timer = CheckInTimerFactory(user=crew.member, group=crew.group)
    later = timer.due_at + timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        extended = checkin_timer_extend(
            timer_id=timer.id, user_id=crew.member.id, due_at=later, lat=LAT, lng=LNG
        )

    assert extended.due_at == later
    assert extended.last_location is not None
    assert hook_calls.timers == [(timer.id, later)]


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(
            lambda timer, user: checkin_timer_cancel(timer_id=timer.id, user_id=user.id),
            id="cancel_case",
        ),
        pytest.param(
            lambda timer, user: checkin_timer_check_in(timer_id=timer.id, user_id=user.id),
            id="check_in_case",
        ),
        pytest.param(
            lambda timer, user: checkin_timer_extend(
                timer_id=timer.id, user_id=user.id, due_at=timezone.now() + timedelta(hours=2)
            ),
            id="extend_case",
        ),
    ],
)
@pytest.mark.parametrize(
    "status", [CheckInStatus.CHECKED_IN, CheckInStatus.CANCELLED, CheckInStatus.FIRED]
)
def test_timers_are_their_owners_and_active_ones_only(make_crew, operation, status):
    crew = make_crew()
    timer = CheckInTimerFactory(user=crew.member, group=crew.group)
    finished = CheckInTimerFactory(user=crew.member, group=crew.group, status=status)

    with pytest.raises(CheckInTimerNotFound):
        operation(timer, crew.owner)
    with pytest.raises(CheckInTimerNotActive):
        operation(finished, crew.member)
    operation(timer, crew.member)


def test_a_due_timer_fires_a_missed_check_in_alert_with_the_last_location(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    # given
    crew = make_crew()
    timer = checkin_timer_set(
        user_id=crew.member.id,
        group_id=crew.group.id,
        due_at=timezone.now() + timedelta(minutes=1),
        message="Walking home along the river.",
        lat=LAT,
        lng=LNG,
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        alert = checkin_timer_fire(timer_id=timer.id, now=timer.due_at + timedelta(seconds=1))
    # then
    assert alert is not None
    assert (alert.alert_type, alert.sender, alert.status) == (
        AlertType.MISSED_CHECK_IN,
        crew.member,
        "open",
    )
    # what the user wrote, and the time as data: each reader's app words it in their language
    assert (alert.message, alert.check_in_due_at) == ("Walking home along the river.", timer.due_at)
    assert alert.location == timer.last_location
    timer.refresh_from_db()
    assert (timer.status, timer.fired_alert) == (CheckInStatus.FIRED, alert)
    [notice] = crew_services.notices
    assert (notice.alert["alert_type"], notice.alert["location"]["lat"]) == (
        "missed_check_in",
        alert.location.y,
    )


def test_a_timer_fires_with_the_last_position_shared_when_it_was_moved(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    # given: a timer set without a position, then moved from somewhere
    crew = make_crew()
    timer = checkin_timer_set(
        user_id=crew.member.id,
        group_id=crew.group.id,
        due_at=timezone.now() + timedelta(minutes=1),
    )
    timer = checkin_timer_extend(
        timer_id=timer.id,
        user_id=crew.member.id,
        due_at=timezone.now() + timedelta(minutes=2),
        lat=65.61,
        lng=22.13,
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        alert = checkin_timer_fire(timer_id=timer.id, now=timer.due_at + timedelta(seconds=1))
    # then
    assert alert is not None
    assert (alert.location.y, alert.location.x) == (65.61, 22.13)
    [start] = LocationPoint.objects.filter(alert=alert)
    assert start.point == alert.location
    [notice] = crew_services.notices
    assert notice.alert["location"] == {"lat": 65.61, "lng": 22.13}


def test_a_timer_with_no_position_shared_still_fires_without_one(
    make_crew, crew_services, django_capture_on_commit_callbacks
):
    # given
    crew = make_crew()
    timer = checkin_timer_set(
        user_id=crew.member.id,
        group_id=crew.group.id,
        due_at=timezone.now() + timedelta(minutes=1),
        message="Walking home.",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        alert = checkin_timer_fire(timer_id=timer.id, now=timer.due_at + timedelta(seconds=1))
    # then: the crew is alerted all the same, "position not known yet"
    assert alert is not None
    assert (alert.alert_type, alert.location) == (AlertType.MISSED_CHECK_IN, None)
    assert not LocationPoint.objects.filter(alert=alert).exists()
    [notice] = crew_services.notices
    assert (notice.change, notice.alert["location"]) == ("raised", None)


def test_firing_twice_raises_one_alert(make_crew, crew_services):
    crew = make_crew()
    timer = CheckInTimerFactory(
        user=crew.member, group=crew.group, due_at=timezone.now() - timedelta(seconds=1)
    )

    first = checkin_timer_fire(timer_id=timer.id)
    second = checkin_timer_fire(timer_id=timer.id)

    assert first is not None
    assert second is None
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "due_in"),
    [
        pytest.param(CheckInStatus.ACTIVE, timedelta(minutes=5), id="not_due_yet_case"),
        pytest.param(CheckInStatus.CHECKED_IN, -timedelta(minutes=5), id="checked_in_case"),
        pytest.param(CheckInStatus.CANCELLED, -timedelta(minutes=5), id="cancelled_case"),
    ],
)
def test_a_timer_not_due_or_not_active_does_not_fire(make_crew, crew_services, status, due_in):
    crew = make_crew()
    timer = CheckInTimerFactory(
        user=crew.member, group=crew.group, status=status, due_at=timezone.now() + due_in
    )

    assert checkin_timer_fire(timer_id=timer.id) is None
    assert not Alert.objects.exists()
    assert crew_services.seen == []


def test_a_timer_of_someone_who_left_the_crew_is_cancelled(make_crew, crew_services):
    crew = make_crew()
    Membership.objects.filter(group=crew.group, user=crew.member).delete()
    timer = CheckInTimerFactory(
        user=crew.member, group=crew.group, due_at=timezone.now() - timedelta(seconds=1)
    )

    assert checkin_timer_fire(timer_id=timer.id) is None

    timer.refresh_from_db()
    assert timer.status == CheckInStatus.CANCELLED
    assert not Alert.objects.exists()


def test_a_timer_fires_with_the_group_service_down(
    make_crew, crew_services, hook_calls, django_capture_on_commit_callbacks
):
    crew = make_crew()
    crew_services.group_status = 503
    timer = CheckInTimerFactory(
        user=crew.member, group=crew.group, due_at=timezone.now() - timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        alert = checkin_timer_fire(timer_id=timer.id)

    timer.refresh_from_db()
    assert timer.status == CheckInStatus.FIRED
    assert timer.fired_alert == alert
    assert hook_calls.undelivered == [(alert.id, crew.group.id, "raised")]


def test_a_timers_alert_is_not_rate_limited(make_crew, crew_services, settings):
    crew = make_crew()
    settings.SAFETY_ALERT_RATE_LIMIT = 1
    raise_alert(crew.member, [crew.group])
    timer = CheckInTimerFactory(
        user=crew.member, group=crew.group, due_at=timezone.now() - timedelta(seconds=1)
    )

    alert = checkin_timer_fire(timer_id=timer.id)

    assert alert is not None
    assert alert.location is None  # no place was ever given
    assert not LocationPoint.objects.filter(alert=alert).exists()


def test_the_sweep_fires_every_due_timer_and_only_those(make_crew, crew_services):
    crew, other = make_crew(), make_crew()
    now = timezone.now()
    due = [
        CheckInTimerFactory(user=crew.member, group=crew.group, due_at=now - timedelta(minutes=2)),
        CheckInTimerFactory(user=crew.admin, group=crew.group, due_at=now),
    ]
    CheckInTimerFactory(user=crew.owner, group=crew.group, due_at=now + timedelta(minutes=1))
    # a timer of someone who has left the crew since: that one is cancelled, the others fire
    CheckInTimerFactory(user=other.member, group=other.group, due_at=now - timedelta(minutes=1))
    Membership.objects.filter(group=other.group, user=other.member).delete()

    fired = checkin_timers_fire_due(now=now)

    assert fired == 2
    assert set(Alert.objects.values_list("sender_id", flat=True)) == {t.user_id for t in due}
    assert CheckInTimer.objects.filter(status=CheckInStatus.ACTIVE).count() == 1


# --- Retention ---


def test_location_data_older_than_the_retention_is_deleted(make_crew, settings):
    # given
    now = timezone.now()
    old = now - timedelta(days=settings.SAFETY_LOCATION_RETENTION_DAYS, minutes=1)
    crew = make_crew()
    closed = AlertFactory(sender=crew.member, status=AlertStatus.RESOLVED, resolved_at=old)
    still_open = AlertFactory(sender=crew.member)
    Alert.objects.filter(id__in=[closed.id, still_open.id]).update(created_at=old)
    stale = LocationPointFactory(alert=closed, recorded_at=old)
    kept = LocationPointFactory(alert=still_open, recorded_at=now - timedelta(days=1))
    finished = CheckInTimerFactory(
        user=crew.member, group=crew.group, status=CheckInStatus.CHECKED_IN,
        last_location=kept.point, last_location_at=old,
    )  # fmt: skip
    # when
    deleted = location_data_purge(now=now)
    # then
    assert deleted == 1
    assert not LocationPoint.objects.filter(id=stale.id).exists()
    assert LocationPoint.objects.filter(id=kept.id).exists()
    closed.refresh_from_db()
    still_open.refresh_from_db()
    finished.refresh_from_db()
    assert closed.location is None
    assert still_open.location is not None
    assert (finished.last_location, finished.last_location_at) == (None, None)
