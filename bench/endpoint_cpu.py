"""CPU per request of each hot endpoint, one request at a time, read from /proc.

Runs against the system that `make up` started, as a load user of `bench/load_mix.py` (run that
once first: it makes the users and their crews). For each endpoint it sends `--requests`
requests one after another through the ingress, and divides the CPU seconds that each part
used meanwhile (the service's processes, PostgreSQL, the ingress) by the number of requests.
A profile of where load_mix's CPU goes, endpoint by endpoint; the load test stays the judge.

Usage: `uv run python bench/endpoint_cpu.py [--requests 200] [--only groups]`
"""

from __future__ import annotations

# load_mix imports locust, which patches the standard library for gevent: it comes first.
from load_mix import (  # isort: skip
    INGRESS,
    NEAR_ME,
    SERVICES,
    TOKENS_FILE,
    LoadUser,
    cpu_by_part,
    load_users,
    prepare_world,
)

import argparse
import json
import statistics
import time
from collections.abc import Callable

import requests

PARTS = (*SERVICES, "postgres", "ingress")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="", help="only the endpoints whose name contains this")
    args = parser.parse_args()
    if not TOKENS_FILE.exists():
        raise SystemExit("Run bench/load_mix.py once first: it makes the load users and crews.")
    users = load_users(20)
    session = requests.Session()
    me = users[0]

    def get(path: str, user: LoadUser = me, **params: object) -> Callable[[], requests.Response]:
        return lambda: session.get(
            f"{INGRESS}/api/v1/{path}", headers=user.headers(), params=params
        )

    events = session.get(
        f"{INGRESS}/api/v1/events/", headers=me.headers(), params={**NEAR_ME, "page_size": 100}
    ).json()
    event_id = events["results"][0]["id"]
    alerts = iter(range(10**6))
    user_crew = {user.username: user.crew_id for user in prepare_world(users).users}
    crew = session.get(f"{INGRESS}/api/v1/groups/{me.crew_id}/", headers=me.headers()).json()

    def raise_alert() -> requests.Response:
        user = users[next(alerts) % len(users)]  # five a minute each: spread over the users
        return session.post(
            f"{INGRESS}/api/v1/safety/alerts/",
            headers=user.headers(),
            json={
                "alert_type": "help",
                "group_ids": [user_crew[user.username]],
                "location": {"lat": 65.58, "lng": 22.15},
            },
        )

    endpoints: dict[str, tuple[str, Callable[[], requests.Response]]] = {
        "GET /events/?lat&lng&radius_km": ("event", get("events/", **NEAR_ME, page_size=100)),
        "GET /events/{id}/": ("event", get(f"events/{event_id}/")),
        "GET /groups/?mine=true": ("group", get("groups/", mine="true")),
        "GET /groups/?event_id": ("group", get("groups/", event_id=crew["event"]["id"])),
        "GET /groups/{id}/": ("group", get(f"groups/{crew['id']}/")),
        "GET /groups/{id}/messages/": ("group", get(f"groups/{crew['id']}/messages/")),
        "GET /users/me/": ("user", get("users/me/")),
        "GET /safety/alerts/mine/": ("safety", get("safety/alerts/mine/")),
        "GET /safety/alerts/?status=open": ("safety", get("safety/alerts/", status="open")),
        "POST /safety/alerts/": ("safety", raise_alert),
    }
    print(
        "| endpoint | requests | wall p50 ms | service CPU ms | postgres CPU ms | ingress CPU ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (service, call) in endpoints.items():
        if args.only not in name:
            continue
        count = min(args.requests, 60) if name.startswith("POST /safety") else args.requests
        for _ in range(5):  # warm: connections, caches
            call()
        before, walls = cpu_by_part(), []
        for _ in range(count):
            started = time.perf_counter()
            response = call()
            walls.append(time.perf_counter() - started)
            if response.status_code >= 400:
                raise SystemExit(f"{name}: {response.status_code} {response.text[:200]}")
        after = cpu_by_part()
        cpu = {part: 1000 * (after.get(part, 0) - before.get(part, 0)) / count for part in PARTS}
        print(
            f"| {name} | {count} | {1000 * statistics.median(walls):.1f} | {cpu[service]:.1f} "
            f"| {cpu['postgres']:.1f} | {cpu['ingress']:.1f} |"
        )
    # Other services' CPU meanwhile (the safety service calls the group and event services).
    print(json.dumps({part: round(after.get(part, 0) - before.get(part, 0), 2) for part in PARTS}))


if __name__ == "__main__":
    main()
