"""The notifier's throughput, beside the relay's alone, and 10,000 reminders due in one minute.

Every part real: the bench database, a RabbitMQ virtual host of this run, the user service's
Celery worker (prefork, two processes, as `make run` starts it) and the outbox relay of
`shared.messaging.publisher`. Three measurements, in one run:

1. relay alone (the baseline): N `join_request.approved` events written to the outbox, then
   relayed (publisher confirms) into a queue that a plain kombu consumer drains: events/s from
   the first write to the last message consumed; beside it, the floor of applying each event
   once: one transaction per event that records it and does nothing else;
2. the notifier: the same N events relayed to the user worker, which stores a notification
   for each (and tells the person's open sockets): events/s until all N are stored;
3. reminders: `--events` events starting in 90 minutes with `--going` people going each
   (10,000 reminders by default), all due at once. The scheduler issues one reminder event per
   event; the notifier fans each out. Reported: the time until every person has theirs, and
   the duplicates (must be 0), after the scheduler ran twice.

Usage: `uv run python bench/bench_notifier.py [--events-n 2000] [--events 100] [--going 100]`.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import timedelta

from bench_alert_push import celery_worker
from bench_safety import machine_cpu, prepare_database, service_env

TARGET_REMINDER_SECONDS = 60.0


def wait_until(predicate, *, timeout: float, what: str) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return time.perf_counter()


def users(count: int, run: str) -> list:
    from shared.accounts.models import User

    return User.objects.bulk_create(
        [User(keycloak_id=str(uuid.uuid4()), username=f"n-{run}-{i}") for i in range(count)]
    )


def write_events(people: list, group_id: uuid.UUID) -> None:
    from django.db import transaction

    from shared.messaging.outbox import outbox_enqueue
    from shared.messaging.schemas import JoinRequestApproved

    with transaction.atomic():
        for person in people:
            outbox_enqueue(
                event=JoinRequestApproved(
                    request_id=uuid.uuid4(), group_id=group_id, user_id=person.id
                )
            )


def relay_alone(count: int, run: str) -> float:
    """Events/s through the outbox and RabbitMQ to a plain consumer (no handler)."""
    from kombu import Connection, Consumer, Exchange, Queue

    from shared.groups.tests.factories import GroupFactory
    from shared.messaging.publisher import outbox_relay

    people, group = users(count, f"{run}r"), GroupFactory()
    received = 0
    with Connection(os.environ["RABBITMQ_URL"]) as connection:
        queue = Queue(
            f"bench.relay-{run}",
            Exchange("groups.events", type="topic", durable=True),
            routing_key="join_request.approved",
            auto_delete=True,
        )
        queue(connection.default_channel).declare()

        def on_message(body, message) -> None:
            nonlocal received
            received += 1
            message.ack()

        with Consumer(connection, queues=[queue], callbacks=[on_message], prefetch_count=200):
            started = time.perf_counter()
            write_events(people, group.id)
            outbox_relay()
            while received < count:
                connection.drain_events(timeout=30)
            return count / (time.perf_counter() - started)


def once_only_floor(count: int) -> float:
    """Events/s of recording each event applied, one transaction each and nothing else: what
    applying events once costs on this database (a commit waits for its WAL flush)."""
    from shared.messaging.consumer import event_apply
    from shared.messaging.schemas import UserUnbanned

    events = [UserUnbanned(user_id=uuid.uuid4(), reason="bench") for _ in range(count)]
    started = time.perf_counter()
    for event in events:
        event_apply(consumer="bench.floor", event=event, handler=lambda _event: None)
    return count / (time.perf_counter() - started)


def notifier(count: int, run: str) -> float:
    """Events/s through the outbox, RabbitMQ and the user worker's notifier, stored."""
    from shared.groups.tests.factories import GroupFactory
    from shared.messaging.publisher import outbox_relay
    from shared.notifications.models import Notification

    people, group = users(count, f"{run}n"), GroupFactory()
    started = time.perf_counter()
    write_events(people, group.id)
    outbox_relay()
    done = wait_until(
        lambda: Notification.objects.filter(recipient__in=people).count() >= count,
        timeout=600,
        what="the notifications",
    )
    return count / (done - started)


