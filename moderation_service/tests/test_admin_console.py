"""The moderator console (Django admin): pages, read-only rules, and actions through the services."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.chat.models import Message
from shared.chat.services import message_send
from shared.events.models import Event
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.models import Group
from shared.groups.tests.factories import (
    GroupFactory,
    InviteFactory,
    JoinRequestFactory,
    MembershipFactory,
)
from shared.messaging.models import OutboxMessage
from shared.moderation.models import Ban, ModerationAction, Report
from shared.moderation.services import console_access_sync
from shared.moderation.tests.factories import BanFactory, ModerationActionFactory, ReportFactory

pytestmark = pytest.mark.django_db

REASON = "Spam links in every crew chat."


def console_user(roles: list[str]) -> User:
    """A user as the OIDC backend leaves them after signing in with `roles`."""
    user = UserFactory(realm_roles=roles)
    return console_access_sync(user_id=user.id, roles=roles)


@pytest.fixture
def moderator() -> User:
    return console_user(["moderator", "user"])


@pytest.fixture
def console(client: Client, moderator: User) -> Client:
    """A moderator's browser, signed in to the console."""
    client.force_login(moderator)
    return client


def notices(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(
    console: Client, url: str, action: str, objects: list[Any], **form: Any
) -> tuple[Any, Any]:
    """Pick `action` for `objects` on a changelist, then confirm its form; return both pages."""
    selected = [str(obj.pk) for obj in objects]
    first = console.post(url, {"action": action, "_selected_action": selected})
    confirmed = console.post(
        url, {"action": action, "_selected_action": selected, "apply": "Confirm", **form}
    )
    return first, confirmed


# --- signing in ---


def test_the_console_sends_the_anonymous_to_the_identity_provider(client: Client) -> None:
    # when
    to_login = client.get("/admin/")
    to_oidc = client.get(to_login["Location"])
    to_provider = client.get(to_oidc["Location"])
    # then
    assert (to_login.status_code, to_login["Location"]) == (302, "/admin/login/?next=/admin/")
    assert (to_oidc.status_code, to_oidc["Location"]) == (
        302,
        "/admin/oidc/authenticate/?next=%2Fadmin%2F",
    )
    assert to_provider.status_code == 302
    target = urlsplit(to_provider["Location"])
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == settings.OIDC_OP_AUTHORIZATION_ENDPOINT
    )
    assert target.path.endswith("/realms/crewup/protocol/openid-connect/auth")
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert query["client_id"] == "crewup-admin"
    assert query["redirect_uri"] == "http://testserver/admin/oidc/callback/"
    assert (query["response_type"], query["scope"]) == ("code", "openid email profile")
    assert query["code_challenge_method"] == "S256"
    assert query["state"]
    assert query["nonce"]


def test_there_is_no_password_form(client: Client, moderator: User) -> None:
    response = client.post("/admin/login/", {"username": moderator.username, "password": "x"})

    assert response.status_code == 405
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        pytest.param("banned", "is_banned", True, id="banned_case"),
        pytest.param("demoted", "is_staff", False, id="demoted_case"),
        pytest.param("erased", "is_active", False, id="erased_case"),
    ],
)
def test_a_session_ends_when_console_rights_go(
    console: Client, moderator: User, change: str, field: str, value: bool
) -> None:
    assert console.get("/admin/").status_code == 200
    User.objects.filter(id=moderator.id).update(**{field: value})

    response = console.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_denied_page_is_a_403_that_explains(client: Client) -> None:
    response = client.get("/admin/oidc/denied/")

    assert response.status_code == 403
    assert "neither the <code>moderator</code> nor the" in response.content.decode()


# --- pages ---

CHANGELISTS = [
    "accounts/user",
    "events/event",
    "events/participation",
    "groups/group",
    "groups/membership",
    "groups/joinrequest",
    "groups/invite",
    "chat/message",
    "moderation/ban",
    "moderation/report",
    "moderation/moderationaction",
]


@pytest.fixture
def some_of_everything(django_capture_on_commit_callbacks: Any) -> None:
    membership = MembershipFactory()
    ParticipationFactory()
    JoinRequestFactory()
    InviteFactory()
    with django_capture_on_commit_callbacks(execute=False):
        message_send(group_id=membership.group_id, sender_id=membership.user_id, body="Hi all")
    BanFactory()
    ReportFactory()
    ModerationActionFactory()


