"""Create the realm's roles, clients and demo users; running it again changes nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application

from identity.oidc import issuer
from identity.realm.models import (
    REALM_ROLES,
    ROLE_ADMIN,
    ROLE_MODERATOR,
    ROLE_SERVICE,
    ROLE_USER,
)
from identity.realm.selectors import user_roles
from identity.realm.services import (
    client_upsert,
    role_ensure,
    service_account_upsert,
    user_upsert,
)

# Known passwords, for a development realm only.
DEMO_USERS: tuple[dict[str, Any], ...] = (
    {
        "username": "alice",
        "password": "alice-pass-2026",
        "given_name": "Alice",
        "family_name": "Andersson",
        "roles": [ROLE_USER],
    },
    {
        "username": "bob",
        "password": "bob-pass-2026",
        "given_name": "Bob",
        "family_name": "Berg",
        "roles": [ROLE_USER],
    },
    {
        "username": "maria",
        "password": "maria-pass-2026",
        "given_name": "Maria",
        "family_name": "Moderator",
        "roles": [ROLE_USER, ROLE_MODERATOR],
    },
    {
        "username": "adam",
        "password": "adam-pass-2026",
        "given_name": "Adam",
        "family_name": "Admin",
        "roles": [ROLE_USER, ROLE_MODERATOR, ROLE_ADMIN],
    },
)


def _origins_with_path(uris: list[str], path: str) -> list[str]:
    """Return the distinct `scheme://host` of `uris`, each followed by `path`."""
    origins = {f"{urlsplit(uri).scheme}://{urlsplit(uri).netloc}" for uri in uris}
    return [f"{origin}{path}" for origin in sorted(origins)]


class Command(BaseCommand):
    help = "Create the crewup realm's roles, clients and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="print the result as JSON, for scripts"
        )

    def handle(self, *args, **options):
        for role in (*REALM_ROLES, ROLE_SERVICE):
            role_ensure(name=role)
        clients = [
            client_upsert(
                client_id="crewup-spa",
                name="CrewUp web app",
                client_type=Application.CLIENT_PUBLIC,
                grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=settings.IDENTITY_SPA_REDIRECT_URIS,
                post_logout_redirect_uris=_origins_with_path(
                    settings.IDENTITY_SPA_REDIRECT_URIS, "/"
                ),
            ),
            client_upsert(
                client_id="crewup-admin",
                name="CrewUp moderator console (Django admin)",
                client_type=Application.CLIENT_CONFIDENTIAL,
                grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=settings.IDENTITY_ADMIN_REDIRECT_URIS,
                post_logout_redirect_uris=_origins_with_path(
                    settings.IDENTITY_ADMIN_REDIRECT_URIS, "/admin/"
                ),
                client_secret=settings.IDENTITY_ADMIN_CLIENT_SECRET,
            ),
            client_upsert(
                client_id="crewup-cli",
                name="CrewUp command line (direct access grants)",
                client_type=Application.CLIENT_PUBLIC,
                grant_type=Application.GRANT_PASSWORD,
            ),
            # The safety service calls the group service's internal endpoints as itself.
            client_upsert(
                client_id="crewup-safety",
                name="CrewUp safety service (service account)",
                client_type=Application.CLIENT_CONFIDENTIAL,
                grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                client_secret=settings.IDENTITY_SAFETY_CLIENT_SECRET,
            ),
        ]
        service_accounts = [
            service_account_upsert(client_id="crewup-safety", roles=[ROLE_SERVICE]),
        ]
        users = [
            user_upsert(
                username=demo["username"],
                password=demo["password"],
                email=f"{demo['username']}@crewup.test",
                given_name=demo["given_name"],
                family_name=demo["family_name"],
                roles=demo["roles"],
            )
            for demo in DEMO_USERS
        ]
        rows = [
            {
                "username": user.username,
                "password": demo["password"],
                "roles": user_roles(user=user),
                "email": user.email,
                "sub": str(user.pk),
            }
            for user, demo in zip(users, DEMO_USERS, strict=True)
        ]
        if options["json"]:
            document = {
                "issuer": issuer(),
                "clients": [client.client_id for client in clients],
                "users": rows,
                "service_accounts": [
                    {
                        "username": account.username,
                        "roles": user_roles(user=account),
                        "sub": str(account.pk),
                    }
                    for account in service_accounts
                ],
            }
            self.stdout.write(json.dumps(document, indent=2))
            return
        self.stdout.write(f"Realm {issuer()}")
        self.stdout.write("Clients: " + ", ".join(client.client_id for client in clients))
        self.stdout.write("")
        self.stdout.write(f"{'username':<10} {'password':<17} roles")
        self.stdout.write(f"{'-' * 10} {'-' * 17} {'-' * 24}")
        for row in rows:
            self.stdout.write(
                f"{row['username']:<10} {row['password']:<17} {', '.join(row['roles'])}"
            )
