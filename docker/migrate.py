"""Migrate the one shared schema, once, under a PostgreSQL advisory lock.

The Helm pre-install/pre-upgrade Job runs this (`entrypoint.sh migrate`). The moderation
service composes every domain app, so its settings see every migration (scripts/migrate.sh
does the same locally). The lock makes a second run that overlaps (a retried Job, two syncs
at once) wait for the first instead of racing it. Extra arguments go to `migrate`.
"""

import os
import sys

import django

# "crewup" as a number: the key every migrator of this database agrees on.
ADVISORY_LOCK_KEY = 0x637265777570


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_service.settings")
    django.setup()

    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
    try:
        call_command("migrate", *sys.argv[1:], interactive=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


if __name__ == "__main__":
    main()
