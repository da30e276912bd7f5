"""Safety alert to push: from the alert's POST until the push services of 50 members have it.

The whole way an alert takes to a crew whose app is closed, every part a real process on
loopback, on the bench database and a RabbitMQ virtual host of this run:
- the event and group services (REST) and the safety service under gunicorn, as deployed;
- the safety service writes the alert and its `alert.raised` event in one transaction, and its
  relay thread publishes the event right after the commit (publisher confirms);
- the user service's Celery worker (prefork, as `make run` starts it): its notifier stores a
  notification and a push delivery for each member, then a task sends the 50 pushes side by
  side (RFC 8291 encryption, a VAPID token per push service);
- a local push service (HTTP, as FCM or Mozilla's) records when each push arrives.

Baseline, in the same run: the bench process itself sends the same 50 pushes straight to the
same push service (`push_send_many`: encryption, VAPID, HTTP) — the part of the way that no
design can skip. Target: alert → 50 pushes p95 <= 250 ms. Printed, never enforced.

Usage: `uv run python bench/bench_alert_push.py [--rounds 60] [--members 50]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
from bench_safety import (
    LOG_DIR,
    ROOT,
    SERVICE_CLIENT_ID,
    SERVICE_CLIENT_SECRET,
    gunicorn,
    machine_cpu,
    percentile,
    prepare_database,
    service_env,
)

TARGET_P95 = 0.250
WARM_UP_ROUNDS = 3


@contextlib.contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The user service's worker, prefork with two processes, as `make run` starts it."""
    args = [sys.executable, "-m", "celery", "-A", "user_service", "worker", "-n",
            f"bench-user-{uuid.uuid4().hex[:6]}@%h", "-c", "2", "--loglevel", "WARNING",
            "--without-mingle", "--without-gossip"]  # fmt: skip
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / "user-worker.log").open("wb") as log:
        popen = subprocess.Popen(
            args,
            cwd=ROOT / "user_service",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield popen
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGTERM)
            popen.wait(timeout=30)


def new_crews(size: int, push_service) -> tuple[list[str], list, list]:
    """A sender and `size` members in two crews (a crew holds at most 50), each member's
    browser subscribed to push; the alert goes to both crews."""
    from shared.accounts.models import User
    from shared.events.tests.factories import EventFactory
    from shared.groups.models import Group, MemberRole, Membership
    from shared.notifications.models import PushSubscription
    from shared.notifications.testing.browser import BrowserSubscription

    run = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [User(keycloak_id=str(uuid.uuid4()), username=f"push-{run}-{i}") for i in range(size + 1)]
    )
    sender, members = users[0], users[1:]
    event = EventFactory(organizer=sender, title=f"Bench night {run}")
    halves = [members[: size // 2], members[size // 2 :]]
    group_ids = []
    for number, half in enumerate(halves):
        group = Group.objects.create(
            event=event, name=f"Push crew {run} {number}", max_members=len(half) + 1,
            created_by=sender, member_count=len(half) + 1,
        )  # fmt: skip
        Membership.objects.bulk_create(
            [Membership(group=group, user=sender, role=MemberRole.OWNER)]
            + [Membership(group=group, user=member, role=MemberRole.MEMBER) for member in half]
        )
        group_ids.append(str(group.id))
    browsers = [BrowserSubscription(push_service.endpoint()) for _ in members]
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(user=u, endpoint=b.endpoint, p256dh=b.p256dh, auth=b.auth)
            for u, b in zip(members, browsers, strict=True)
        ]
    )
    return group_ids, users, browsers


