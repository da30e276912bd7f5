"""The console's lists and report pages as a moderator reads them (issue #15, item 7).

Names, never bare ids; the target of a report or an audit row as a label with a link, and a
preview on the report's page; the report list on the queue by default; search by username and
display name; a constant number of queries however many rows a page shows.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.api.urls import UUID_PATTERN
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.models import Event
from shared.events.tests.factories import EventFactory
from shared.groups.models import Group
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.moderation.models import ActionCode, Report, ReportStatus, TargetType
from shared.moderation.services import console_access_sync
from shared.moderation.tests.factories import BanFactory, ModerationActionFactory, ReportFactory

pytestmark = pytest.mark.django_db

REPORTS = "/admin/moderation/report/"
BANS = "/admin/moderation/ban/"
AUDIT_LOG = "/admin/moderation/moderationaction/"
USERS = "/admin/accounts/user/"


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(response: Any) -> str:
    """What a reader sees of the page: its text, without tags, attributes and scripts."""
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def result_rows(response: Any) -> list[str]:
    """The visible text of each row of a change list's table."""
    html = response.content.decode()
    start = html.index('id="result_list"')
    table = html[start : html.index("</table>", start)]
    rows = []
    for row in table.split("<tr")[2:]:
        parser = _VisibleText()
        parser.feed("<tr" + row)
        rows.append(" ".join(" ".join(parser.parts).split()))
    return rows


@pytest.fixture
def moderator() -> User:
    user = UserFactory(
        username="maria", first_name="Maria", last_name="Moderator", realm_roles=["moderator"]
    )
    return console_access_sync(user_id=user.id, roles=["moderator", "user"])


@pytest.fixture
def console(client: Client, moderator: User) -> Client:
    client.force_login(moderator)
    return client


@pytest.fixture
def crew_message(django_capture_on_commit_callbacks: Any) -> Message:
    """Bob's message in the crew "Front row" of the event "Jazz by the river"."""
    event = EventFactory(title="Jazz by the river", venue_name="Kulturens hus")
    group = GroupFactory(name="Front row", event=event)
    bob = UserFactory(username="bob", display_name_override="Bobby Tables")
    MembershipFactory(group=group, user=bob)
    with django_capture_on_commit_callbacks(execute=False):
        return message_send(group_id=group.id, sender_id=bob.id, body="Buy cheap pills at my site")


def report_of(target_type: str, target: Any, author: User | None, **fields: Any) -> Report:
    return ReportFactory(
        target_type=target_type, target_id=target.id, target_author=author, **fields
    )


# --- the greeting ---


def test_the_console_greets_the_moderator_by_name(console: Client, moderator: User) -> None:
    text = visible_text(console.get("/admin/"))

    assert "Welcome, Maria Moderator" in text
    assert moderator.keycloak_id not in text


# --- names in the lists ---


def test_the_report_list_names_people_and_targets(
    console: Client, crew_message: Message, moderator: User
) -> None:
    # given: one report of each kind of target
    reporter = UserFactory(username="alice", display_name_override="Alice A.")
    event = EventFactory(title="Rave in the mine", organizer=UserFactory(username="org"))
    crew = GroupFactory(name="Night owls", event=event)
    troll = UserFactory(username="troll", display_name_override="Mr Troll")
    report_of("message", crew_message, crew_message.sender, reporter=reporter)
    report_of("event", event, event.organizer, reporter=reporter, assigned_to=moderator)
    report_of("crew", crew, crew.created_by, reporter=reporter)
    report_of("user", troll, troll, reporter=reporter)
    # when
    response = console.get(REPORTS)
    # then
    text = visible_text(response)
    assert response.status_code == 200
    assert not re.search(UUID_PATTERN, text)
    rows = result_rows(response)
    assert len(rows) == 4
    assert "Alice A. @alice" in rows[0]
    assert "“Buy cheap pills at my site” by @bob in Front row" in rows[0]
    assert "Bobby Tables @bob" in rows[0]
    assert "Rave in the mine" in rows[1]
    assert "Open @maria" in rows[1]
    assert "Night owls (Rave in the mine)" in rows[2]
    assert "Mr Troll @troll" in rows[3]
    html = response.content.decode()
    assert f'href="/admin/chat/message/{crew_message.id}/change/"' in html
    assert f'href="/admin/events/event/{event.id}/change/"' in html
    assert f'href="/admin/groups/group/{crew.id}/change/"' in html
    assert f'href="/admin/accounts/user/{troll.id}/change/"' in html
    assert f'href="/admin/accounts/user/{reporter.id}/change/"' in html


