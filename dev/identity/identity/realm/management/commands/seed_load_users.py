"""Create N generated users for the whole-system load test (`bench/load_mix.py`); idempotent."""

from __future__ import annotations

import json

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from identity.realm.models import ROLE_USER, User
from identity.realm.services import role_ensure

# A development realm only: every generated user shares this known password.
LOAD_PASSWORD = "load-pass-2026"  # noqa: S105


def load_username(prefix: str, index: int) -> str:
    return f"{prefix}-{index:04d}"


class Command(BaseCommand):
    help = "Create the load test's users <prefix>-0001 ... (role user); print them as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--prefix", default="load")

    @transaction.atomic
    def handle(self, *args, count: int, prefix: str, **options):
        if not 1 <= count <= 10_000:
            raise CommandError("--count must be between 1 and 10000.")
        usernames = [load_username(prefix, index) for index in range(1, count + 1)]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        # One hash for all: hashing each password separately would cost a second per user.
        password = make_password(LOAD_PASSWORD)
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    password=password,
                    email=f"{username}@load.crewup.test",
                    email_verified=True,
                    first_name="Load",
                    last_name=username.rsplit("-", 1)[1],
                )
                for username in usernames
                if username not in existing
            ]
        )
        role = role_ensure(name=ROLE_USER)
        users = list(User.objects.filter(username__in=usernames).order_by("username"))
        role.user_set.add(*users)
        self.stdout.write(
            json.dumps(
                [
                    {"username": user.username, "password": LOAD_PASSWORD, "sub": str(user.pk)}
                    for user in users
                ]
            )
        )
