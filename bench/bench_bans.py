"""Ban events over RabbitMQ: latency to enforcement, relay publish rate, backlog drain.

Self-contained: its own RabbitMQ vhost (`crewup-bench-<pid>`, deleted at the end) and its own
database (`crewup_bench_bans`, created and migrated when missing), so a running system and
concurrent test runs neither see nor disturb its events. It starts real Celery workers: the
group service's consumer (which closes banned users' sockets; prefork, one child: as
deployed) and the moderation service's relay worker. The ban itself is enforced at its commit
(moderation writes it to the accounts), so what is measured here is how soon the services
that act on its event (sockets closed, the person told) have done so. Bans are written as the moderation service writes them: an outbox row in the ban's
transaction, whose after-commit hook queues the relay task.

Figures, each with its target:
1. ban -> consumed latency, p50/p95, at 50 bans/s: from the outbox write (the event's
   `occurred_at`) to the group service's record of the event (`ProcessedEvent.processed_at`,
   stamped in the consumer's transaction); both clocks are this machine's. Target p95 <= 500 ms.
2. outbox relay publish rate (rows locked, published with confirms, marked sent) against raw
   kombu publishing with confirms of the same messages on one channel, in the same run.
   Target >= 0.5x.
3. a backlog of 10,000 ban events (written while no relay ran) drained: all published and
   consumed by the group service. Target <= 60 s.

Run: `uv run python bench/bench_bans.py` (needs PostgreSQL/PostGIS, RabbitMQ and root for
`rabbitmqctl`). BENCH_BAN_RATE, BENCH_BAN_COUNT, BENCH_PUBLISH_COUNT, BENCH_BACKLOG,
BENCH_CONSUMER_WORKERS change sizes.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
DATABASE_NAME = "crewup_bench_bans"
RATE = float(os.environ.get("BENCH_BAN_RATE", "50"))
BAN_COUNT = int(os.environ.get("BENCH_BAN_COUNT", "500"))
PUBLISH_COUNT = int(os.environ.get("BENCH_PUBLISH_COUNT", "5000"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "10000"))
# The group service's event consumers run in this many worker processes (replicas): each
# applies one event per transaction, so the rate scales with processes until the database
# is the limit.
CONSUMER_WORKERS = int(os.environ.get("BENCH_CONSUMER_WORKERS", "4"))
CONSUMER = "group"


def base_environment() -> dict[str, str]:
    """The environment of every process here: .env and the real environment, production mode."""
    values: dict[str, str] = {}
    env_file = ROOT / ".env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    values.update(os.environ)
    defaults = {
        "DJANGO_SECRET_KEY": "bench-only-secret-key",
        "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/crewup",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "OIDC_ISSUER": "http://127.0.0.1:8090/realms/crewup",
        "OIDC_AUDIENCE": "crewup-api",
    }
    for name, value in defaults.items():
        values.setdefault(name, value)
    return {
        **values,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


def replace_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + path))


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


def prepare_database(env: dict[str, str]) -> str:
    """Create and migrate the bench database when needed; return its URL."""
    import psycopg

    server = urlsplit(env["DATABASE_URL"])
    url = replace_path(env["DATABASE_URL"], DATABASE_NAME)
    conninfo = (
        f"host={server.hostname or '127.0.0.1'} port={server.port or 5432} "
        f"user={server.username or 'postgres'} dbname=postgres"
        + (f" password={server.password}" if server.password else "")
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT / "moderation_service",
        env={**env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"},
        check=True,
    )
    return url


class Worker:
    """A Celery worker subprocess, in its own session so the whole pool is stopped together."""

    def __init__(self, name: str, service: str, env: dict[str, str], *args: str) -> None:
        RUN_DIR.mkdir(exist_ok=True)
        self.log_path = RUN_DIR / f"bench-bans-{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", service, "worker", "--loglevel", "WARNING",
            "-n", f"bench-{name}-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
            *args,
        ]  # fmt: skip
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT / service,
                env={**env, "DJANGO_SETTINGS_MODULE": f"{service}.settings"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.02) -> float:
    """Poll until `predicate()`; return the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def make_users(count: int, tag: str) -> list:
    from shared.accounts.models import User

    users = [
        User(keycloak_id=f"bench-{tag}-{index}-{uuid.uuid4()}", username=f"bench-{tag}-{index}")
        for index in range(count)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    return users


def raw_batched_confirms(channel, events, exchange_name: str, batch: int = 500) -> None:
    """Publish with py-amqp on a confirm-mode channel, waiting once per `batch` for the acks."""
    import json

    from amqp import Message

    # RabbitMQ confirms a channel's publishes in order: the highest tag acked says how many.
    state = {"acked": 0, "published": 0}

    def on_ack(delivery_tag: int, multiple: bool) -> None:
        state["acked"] = max(state["acked"], delivery_tag)

    channel.events["basic_ack"].add(on_ack)
    for start in range(0, len(events), batch):
        for event in events[start : start + batch]:
            channel.basic_publish(
                Message(
                    json.dumps(event.to_dict()),
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=str(event.event_id),
                    application_headers={"event_type": event.routing_key},
                ),
                exchange=exchange_name,
                routing_key=event.routing_key,
                mandatory=True,
            )
            state["published"] += 1
        while state["acked"] < state["published"]:
            channel.connection.drain_events(timeout=30)


def bench_publish_rates(url: str) -> tuple[float, float, float]:
    """(raw kombu msgs/s, raw batched-confirm msgs/s, relay msgs/s), PUBLISH_COUNT messages each."""
    from django.db import transaction
    from kombu import Connection, Exchange, Producer, Queue

    from shared.messaging.models import OutboxMessage
    from shared.messaging.publisher import outbox_relay
    from shared.messaging.schemas import MODERATION_EXCHANGE, UserBanned

    exchange = Exchange(MODERATION_EXCHANGE, type="topic", durable=True)
    events = [UserBanned(user_id=uuid.uuid4(), reason="Spam links") for _ in range(PUBLISH_COUNT)]
    with Connection(url, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        sink = Queue("bench.sink", exchange=exchange, routing_key="#", durable=True)(channel)
        sink.declare()
        producer = Producer(channel)
        started = time.perf_counter()
        for event in events:
            producer.publish(
                event.to_dict(),
                exchange=exchange,
                routing_key=event.routing_key,
                serializer="json",
                delivery_mode=2,
                mandatory=True,
                message_id=str(event.event_id),
                headers={"event_type": event.routing_key},
                retry=False,
            )
        raw_rate = PUBLISH_COUNT / (time.perf_counter() - started)
        sink.purge()

    with Connection(url) as connection:
        channel = connection.channel()
        channel.confirm_select()
        batched_events = [
            UserBanned(user_id=uuid.uuid4(), reason="Spam links") for _ in range(PUBLISH_COUNT)
        ]
        started = time.perf_counter()
        raw_batched_confirms(channel, batched_events, MODERATION_EXCHANGE)  # the relay's batch
        batched_rate = PUBLISH_COUNT / (time.perf_counter() - started)
        sink = sink(channel)
        sink.purge()

    with Connection(url) as connection:
        sink = sink(connection.channel())

        relay_events = [
            UserBanned(user_id=uuid.uuid4(), reason="Spam links") for _ in range(PUBLISH_COUNT)
        ]
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(
                [
                    OutboxMessage(
                        id=event.event_id,
                        exchange=event.exchange,
                        routing_key=event.routing_key,
                        payload=event.to_dict(),
                    )
                    for event in relay_events
                ],
                batch_size=2000,
            )
        outbox_relay(url=url, max_batches=1, batch_size=1)  # connect and declare, untimed
        started = time.perf_counter()
        result = outbox_relay(url=url)
        relay_rate = (result.published + 1) / (time.perf_counter() - started)
        assert result.pending == 0, result
        sink.purge()
        sink.delete()
    return raw_rate, batched_rate, relay_rate


def consumed(event_ids: list) -> int:
    """How many of these events the consumer has applied."""
    from shared.messaging.models import ProcessedEvent

    return ProcessedEvent.objects.filter(consumer=CONSUMER, event_id__in=event_ids).count()


def bench_latency() -> list[float]:
    """Ban BAN_COUNT users at RATE bans/s; return each ban's latency to its consumer, in ms."""
    from django.db import transaction

    from shared.messaging.models import ProcessedEvent
    from shared.messaging.outbox import outbox_enqueue
    from shared.messaging.schemas import UserBanned

    users = make_users(BAN_COUNT, "latency")
    occurred = {}
    started = time.monotonic()
    for index, user in enumerate(users):
        delay = started + index / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        event = UserBanned(user_id=user.id, reason="Spam links")
        with transaction.atomic():
            outbox_enqueue(event=event)
        occurred[event.event_id] = event.occurred_at
    ids = list(occurred)
    wait_for(
        lambda: consumed(ids) == BAN_COUNT,
        timeout=60,
        what="the latency bans to be consumed",
    )
    rows = ProcessedEvent.objects.filter(consumer=CONSUMER, event_id__in=ids).values_list(
        "event_id", "processed_at"
    )
    return [(processed - occurred[event_id]).total_seconds() * 1000 for event_id, processed in rows]


def bench_backlog() -> tuple[float, float]:
    """Write BACKLOG ban events with no relay running, then trigger it.

    Returns (seconds until all published, seconds until all consumed by the group service).
    """
    from django.db import transaction

    from moderation_service.tasks import outbox_relay_soon
    from shared.messaging.models import OutboxMessage
    from shared.messaging.schemas import UserBanned

    users = make_users(BACKLOG, "backlog")
    events = [UserBanned(user_id=user.id, reason="Spam links") for user in users]
    ids = [event.event_id for event in events]
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    id=event.event_id,
                    exchange=event.exchange,
                    routing_key=event.routing_key,
                    payload=event.to_dict(),
                )
                for event in events
            ],
            batch_size=2000,
        )
    started = time.monotonic()
    outbox_relay_soon()
    wait_for(
        lambda: not OutboxMessage.objects.filter(published_at__isnull=True).exists(),
        timeout=120,
        what="the backlog to be published",
        interval=0.1,
    )
    published = time.monotonic() - started
    wait_for(
        lambda: consumed(ids) == BACKLOG,
        timeout=180,
        what="the backlog to be consumed",
        interval=0.2,
    )
    return published, time.monotonic() - started