def test_a_report_whose_target_is_gone_says_so(console: Client) -> None:
    # given: the reported message is gone for good (deleting its crew deletes it)
    report = ReportFactory(target_type="message", target_id=uuid4(), target_author=None)
    # when
    listing = console.get(REPORTS)
    page = console.get(f"{REPORTS}{report.id}/change/")
    # then
    assert "Message no longer exists" in result_rows(listing)[0]
    assert page.status_code == 200
    assert "This message no longer exists" in visible_text(page)


def test_the_ban_list_names_the_user_and_the_moderators(console: Client, moderator: User) -> None:
    # given
    banned = UserFactory(username="spammer", display_name_override="Spam King")
    lifted = BanFactory(
        user=UserFactory(username="sorry"),
        created_by=moderator,
        lifted_at=timezone.now(),
        lifted_by=moderator,
        lift_reason="Appeal accepted.",
    )
    BanFactory(user=banned, created_by=moderator, starts_at=lifted.starts_at + timedelta(hours=1))
    # when
    response = console.get(BANS)
    # then
    assert not re.search(UUID_PATTERN, visible_text(response))
    rows = result_rows(response)
    assert "Spam King @spammer" in rows[0]
    assert "Maria Moderator @maria" in rows[0]
    assert "Lifted" in rows[1]
    assert "by @maria" in rows[1]
    assert "In force" in rows[0]
    assert f'href="/admin/accounts/user/{banned.id}/change/"' in response.content.decode()


def test_the_audit_log_names_actors_and_targets(
    console: Client, moderator: User, crew_message: Message
) -> None:
    # given
    event = EventFactory(title="Jazz night")
    crew = GroupFactory(name="Back row")
    ban = BanFactory(user=UserFactory(username="spammer", display_name_override="Spam King"))
    report = ReportFactory(reporter=UserFactory(username="alice"))
    rows_in = [
        (ActionCode.USER_BANNED, TargetType.USER, ban.user.id),
        (ActionCode.EVENT_REMOVED, TargetType.EVENT, event.id),
        (ActionCode.CREW_REMOVED, TargetType.CREW, crew.id),
        (ActionCode.MESSAGE_REMOVED, TargetType.MESSAGE, crew_message.id),
        (ActionCode.REPORT_TAKEN, TargetType.REPORT, report.id),
        (ActionCode.USER_BAN_EXPIRED, TargetType.BAN, ban.id),
    ]
    now = timezone.now()
    for minutes, (action, target_type, target_id) in enumerate(rows_in):
        entry = ModerationActionFactory(
            actor=None if target_type == TargetType.BAN else moderator,
            action=action,
            target_type=target_type,
            target_id=target_id,
        )
        type(entry).objects.filter(id=entry.id).update(created_at=now - timedelta(minutes=minutes))
    # when
    response = console.get(AUDIT_LOG)
    # then: newest first
    assert not re.search(UUID_PATTERN, visible_text(response))
    rows = result_rows(response)
    assert "Maria Moderator @maria" in rows[0]
    assert "Spam King @spammer" in rows[0]
    assert "Jazz night" in rows[1]
    assert "Back row" in rows[2]
    assert "“Buy cheap pills at my site” by @bob in Front row" in rows[3]
    assert "user report by @alice" in rows[4]
    assert "CrewUp" in rows[5]
    assert "ban of Spam King @spammer" in rows[5]


# --- the report's preview ---


def test_a_reported_message_is_shown_with_its_crew_and_author(
    console: Client, crew_message: Message
) -> None:
    report = report_of("message", crew_message, crew_message.sender)

    page = console.get(f"{REPORTS}{report.id}/change/")

    text = visible_text(page)
    assert page.status_code == 200
    assert "Buy cheap pills at my site" in text
    assert "Author Bobby Tables @bob" in text
    assert "Crew Front row" in text
    assert "Event Jazz by the river" in text
    html = page.content.decode()
    assert f'href="/admin/groups/group/{crew_message.group_id}/change/"' in html


def test_a_removed_message_is_still_shown_and_says_it_was_removed(
    console: Client, crew_message: Message, moderator: User
) -> None:
    Message.objects.filter(id=crew_message.id).update(
        deleted_at=timezone.now(), deleted_by=moderator
    )
    report = report_of("message", crew_message, crew_message.sender)

    text = visible_text(console.get(f"{REPORTS}{report.id}/change/"))

    assert "by Maria Moderator @maria" in text
    assert "The text as it was:" in text
    assert "Buy cheap pills at my site" in text


