"""A moderator signs in to the console through the real identity provider and bans a user.

End to end, no mock: `dev/identity` (the OIDC provider that stands in for Keycloak) runs in its
own process with its own database; the console runs on pytest-django's live server; a
`requests` session plays the browser through the authorization code flow (the provider's
login form, its authorize endpoint, the console's callback), then uses the console's ban
action like a moderator would.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import sync_playwright

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.api.urls import UUID_PATTERN
from shared.chat.services import message_send
from shared.events.tests.factories import EventFactory
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.messaging.models import OutboxMessage
from shared.moderation.models import ActionCode, Ban, ModerationAction, Report, TargetType
from shared.moderation.services import (
    console_access_sync,
    report_create,
    report_resolve,
    report_take,
)
from shared.moderation.tests.factories import BanFactory, ModerationActionFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
IDENTITY_DIR = REPO_ROOT / "dev" / "identity"
ADMIN_CLIENT_SECRET = "crewup-admin-dev-secret"
REASON = "Spam links in every crew chat."


@dataclass
class IdentityProvider:
    issuer: str
    users: dict[str, dict[str, Any]]

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _identity_env(issuer: str, redirect_uri: str, key_file: Path) -> dict[str, str]:
    # The provider's database is named after this suite's, so parallel runs do not share it.
    database = os.environ["DATABASE_URL"].rsplit("/", 1)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "OIDC_")) and key != "DATABASE_URL"
    }
    return {
        **env,
        "IDENTITY_DATABASE_URL": f"postgres://{database[0].split('://', 1)[1]}/test_{database[1]}_console_identity",
        "IDENTITY_ISSUER": issuer,
        "IDENTITY_RSA_PRIVATE_KEY_FILE": str(key_file),
        "IDENTITY_ADMIN_REDIRECT_URIS": redirect_uri,
        "IDENTITY_ADMIN_CLIENT_SECRET": ADMIN_CLIENT_SECRET,
        "IDENTITY_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def identity_provider(
    live_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdentityProvider]:
    """The real provider on a free port, migrated and seeded, trusting the live console."""
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/realms/crewup"
    env = _identity_env(
        issuer,
        f"{live_server.url}/admin/oidc/callback/",
        tmp_path_factory.mktemp("identity") / "oidc-rsa.pem",
    )
    manage = [sys.executable, str(IDENTITY_DIR / "manage.py")]
    for command in (["ensure_database"], ["migrate", "--noinput"]):
        subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [*manage, "seed_identity", "--json"], env=env, check=True, capture_output=True, text=True
    )
    users = {user["username"]: user for user in json.loads(seeded.stdout)["users"]}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "identity.wsgi",
            "--chdir",
            str(IDENTITY_DIR),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the identity provider did not start")
            time.sleep(0.2)
        yield IdentityProvider(issuer=issuer, users=users)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def console_against(identity_provider: IdentityProvider, settings: Any) -> IdentityProvider:
    """Point the console at the provider, as OIDC_ISSUER and the client secret would."""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = identity_provider.endpoint("auth")
    settings.OIDC_OP_TOKEN_ENDPOINT = identity_provider.endpoint("token")
    settings.OIDC_OP_USER_ENDPOINT = identity_provider.endpoint("userinfo")
    settings.OIDC_OP_JWKS_ENDPOINT = identity_provider.endpoint("certs")
    settings.OIDC_RP_CLIENT_SECRET = ADMIN_CLIENT_SECRET
    # The live server speaks plain HTTP; production cookies are HTTPS-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return identity_provider


def sign_in(browser: requests.Session, console_url: str, username: str, password: str) -> Any:
    """Open the console, sign in on the provider's page, and follow the redirects back."""
    login_page = browser.get(f"{console_url}/admin/")
    assert "/realms/crewup/login/" in login_page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
    assert token is not None
    return browser.post(
        login_page.url,
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": password,
            "next": parse_qs(urlsplit(login_page.url).query)["next"][0],
        },
        headers={"Referer": login_page.url},
    )


