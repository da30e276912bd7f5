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

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.moderation.models import Ban, ModerationAction

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