def test_a_reported_event_is_shown_with_its_time_and_venue(console: Client) -> None:
    starts = timezone.now().replace(year=2031, month=12, day=5, hour=18, minute=0)
    event = EventFactory(
        title="Jazz by the river",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        venue_name="Kulturens hus",
        address="Skeppsbrogatan 17, Luleå",
    )
    report = report_of("event", event, event.organizer)

    page = console.get(f"{REPORTS}{report.id}/change/")

    text = visible_text(page)
    assert "Event Jazz by the river (Bar, scheduled)" in text
    assert "When 5 Dec 2031" in text
    assert "Venue Kulturens hus, Skeppsbrogatan 17, Luleå" in text
    assert f'href="/events/{event.id}"' in page.content.decode()


def test_a_removed_event_says_so(console: Client) -> None:
    event = EventFactory(title="Fake gig")
    Event.objects.filter(id=event.id).update(
        removed_at=timezone.now(), removal_reason="A scam selling tickets."
    )
    report = report_of("event", event, event.organizer)

    text = visible_text(console.get(f"{REPORTS}{report.id}/change/"))

    assert "Removed" in text
    assert "A scam selling tickets." in text


def test_a_reported_crew_is_shown_with_its_event(console: Client) -> None:
    crew = GroupFactory(name="Night owls", event=EventFactory(title="Rave in the mine"))
    Group.objects.filter(id=crew.id).update(removed_at=timezone.now(), removal_reason="Spam crew.")
    report = report_of("crew", crew, crew.created_by)

    text = visible_text(console.get(f"{REPORTS}{report.id}/change/"))

    assert "Crew Night owls" in text
    assert "Event Rave in the mine" in text
    assert "Spam crew." in text


def test_a_reported_user_is_shown_with_name_username_and_join_date(console: Client) -> None:
    troll = UserFactory(username="troll", display_name_override="Mr Troll")
    User.objects.filter(id=troll.id).update(
        created_at=timezone.now().replace(year=2025, month=3, day=4)
    )
    report = report_of("user", troll, troll)

    text = visible_text(console.get(f"{REPORTS}{report.id}/change/"))

    assert "Name Mr Troll" in text
    assert "Username @troll" in text
    assert "Joined 4 Mar 2025" in text


# --- the queue by default ---


@pytest.fixture
def one_report_of_each_status() -> dict[str, Report]:
    return {status: ReportFactory(status=status) for status in ReportStatus.values}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", {"open", "in_review"}, id="default_case"),
        pytest.param("?status=queue", {"open", "in_review"}, id="queue_case"),
        pytest.param("?status=all", set(ReportStatus.values), id="all_case"),
        pytest.param("?status=resolved", {"resolved"}, id="resolved_case"),
        pytest.param("?status=dismissed", {"dismissed"}, id="dismissed_case"),
    ],
)
def test_the_report_list_opens_on_the_queue(
    console: Client, one_report_of_each_status: dict[str, Report], query: str, expected: set[str]
) -> None:
    response = console.get(f"{REPORTS}{query}")

    shown = {report.status for report in response.context["cl"].result_list}
    assert shown == expected


def test_the_status_filter_marks_the_queue_and_offers_all(
    console: Client, one_report_of_each_status: dict[str, Report]
) -> None:
    html = console.get(REPORTS).content.decode()

    assert re.search(r'<li class="selected">\s*<a href="\?status=queue"', html)
    assert 'href="?status=all"' in html


def test_an_unknown_status_shows_the_list_again(
    console: Client, one_report_of_each_status: dict[str, Report]
) -> None:
    response = console.get(f"{REPORTS}?status=lost")

    assert (response.status_code, response["Location"]) == (302, f"{REPORTS}?e=1")


# --- search by username and display name ---