@pytest.mark.django_db(transaction=True)
def test_a_moderator_signs_in_through_the_provider_and_bans_a_user(
    live_server: Any, console_against: IdentityProvider
) -> None:
    # given
    target = UserFactory(username="spammer")
    browser = requests.Session()
    # when: maria signs in at the provider (no password of ours)
    console = sign_in(browser, live_server.url, "maria", "maria-pass-2026")
    # then: she is in the console, as the account of her `sub`, with a moderator's rights
    assert console.status_code == 200
    assert console.url == f"{live_server.url}/admin/"
    assert "CrewUp moderator console" in console.text
    maria = User.objects.get(keycloak_id=console_against.users["maria"]["sub"])
    assert (maria.username, maria.is_staff, maria.is_superuser) == ("maria", True, False)
    assert not maria.has_usable_password()
    # when: she bans a user from the users list
    changelist = f"{live_server.url}/admin/accounts/user/"
    form = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "action": "ban_users",
        "_selected_action": str(target.id),
    }
    asked = browser.post(changelist, data=form, headers={"Referer": changelist})
    done = browser.post(
        changelist,
        data={**form, "apply": "Confirm", "reason": REASON},
        headers={"Referer": changelist},
    )
    # then: the same path as the API: ban, audit row, outbox row
    assert asked.status_code == 200
    assert (done.status_code, done.url) == (200, changelist)
    assert "Banned 1 user(s)." in done.text
    ban = Ban.objects.get(user=target)
    assert (ban.created_by_id, ban.reason) == (maria.id, REASON)
    assert ModerationAction.objects.get().actor_id == maria.id
    assert OutboxMessage.objects.get().routing_key == "user.banned"


@pytest.mark.django_db(transaction=True)
def test_a_user_without_the_role_is_turned_away_by_the_console(
    live_server: Any, console_against: IdentityProvider
) -> None:
    browser = requests.Session()

    landing = sign_in(browser, live_server.url, "alice", "alice-pass-2026")

    assert (landing.status_code, landing.url) == (403, f"{live_server.url}/admin/oidc/denied/")
    alice = User.objects.get(keycloak_id=console_against.users["alice"]["sub"])
    assert (alice.is_staff, alice.is_superuser) == (False, False)
    assert browser.get(f"{live_server.url}/admin/accounts/user/", allow_redirects=False).is_redirect


# --- the console as a moderator reads it, in a real browser (issue #15, item 7) ---

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
# Wider than the viewport: the page or the list's own scroller.
OVERFLOW = """() => {
  const results = document.querySelector('#changelist-form .results');
  return {
    page: document.documentElement.scrollWidth,
    table: results ? results.scrollWidth - results.clientWidth : 0,
  };
}"""


@dataclass
class Seeded:
    message_report: Report
    event_report: Report
    crew_report: Report
    resolved_report: Report


def _seed_a_day_of_moderation() -> Seeded:
    """Reports of each kind, a ban and their audit rows, written as the services write them."""
    mona = console_access_sync(
        user_id=UserFactory(username="mona", first_name="Mona", last_name="Lind").id,
        roles=["moderator", "user"],
    )
    alice = UserFactory(username="alice.a", display_name_override="Alice Andersson")
    bob = UserFactory(username="bob.b", display_name_override="Bobby Tables")
    olle = UserFactory(username="olle", first_name="Olle", last_name="Organizer")
    troll = UserFactory(username="troll", display_name_override="Mr Troll")
    event = EventFactory(
        title="Jazz by the river",
        organizer=olle,
        venue_name="Kulturens hus",
        address="Skeppsbrogatan 17, Luleå",
    )
    crew = GroupFactory(name="Front row", event=event, created_by=olle)
    MembershipFactory(group=crew, user=bob)
    MembershipFactory(group=crew, user=alice)
    message = message_send(
        group_id=crew.id, sender_id=bob.id, body="Buy cheap pills at my site, DM me for the link"
    )
    reports = [
        report_create(reporter_id=alice.id, target_type=kind, target_id=target_id, reason=why)[0]
        for kind, target_id, why in (
            ("message", message.id, "Selling drugs in our crew chat."),
            ("event", event.id, "This event does not exist, the venue knows nothing of it."),
            ("crew", crew.id, "The crew name is fine but the description is a scam."),
            ("user", troll.id, "Sends threatening messages to everyone in my crew."),
        )
    ]
    report_take(report_id=reports[1].id, moderator_id=mona.id)
    report_resolve(
        report_id=reports[3].id, moderator_id=mona.id, action="dismiss", note="Not a threat."
    )
    # The ban as `user_ban` leaves it, without its bus event: this test's thread would keep the
    # relay trigger's broker connection into later tests (moderation_service.tasks._trigger).
    ban = BanFactory(user=troll, created_by=mona, reason="Threats in three crew chats.")
    ModerationActionFactory(
        actor=mona,
        action=ActionCode.USER_BANNED,
        target_type=TargetType.USER,
        target_id=troll.id,
        reason=ban.reason,
    )
    return Seeded(*reports)


