import json
from io import StringIO

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from oauth2_provider.models import Application

from identity.realm.models import User
from tests.helpers import ADMIN_REDIRECT_URI, SPA_REDIRECT_URI


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_identity", *args, stdout=out)
    return out.getvalue()


def test_seed_prints_the_demo_users_with_passwords_and_roles(db):
    output = _seed()

    lines = output.splitlines()
    assert "alice      alice-pass-2026   user" in lines
    assert "bob        bob-pass-2026     user" in lines
    assert "maria      maria-pass-2026   moderator, user" in lines
    assert "adam       adam-pass-2026    admin, moderator, user" in lines


def test_seed_creates_the_clients_keycloak_has(db):
    _seed()

    spa = Application.objects.get(client_id="crewup-spa")
    admin = Application.objects.get(client_id="crewup-admin")
    cli = Application.objects.get(client_id="crewup-cli")
    assert (spa.client_type, spa.authorization_grant_type) == ("public", "authorization-code")
    assert SPA_REDIRECT_URI in spa.redirect_uris.split()
    assert "http://127.0.0.1:5173/auth/callback" in spa.redirect_uris.split()
    assert (admin.client_type, admin.authorization_grant_type) == (
        "confidential",
        "authorization-code",
    )
    assert admin.redirect_uris.split() == [
        "http://127.0.0.1:8080/admin/oidc/callback/",
        ADMIN_REDIRECT_URI,
    ]
    assert (cli.client_type, cli.authorization_grant_type) == ("public", "password")
    assert {spa.algorithm, admin.algorithm, cli.algorithm} == {"RS256"}


def test_seed_is_idempotent(db):
    # given
    first = json.loads(_seed("--json"))

    # when
    second = json.loads(_seed("--json"))

    # then
    assert second == first
    assert User.objects.count() == 5  # four demo users and the safety service's account
    assert Application.objects.count() == 4
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "admin",
        "moderator",
        "service",
        "user",
    ]
    maria = User.objects.get(username="maria")
    assert maria.check_password("maria-pass-2026")
    admin_client = Application.objects.get(client_id="crewup-admin")
    assert check_password("crewup-admin-dev-secret", admin_client.client_secret)
    assert sorted(maria.groups.values_list("name", flat=True)) == ["moderator", "user"]


def test_seed_restores_roles_changed_since(db):
    _seed()
    maria = User.objects.get(username="maria")
    maria.groups.clear()

    _seed()

    assert sorted(maria.groups.values_list("name", flat=True)) == ["moderator", "user"]


def test_seed_json_names_the_issuer_and_each_users_subject(db):
    document = json.loads(_seed("--json"))

    assert document["issuer"] == "http://127.0.0.1:8090/realms/crewup"
    assert document["clients"] == ["crewup-spa", "crewup-admin", "crewup-cli", "crewup-safety"]
    by_name = {user["username"]: user for user in document["users"]}
    assert by_name["adam"]["roles"] == ["admin", "moderator", "user"]
    assert by_name["alice"]["sub"] == str(User.objects.get(username="alice").pk)


def test_seed_creates_the_safety_service_client_and_its_service_account(db):
    document = json.loads(_seed("--json"))

    safety = Application.objects.get(client_id="crewup-safety")
    assert (safety.client_type, safety.authorization_grant_type) == (
        "confidential",
        "client-credentials",
    )
    assert check_password("crewup-safety-dev-secret", safety.client_secret)
    assert safety.redirect_uris == ""
    account = User.objects.get(username="service-account-crewup-safety")
    assert sorted(account.groups.values_list("name", flat=True)) == ["service"]
    assert not account.has_usable_password()
    assert document["service_accounts"] == [
        {"username": "service-account-crewup-safety", "roles": ["service"], "sub": str(account.pk)}
    ]
    # no person holds the service role
    assert [user["username"] for user in document["users"] if "service" in user["roles"]] == []


def test_seed_load_users_creates_users_who_can_sign_in_and_is_idempotent(db):
    # given
    out = StringIO()
    call_command("seed_load_users", "--count", "3", "--prefix", "t", stdout=out)

    # when
    again = StringIO()
    call_command("seed_load_users", "--count", "3", "--prefix", "t", stdout=again)

    # then
    users = json.loads(again.getvalue())
    assert users == json.loads(out.getvalue())
    assert [user["username"] for user in users] == ["t-0001", "t-0002", "t-0003"]
    stored = User.objects.get(username="t-0002")
    assert check_password(users[1]["password"], stored.password)
    assert [group.name for group in stored.groups.all()] == ["user"]