@pytest.mark.parametrize("page", CHANGELISTS)
@pytest.mark.usefixtures("some_of_everything")
def test_every_domain_app_is_in_the_console_with_search_and_filters(
    console: Client, page: str
) -> None:
    listing = console.get(f"/admin/{page}/")
    searched = console.get(f"/admin/{page}/", {"q": "crew"})

    assert (listing.status_code, searched.status_code) == (200, 200)
    assert 'id="changelist-search"' in listing.content.decode()


@pytest.mark.usefixtures("some_of_everything")
def test_the_index_lists_every_app_for_a_moderator(console: Client) -> None:
    body = console.get("/admin/").content.decode()

    for url in CHANGELISTS:
        assert f"/admin/{url}/" in body
    # console rights come from the identity provider, not from groups edited here
    assert "/admin/auth/group/" not in body


@pytest.mark.parametrize("page", CHANGELISTS)
@pytest.mark.usefixtures("some_of_everything")
def test_the_console_is_read_only_even_for_admins(client: Client, page: str) -> None:
    # given
    admin = console_user(["admin", "moderator", "user"])
    client.force_login(admin)
    app_label, model_name = page.split("/")
    obj = apps.get_model(app_label, model_name).objects.first()
    # when
    add = client.get(f"/admin/{page}/add/")
    change = client.post(f"/admin/{page}/{obj.pk}/change/", {})
    delete = client.post(f"/admin/{page}/{obj.pk}/delete/", {"post": "yes"})
    view = client.get(f"/admin/{page}/{obj.pk}/change/")
    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert apps.get_model(app_label, model_name).objects.filter(pk=obj.pk).exists()


# --- bans ---


def test_banning_from_the_console_writes_the_ban_the_audit_row_and_the_event(
    console: Client, moderator: User
) -> None:
    # given
    target = UserFactory()
    # when
    form_page, done = run_action(
        console,
        "/admin/accounts/user/",
        "ban_users",
        [target],
        reason=REASON,
        until_0="2099-01-01",
        until_1="12:00:00",
    )
    # then
    assert form_page.status_code == 200
    assert 'name="reason"' in form_page.content.decode()
    assert done.status_code == 302
    assert notices(done) == ["Banned 1 user(s)."]
    ban = Ban.objects.get(user=target)
    assert (ban.reason, ban.created_by_id, ban.until.isoformat()) == (
        REASON,
        moderator.id,
        "2099-01-01T12:00:00+00:00",
    )
    assert User.objects.get(id=target.id).is_banned
    audit = ModerationAction.objects.get()
    assert (audit.actor_id, audit.action, audit.target_id) == (
        moderator.id,
        "user.banned",
        target.id,
    )
    outbox = OutboxMessage.objects.get()
    assert (outbox.routing_key, outbox.payload["user_id"]) == ("user.banned", str(target.id))


def test_a_console_ban_with_a_short_reason_shows_the_form_again(console: Client) -> None:
    target = UserFactory()

    _, again = run_action(console, "/admin/accounts/user/", "ban_users", [target], reason="spam")

    assert again.status_code == 200
    assert "at least 10 characters" in again.content.decode()
    assert not Ban.objects.exists()


def test_a_refusal_for_one_user_does_not_stop_the_others(console: Client, moderator: User) -> None:
    target = UserFactory(username="spammer")
    admin = UserFactory(username="the-admin", realm_roles=["admin"])

    _, done = run_action(
        console, "/admin/accounts/user/", "ban_users", [moderator, admin, target], reason=REASON
    )

    assert sorted(notices(done)) == sorted(
        [
            f"{moderator.username}: You cannot ban yourself.",
            "the-admin: An admin cannot be banned.",
            "Banned 1 user(s).",
        ]
    )
    assert list(Ban.objects.values_list("user_id", flat=True)) == [target.id]


def test_unbanning_and_lifting_from_the_console(console: Client, moderator: User) -> None:
    first, second = BanFactory(), BanFactory()

    _, unbanned = run_action(
        console, "/admin/accounts/user/", "unban_users", [first.user], reason="Appeal accepted."
    )
    _, lifted = run_action(
        console, "/admin/moderation/ban/", "lift_bans", [second], reason="Wrong account banned."
    )

    assert notices(unbanned) == ["Lifted the bans of 1 user(s)."]
    assert notices(lifted) == ["Lifted 1 ban(s)."]
    assert not Ban.objects.not_lifted().exists()
    assert sorted(OutboxMessage.objects.values_list("routing_key", flat=True)) == [
        "user.unbanned",
        "user.unbanned",
    ]
    assert set(ModerationAction.objects.values_list("actor_id", "action")) == {
        (moderator.id, "user.unbanned")
    }