@pytest.mark.parametrize(
    ("page", "term"),
    [
        pytest.param(REPORTS, "spamking", id="reports_username_case"),
        pytest.param(REPORTS, "Spam King", id="reports_display_name_case"),
        pytest.param(BANS, "spamking", id="bans_username_case"),
        pytest.param(BANS, "Spam King", id="bans_display_name_case"),
        pytest.param(AUDIT_LOG, "spamking", id="audit_username_case"),
        pytest.param(AUDIT_LOG, "Spam King", id="audit_display_name_case"),
        pytest.param(USERS, "spamking", id="users_username_case"),
        pytest.param(USERS, "Spam King", id="users_display_name_case"),
        pytest.param(USERS, "Sam Kingsley", id="users_name_case"),
    ],
)
def test_search_finds_a_user_by_username_and_display_name(
    console: Client, moderator: User, page: str, term: str
) -> None:
    # given: one row about the user, one about someone else
    spammer = UserFactory(
        username="spamking",
        display_name_override="Spam King",
        first_name="Sam",
        last_name="Kingsley",
    )
    other = UserFactory(username="quiet", first_name="Quinn", last_name="Quiet")
    for user in (spammer, other):
        ReportFactory(target_author=user, target_id=user.id)
        BanFactory(user=user)
        ModerationActionFactory(actor=moderator, target_type=TargetType.USER, target_id=user.id)
    # when
    response = console.get(page, {"q": term})
    # then
    shown = list(response.context["cl"].result_list)
    assert len(shown) == 1
    row = shown[0]
    assert spammer.id in {
        getattr(row, "target_author_id", None),
        getattr(row, "user_id", None),
        getattr(row, "target_id", None),
        row.pk,
    }


# --- query counts ---


def _reports_of_every_kind(count: int, django_capture_on_commit_callbacks: Any) -> None:
    for _ in range(count):
        membership = MembershipFactory()
        with django_capture_on_commit_callbacks(execute=False):
            message = message_send(
                group_id=membership.group_id, sender_id=membership.user_id, body="Spam"
            )
        event = EventFactory()
        crew = GroupFactory()
        user = UserFactory()
        for target_type, target, author in (
            ("message", message, membership.user),
            ("event", event, event.organizer),
            ("crew", crew, crew.created_by),
            ("user", user, user),
        ):
            report = report_of(target_type, target, author, assigned_to=UserFactory())
            ModerationActionFactory(
                actor=UserFactory(), target_type=target_type, target_id=target.id
            )
            ModerationActionFactory(
                actor=UserFactory(), target_type=TargetType.REPORT, target_id=report.id
            )
            BanFactory(user=UserFactory(), created_by=UserFactory())


def _queries_of(console: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = console.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("url", [REPORTS, BANS, AUDIT_LOG, USERS])
def test_a_list_takes_as_many_queries_for_many_rows_as_for_few(
    console: Client, url: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given / when
    _reports_of_every_kind(1, django_capture_on_commit_callbacks)
    few_queries, few_rows = _queries_of(console, url)
    _reports_of_every_kind(9, django_capture_on_commit_callbacks)
    many_queries, many_rows = _queries_of(console, url)
    # then
    assert many_rows > few_rows
    assert many_queries == few_queries


# --- the wrong user is refused ---


@pytest.fixture
def message_report(crew_message: Message) -> Report:
    return report_of("message", crew_message, crew_message.sender)


def _pages(report: Report, message: Message) -> list[str]:
    return [
        REPORTS,
        f"{REPORTS}?status=all",
        f"{REPORTS}{report.id}/change/",
        f"{AUDIT_LOG}?q=bob",
        f"{BANS}?q=bob",
        f"/admin/chat/message/{message.id}/change/",
        f"/admin/accounts/user/{message.sender_id}/change/",
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param("anonymous", 302, id="anonymous_case"),
        pytest.param("user", 302, id="user_case"),
        pytest.param("banned_moderator", 302, id="banned_case"),
        pytest.param("staff_without_rights", 403, id="staff_case"),
        pytest.param("moderator", 200, id="moderator_case"),
    ],
)
def test_the_console_pages_refuse_all_but_moderators(
    client: Client, message_report: Report, crew_message: Message, who: str, expected: int
) -> None:
    # given
    if who == "user":
        client.force_login(UserFactory(realm_roles=["user"]))
    elif who == "banned_moderator":
        user = console_access_sync(user_id=UserFactory().id, roles=["moderator"])
        User.objects.filter(id=user.id).update(is_banned=True)
        client.force_login(user)
    elif who == "staff_without_rights":
        user = UserFactory(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_ban"))
        client.force_login(user)
    elif who == "moderator":
        client.force_login(console_access_sync(user_id=UserFactory().id, roles=["moderator"]))
    # when
    pages = _pages(message_report, crew_message)
    responses = {page: client.get(page) for page in pages}
    # then
    for page, response in responses.items():
        if who == "staff_without_rights" and page.startswith(BANS):
            assert response.status_code == 200, page  # the one list it may see
            continue
        assert response.status_code == expected, page
        if expected == 302:
            assert response["Location"].startswith("/admin/login/"), page
        if expected != 200:
            assert "Buy cheap pills" not in response.content.decode()