def main() -> None:
    env = base_environment()
    vhost = f"crewup-bench-{os.getpid()}"
    rabbitmqctl("add_vhost", vhost)
    user = urlsplit(env["RABBITMQ_URL"]).username or "guest"
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    broker_url = replace_path(env["RABBITMQ_URL"], quote(vhost, safe=""))
    workers: list[Worker] = []
    try:
        database_url = prepare_database(env)
        env = {**env, "DATABASE_URL": database_url, "RABBITMQ_URL": broker_url}
        os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"})
        import django

        django.setup()
        from shared.accounts.models import User
        from shared.messaging.consumer_step import event_topology_declare
        from shared.messaging.models import OutboxMessage, ProcessedEvent
        from shared.messaging.publisher import broker_connection

        OutboxMessage.objects.all().delete()
        ProcessedEvent.objects.all().delete()
        User.objects.filter(username__startswith="bench-").delete()

        # 2. publish rates (no worker running; a sink queue takes the messages)
        raw_rate, batched_rate, relay_rate = bench_publish_rates(broker_url)

        # The group service's queue exists before any ban is published (workers declare it).
        with broker_connection(broker_url) as connection:
            event_topology_declare(
                connection.channel(), service=CONSUMER, routing_keys=["user.banned"]
            )
        for index in range(CONSUMER_WORKERS):
            workers.append(
                Worker(f"group-{index}", "group_service", env, "-P", "prefork", "-c", "1")
            )
        workers.append(Worker("moderation", "moderation_service", env, "-c", "2"))

        # Warm-up: the first ban goes through every process once.
        warm = make_users(1, "warm")[0]
        from django.db import transaction

        from shared.messaging.outbox import outbox_enqueue
        from shared.messaging.schemas import UserBanned

        warm_event = UserBanned(user_id=warm.id, reason="warm-up")
        with transaction.atomic():
            outbox_enqueue(event=warm_event)
        wait_for(
            lambda: consumed([warm_event.event_id]) == 1,
            timeout=60,
            what="the workers to start (see .run/bench-bans-*.log)",
        )

        # 1. latency at 50 bans/s
        latencies = bench_latency()
        # 3. backlog
        published_s, drained_s = bench_backlog()
    finally:
        for worker in workers:
            worker.stop()
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, check=False)

    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    ratio = relay_rate / raw_rate
    rows = [
        (
            f"ban -> consumed p50 at {RATE:.0f} bans/s ({BAN_COUNT} bans)",
            f"{p50:.1f} ms",
            "",
            "",
        ),
        (
            f"ban -> consumed p95 at {RATE:.0f} bans/s",
            f"{p95:.1f} ms",
            "<= 500 ms",
            "ok" if p95 <= 500 else "MISSED",
        ),
        (
            "ban -> consumed max / mean",
            f"{max(latencies):.1f} / {statistics.mean(latencies):.1f} ms",
            "",
            "",
        ),
        ("raw kombu publish, confirm per message (baseline)", f"{raw_rate:.0f} msg/s", "", ""),
        (
            "outbox relay publish (lock, confirm per batch, mark sent)",
            f"{relay_rate:.0f} msg/s = {ratio:.2f}x",
            ">= 0.50x",
            "ok" if ratio >= 0.5 else "MISSED",
        ),
        (
            "raw py-amqp publish, confirm per 500 (2nd baseline)",
            f"{batched_rate:.0f} msg/s; relay = {relay_rate / batched_rate:.2f}x",
            "",
            "",
        ),
        (f"backlog of {BACKLOG} events: all published", f"{published_s:.1f} s", "", ""),
        (
            f"backlog of {BACKLOG} events: all consumed by the group service",
            f"{drained_s:.1f} s ({BACKLOG / drained_s:.0f} events/s)",
            "<= 60 s",
            "ok" if drained_s <= 60 else "MISSED",
        ),
    ]
    print(
        f"\n## Ban events over RabbitMQ ({CONSUMER_WORKERS} group-service worker processes, "
        "prefork -c 1 each; moderation relay worker -c 2)\n"
    )
    print("| figure | measured | target | verdict |")
    print("|---|---:|---|---|")
    for figure, measured, target, verdict in rows:
        print(f"| {figure} | {measured} | {target} | {verdict} |")
    if any(row[3] == "MISSED" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