# --- content ---


def test_removing_content_from_the_console(
    console: Client, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    event = EventFactory()
    group = GroupFactory()
    membership = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(
            group_id=membership.group_id, sender_id=membership.user_id, body="Buy pills"
        )
    # when
    _, events = run_action(console, "/admin/events/event/", "remove_events", [event], reason=REASON)
    _, crews = run_action(console, "/admin/groups/group/", "remove_crews", [group], reason=REASON)
    with django_capture_on_commit_callbacks(execute=False):
        _, messages = run_action(
            console, "/admin/chat/message/", "remove_messages", [message], reason=REASON
        )
    # then
    assert notices(events) == ["Removed 1 event(s)."]
    assert notices(crews) == ["Removed 1 crew(s)."]
    assert notices(messages) == ["Removed 1 message(s)."]
    assert Event.objects.get(id=event.id).removal_reason == REASON
    assert Group.objects.get(id=group.id).removal_reason == REASON
    assert Message.objects.get(id=message.id).deleted_by_id == moderator.id
    assert sorted(ModerationAction.objects.values_list("action", flat=True)) == [
        "crew.removed",
        "event.removed",
        "message.removed",
    ]


# --- reports ---


def test_handling_reports_from_the_console(console: Client, moderator: User) -> None:
    # given
    taken, dismissed, removed, banned = (ReportFactory() for _ in range(4))
    event = EventFactory()
    Report.objects.filter(id=removed.id).update(
        target_type="event", target_id=event.id, target_author=event.organizer
    )
    url = "/admin/moderation/report/"
    note = "Looked at it with the team."
    # when
    take = console.post(url, {"action": "take_reports", "_selected_action": [str(taken.id)]})
    _, dismiss = run_action(console, url, "dismiss_reports", [dismissed], note=note)
    _, remove = run_action(console, url, "resolve_reports_remove_content", [removed], note=note)
    _, ban = run_action(console, url, "resolve_reports_ban_author", [banned], note=note)
    # then
    assert notices(take) == ["Took 1 report(s)."]
    assert notices(dismiss) == ["Dismissed 1 report(s)."]
    assert notices(remove) == ["Resolved 1 report(s) by removing the content."]
    assert notices(ban) == ["Resolved 1 report(s) by banning the author."]
    statuses = dict(Report.objects.values_list("id", "status"))
    assert statuses == {
        taken.id: "in_review",
        dismissed.id: "dismissed",
        removed.id: "resolved",
        banned.id: "resolved",
    }
    assert Event.objects.get(id=event.id).removed_at is not None
    assert Ban.objects.get().user_id == banned.target_author_id
    assert ModerationAction.objects.filter(actor=moderator).count() == 6


def test_staff_without_the_moderation_rights_is_offered_no_actions(client: Client) -> None:
    # given: staff who may view users, and nothing more
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(user)
    target = UserFactory()
    # when
    page = client.get("/admin/accounts/user/")
    response = client.post(
        "/admin/accounts/user/",
        {
            "action": "ban_users",
            "_selected_action": [str(target.id)],
            "apply": "Confirm",
            "reason": REASON,
        },
    )
    # then
    assert page.status_code == 200
    assert "ban_users" not in page.content.decode()
    assert response.status_code == 200  # the list again, with "No action selected."
    assert not Ban.objects.exists()


def test_the_console_serves_its_css_and_scripts_with_debug_off(client: Client) -> None:
    assert settings.DEBUG is False
    css = client.get(f"{settings.STATIC_URL}admin/css/base.css")
    script = client.get(f"{settings.STATIC_URL}admin/js/actions.js")

    assert (css.status_code, css["Content-Type"].split(";")[0]) == (200, "text/css")
    assert script.status_code == 200
    assert b"body" in b"".join(css.streaming_content)
    # an asset that is not there falls through to the console, which sends strangers to sign in
    assert client.get(f"{settings.STATIC_URL}admin/css/missing.css").status_code in (302, 404)
    assert settings.STATIC_URL.startswith("/admin/")  # under the path the ingress routes here