def wait_for_queue(url: str, name: str, timeout: float = 90.0) -> None:
    from shared.messaging.testing import Bus

    bus, deadline = Bus(url), time.monotonic() + timeout
    while not bus.queue_exists(name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the worker did not declare {name} in {timeout:.0f} s")
        time.sleep(0.2)


def wait_for(push_service, count: int, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while len(push_service.requests) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(push_service.requests)} of {count} pushes arrived")
        time.sleep(0.002)
    return push_service.requests


def row(name: str, samples: list[float]) -> str:
    return (
        f"| {name} | {len(samples)} | {percentile(samples, 0.5) * 1000:.1f} | "
        f"{percentile(samples, 0.95) * 1000:.1f} | {percentile(samples, 0.99) * 1000:.1f} | "
        f"{max(samples) * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=60, help="measured alerts")
    parser.add_argument("--members", type=int, default=50, help="members who get the push")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between alerts")
    args = parser.parse_args()

    from shared.messaging.testing import rabbitmqctl, url_with_vhost
    from shared.notifications.testing.push_service import LocalPushService
    from shared.notifications.webpush import vapid_key_pair_generate
    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    provider.register_client(SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET)
    push_service = LocalPushService().start()
    private_key, public_key = vapid_key_pair_generate()
    vhost = f"crewup-bench-push-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    env = service_env(provider.issuer)
    env |= {
        "RABBITMQ_URL": url_with_vhost(env["RABBITMQ_URL"], vhost),
        "WEBPUSH_VAPID_PRIVATE_KEY": private_key,
        "WEBPUSH_VAPID_PUBLIC_KEY": public_key,
        "WEBPUSH_VAPID_SUBJECT": "mailto:bench@crewup.local",
        "WEBPUSH_ENDPOINT_ORIGINS": push_service.origin,
        "SAFETY_ALERT_RATE_LIMIT": "1000000",
    }
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "user_service.settings"})
    prepare_database(env)
    import django

    django.setup()
    from shared.notifications.webpush import PushMessage, push_send_many

    group_ids, users, browsers = new_crews(args.members, push_service)
    token = provider.make_token(sub=users[0].keycloak_id, username=users[0].username)

    pipeline: list[float] = []
    answered: list[float] = []
    direct: list[float] = []
    try:
        with (
            gunicorn("event", env, 2) as event,
            gunicorn("group", env, 2) as group,
            gunicorn(
                "safety",
                {
                    **env,
                    "EVENT_SERVICE_URL": event.url,
                    "GROUP_SERVICE_URL": group.url,
                    "SERVICE_CLIENT_ID": SERVICE_CLIENT_ID,
                    "SERVICE_CLIENT_SECRET": SERVICE_CLIENT_SECRET,
                },
                2,
            ) as safety,
            celery_worker({**env, "DJANGO_SETTINGS_MODULE": "user_service.settings"}),
            httpx.Client(base_url=safety.url, timeout=10) as http,
        ):
            # The worker declares its queue when it has started: an alert relayed before
            # that would be dropped (on two busy cores, starting took over 5 s).
            wait_for_queue(env["RABBITMQ_URL"], "user.notifications")
            busy_before, total_before = machine_cpu()
            for number in range(args.rounds + WARM_UP_ROUNDS):
                warm = number >= WARM_UP_ROUNDS
                # the pipeline: POST → the 50 push services
                seen = len(push_service.requests)
                started = time.perf_counter()
                response = http.post(
                    "/api/v1/safety/alerts/",
                    json={"group_ids": group_ids, "alert_type": "help", "message": "bench"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                done = time.perf_counter()
                if response.status_code != 201:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                arrived = wait_for(push_service, seen + args.members)[seen:]
                if warm:
                    pipeline.append(max(r.received_at for r in arrived) - started)
                    answered.append(done - started)
                time.sleep(args.pause)
                # the baseline: the same 50 pushes, straight from here
                seen = len(push_service.requests)
                started = time.perf_counter()
                push_send_many(
                    [
                        PushMessage(
                            endpoint=b.endpoint,
                            p256dh=b.p256dh,
                            auth=b.auth,
                            payload={"title": "bench", "body": "bench", "url": "/safety"},
                            urgency="high",
                            ttl=900,
                        )
                        for b in browsers
                    ]
                )
                arrived = wait_for(push_service, seen + args.members)[seen:]
                if warm:
                    direct.append(max(r.received_at for r in arrived) - started)
                time.sleep(args.pause)
            busy_after, total_after = machine_cpu()
    finally:
        push_service.stop()
        provider.stop()
        rabbitmqctl("delete_vhost", vhost)

    print(f"\n## Safety alert → push at {args.members} members, {args.rounds} rounds\n")
    print(
        "| latency (the last of the members' pushes) | samples | p50 ms | p95 ms | p99 ms | max ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    print(row("alert POST → 50 pushes received", pipeline))
    print(row("baseline: the 50 pushes sent straight (push_send_many)", direct))
    print(row("alert POST answered (201)", answered))
    p95 = percentile(pipeline, 0.95)
    verdict = "ok" if p95 <= TARGET_P95 else "ABOVE TARGET"
    print(
        f"\nalert → pushes p95 {p95 * 1000:.1f} ms (target <= {TARGET_P95 * 1000:.0f} ms: "
        f"{verdict}); {p95 / percentile(direct, 0.95):.2f}x the baseline p95; medians "
        f"{statistics.median(pipeline) * 1000:.1f} vs {statistics.median(direct) * 1000:.1f} ms"
    )
    busy = (busy_after - busy_before) / max(1e-9, total_after - total_before)
    print(f"machine: {os.cpu_count()} cores, {busy * 100:.0f}% busy during the run")


if __name__ == "__main__":
    main()