def reminders(events: int, going: int, run: str) -> tuple[float, int, int]:
    """(seconds until all reminders are stored, reminders stored, duplicates)."""
    from django.db.models import Count
    from django.utils import timezone

    from shared.events.models import Participation, ParticipationStatus
    from shared.events.tests.factories import EventFactory
    from shared.messaging.publisher import outbox_relay
    from shared.notifications.models import Notification
    from shared.notifications.reminders import event_reminders_issue

    people = users(going, f"{run}m")
    starts = timezone.now() + timedelta(minutes=90)
    created = [
        EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), title=f"R{i} {run}")
        for i in range(events)
    ]
    Participation.objects.bulk_create(
        [
            Participation(event=event, user=person, status=ParticipationStatus.GOING)
            for event in created
            for person in people
        ],
        ignore_conflicts=True,  # each event's organizer is going already
    )
    expected = Participation.objects.filter(
        event__in=created, status=ParticipationStatus.GOING
    ).count()
    started = time.perf_counter()
    # (the bench database may hold other runs' events that fall due too)
    issued = event_reminders_issue()
    again = event_reminders_issue()  # a second sweep, as after a restart, adds nothing
    assert issued >= events, issued
    assert again == 0, again
    outbox_relay()
    stored = Notification.objects.filter(
        kind="event.reminder", payload__event_id__in=[str(e.id) for e in created]
    )
    done = wait_until(lambda: stored.count() >= expected, timeout=600, what="the reminders")
    time.sleep(2)  # anything late would be a duplicate: give it the chance to show
    duplicates = (
        stored.values("recipient_id", "payload__event_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return done - started, stored.count(), duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events-n", type=int, default=2000, help="events for 1 and 2")
    parser.add_argument("--events", type=int, default=100, help="events starting soon (3)")
    parser.add_argument("--going", type=int, default=100, help="people going to each (3)")
    args = parser.parse_args()

    from shared.messaging.testing import rabbitmqctl, url_with_vhost

    vhost = f"crewup-bench-notifier-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    env = service_env("http://127.0.0.1:1/realms/unused")
    env |= {
        "RABBITMQ_URL": url_with_vhost(env["RABBITMQ_URL"], vhost),
        "OUTBOX_RELAY_AFTER_COMMIT": "false",  # the bench relays itself, to time it
    }
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "user_service.settings"})
    prepare_database(env)
    import django

    django.setup()
    from shared.messaging.models import OutboxMessage

    OutboxMessage.objects.filter(published_at__isnull=True).delete()  # earlier runs' leftovers
    run = uuid.uuid4().hex[:6]
    try:
        busy_before, total_before = machine_cpu()
        # Before the worker runs: its queue would take these events too.
        relay_rate = relay_alone(args.events_n, run)
        floor_rate = once_only_floor(args.events_n)
        with celery_worker({**env, "DJANGO_SETTINGS_MODULE": "user_service.settings"}):
            time.sleep(5)  # the worker declares its queues
            notifier_rate = notifier(args.events_n, run)
            seconds, stored, duplicates = reminders(args.events, args.going, run)
            busy_after, total_after = machine_cpu()
    finally:
        rabbitmqctl("delete_vhost", vhost)

    print(f"\n## Notifier throughput, {args.events_n} events\n")
    print("| path | events/s |")
    print("|---|---:|")
    print(f"| relay alone: outbox → RabbitMQ → a plain consumer (baseline) | {relay_rate:.0f} |")
    print(
        f"| one transaction per event that only records it (once-only floor) | {floor_rate:.0f} |"
    )
    print(
        f"| notifier: outbox → RabbitMQ → user worker → notification stored | {notifier_rate:.0f} |"
    )
    print(
        f"\nnotifier {notifier_rate / relay_rate:.2f}x the relay alone, "
        f"{notifier_rate / floor_rate:.2f}x the once-only floor (one worker process consumes)"
    )
    verdict = "ok" if seconds <= TARGET_REMINDER_SECONDS and duplicates == 0 else "MISSED"
    print(
        f"\n## Reminders: {args.events} events x {args.going} going, due at once\n\n"
        f"{stored} reminders stored in {seconds:.1f} s ({stored / seconds:.0f}/s), "
        f"{duplicates} duplicates (target: all within {TARGET_REMINDER_SECONDS:.0f} s, "
        f"0 duplicates: {verdict})"
    )
    busy = (busy_after - busy_before) / max(1e-9, total_after - total_before)
    print(f"machine: {os.cpu_count()} cores, {busy * 100:.0f}% busy during the run")


if __name__ == "__main__":
    main()
