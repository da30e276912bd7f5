"""Create this provider's PostgreSQL database if it does not exist yet."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database named in IDENTITY_DATABASE_URL if it is missing."

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        name = database["NAME"]
        connection_arguments = {
            "dbname": "postgres",
            "user": database.get("USER") or None,
            "password": database.get("PASSWORD") or None,
            "host": database.get("HOST") or None,
            "port": database.get("PORT") or None,
        }
        with psycopg.connect(
            **{key: value for key, value in connection_arguments.items() if value},
            autocommit=True,
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists:
                self.stdout.write(f"Database {name} exists.")
                return
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(f"Database {name} created.")
