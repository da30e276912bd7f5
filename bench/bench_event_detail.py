"""(a) event detail GET with a JWT against a bare WSGI hello-world, (b) with against without JWT.

Every row runs on the same gunicorn settings in this process's run; the service reads the
same database as `make run` and trusts the running identity provider (start it with `make up`).
Targets: (a) >= 0.40x the hello-world, (b) >= 0.80x the anonymous GET (no JWKS fetch per request).
Two more rows show how high (a) can go on this stack at all: the service's own `/healthz`
(Django's middleware; no DRF, no database) and a DRF view with the same JWT authentication and
ban check that reads nothing (`drf_floor_urls.py`).
"""

from __future__ import annotations

import os
import sys
import urllib.request

from lib import (
    BENCH,
    ROOT,
    ROUNDS,
    Figures,
    gunicorn,
    load_dotenv,
    median_of,
    print_rounds,
    print_table,
    wrk,
)
from tokens import password_grant_token


def a_public_event_id(base_url: str) -> str:
    import json

    with urllib.request.urlopen(f"{base_url}/api/v1/events/?page_size=1", timeout=10) as response:
        results = json.load(response)["results"]
    if not results:
        raise SystemExit("no public event to read: run `make up` (it seeds demo events) first")
    return results[0]["id"]


def main() -> None:
    env = load_dotenv()
    os.environ.update({"PYTHONPATH": str(BENCH)})
    pythonpath = f"{BENCH}{os.pathsep}{ROOT / 'event_service'}"
    token = password_grant_token(env["OIDC_ISSUER"])
    with (
        gunicorn("hello_wsgi:application", port=18000, chdir=BENCH, env=env) as hello_url,
        gunicorn(
            "event_service.wsgi", port=18001, chdir=ROOT / "event_service", env=env
        ) as event_url,
        gunicorn(
            "event_service.wsgi",
            port=18003,
            chdir=ROOT / "event_service",
            env={**env, "DJANGO_SETTINGS_MODULE": "drf_floor_settings", "PYTHONPATH": pythonpath},
        ) as floor_url,
    ):
        event_id = a_public_event_id(event_url)
        detail = f"{event_url}/api/v1/events/{event_id}/"
        wrk("warm-up", detail, auth=f"Bearer {token}")
        runs: dict[str, list[Figures]] = {
            "hello": [], "healthz": [], "drf": [], "anonymous": [], "jwt": []
        }  # fmt: skip
        for _ in range(ROUNDS):
            runs["hello"].append(wrk("bare WSGI hello-world", hello_url + "/"))
            runs["healthz"].append(
                wrk("Django /healthz (no DRF, no database)", event_url + "/healthz")
            )
            runs["drf"].append(
                wrk(
                    "DRF view, JWT, no database",
                    floor_url + "/bench/floor/",
                    auth=f"Bearer {token}",
                )
            )
            runs["anonymous"].append(wrk("event detail, no JWT", detail))
            runs["jwt"].append(wrk("event detail, JWT", detail, auth=f"Bearer {token}"))
    hello, healthz, drf, anonymous, authenticated = (median_of(runs[key]) for key in runs)
    print_table(
        f"Event detail GET (gunicorn, same settings for every row; medians of {ROUNDS} rounds)",
        [
            (authenticated, hello, 0.40, "(a)"),
            (authenticated, anonymous, 0.80, "(b)"),
            (healthz, hello, 0.40, "(a)'s ceiling: Django alone"),
            (drf, hello, 0.40, "(a)'s ceiling: any authenticated DRF view"),
        ],
    )
    print()
    print_rounds("(a) JWT detail against hello-world", runs["jwt"], runs["hello"])
    print_rounds("(b) JWT detail against anonymous detail", runs["jwt"], runs["anonymous"])
    failed = [f for f in (hello, healthz, drf, anonymous, authenticated) if f.errors]
    if failed:
        print(f"errors in: {[f.name for f in failed]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