def _sign_in_with_chromium(page: Any, console_url: str) -> None:
    page.goto(f"{console_url}/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", "maria-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{console_url}/admin/")


def _look(page: Any, name: str) -> str:
    """Save the screenshot, and return the page's visible text, checked for ids and overflow."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    overflow = page.evaluate(OVERFLOW)
    assert overflow["page"] <= VIEWPORT["width"], (name, overflow)
    assert overflow["table"] <= 0, (name, overflow)
    return " ".join(page.inner_text("#content").split())


@pytest.mark.django_db(transaction=True)
def test_a_moderator_reads_the_console_in_chromium(
    live_server: Any, console_against: IdentityProvider
) -> None:
    # given: a day of reports, bans and audit rows
    seeded = _seed_a_day_of_moderation()
    SCREENSHOTS.mkdir(exist_ok=True)
    reports = f"{live_server.url}/admin/moderation/report/"
    # Playwright's sync API runs an event loop in this thread, where Django refuses the ORM:
    # everything is seeded before the browser starts and checked after it stops.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport=VIEWPORT)
        # when: maria signs in at the provider, in the browser
        _sign_in_with_chromium(page, live_server.url)
        greeting = " ".join((page.text_content("#user-tools") or "").split())
        index = _look(page, "index")
        # when: she opens the reports
        page.goto(reports)
        queue = _look(page, "reports")
        queue_rows = page.locator("#result_list tbody tr").count()
        selected_filter = page.inner_text("#changelist-filter li.selected >> nth=0")
        page.click("#changelist-filter a[href='?status=all']")
        page.wait_for_url(f"{reports}?status=all")
        every_rows = page.locator("#result_list tbody tr").count()
        page.goto(reports)
        page.click(f"#result_list a[href^='/admin/moderation/report/{seeded.message_report.id}/']")
        page.wait_for_url(f"{reports}{seeded.message_report.id}/change/**")
        message_report = _look(page, "report-message")
        preview = page.inner_text(".cu-preview")
        page.goto(f"{reports}{seeded.event_report.id}/change/")
        event_preview = page.inner_text(".cu-preview")
        _look(page, "report-event")
        # when: the audit log and the bans
        page.goto(f"{live_server.url}/admin/moderation/moderationaction/")
        audit = _look(page, "audit-log")
        page.goto(f"{live_server.url}/admin/moderation/ban/")
        bans = _look(page, "bans")
        # and every other list of the console fits the screen too
        others = {}
        for href in page.eval_on_selector_all(
            "#nav-sidebar a[href$='/']", "links => links.map(link => link.getAttribute('href'))"
        ):
            page.goto(f"{live_server.url}{href}")
            others[href] = page.evaluate(OVERFLOW)
            name = href.strip("/").replace("/", "-")
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        browser.close()
    # then: her name, not her subject
    assert "Welcome, Maria Moderator" in greeting
    assert "Moderation" in index
    # then: the queue by default, with names and labels, and "All" a click away
    assert selected_filter == "Open or in review"
    assert (queue_rows, every_rows) == (3, 4)
    assert not re.search(UUID_PATTERN, queue)
    assert "Alice Andersson @alice.a" in queue
    assert "Bobby Tables @bob.b" in queue
    assert "In review @mona" in queue
    assert "Jazz by the river" in queue
    assert "Front row (Jazz by the river)" in queue
    # then: the report's page shows what was reported
    assert "Buy cheap pills at my site, DM me for the link" in preview
    assert "Front row" in preview
    assert "Bobby Tables @bob.b" in preview
    assert "Selling drugs in our crew chat." in message_report
    assert "Kulturens hus, Skeppsbrogatan 17, Luleå" in event_preview
    # then: the audit log and the bans name the moderators and their targets
    assert not re.search(UUID_PATTERN, audit)
    assert "Mona Lind @mona" in audit
    assert "Mr Troll @troll" in audit
    assert "event report by @alice.a" in audit
    assert not re.search(UUID_PATTERN, bans)
    assert "Mr Troll @troll" in bans
    assert "Threats in three crew chats." in bans
    too_wide = {
        href: sizes
        for href, sizes in others.items()
        if sizes["page"] > VIEWPORT["width"] or sizes["table"] > 0
    }
    assert too_wide == {}
    assert Report.objects.filter(status="open").count() == 2
