"""Test helpers for the bus: a RabbitMQ virtual host per test session, a broker that can be
"stopped" without stopping RabbitMQ, and Celery worker subprocesses.

Isolation: several suites run at once on one machine against one RabbitMQ. Each pytest session
gets its own virtual host (`crewup-test-<pid>-<random>`, created with `rabbitmqctl` and deleted
at the end), so exchange and queue names stay the production ones and no run consumes another
run's messages. Where `rabbitmqctl` cannot run, set `TEST_RABBITMQ_URL` to a URL of a vhost
the run may use alone. A session killed before its teardown leaves its vhost behind:
`rabbitmqctl list_vhosts | grep crewup-test- | xargs -n1 rabbitmqctl delete_vhost`.

Broker outages are played with `BrokerProxy`, a TCP proxy in front of RabbitMQ: `stop()`
refuses new connections and cuts the open ones (as a dead broker would, for this run only).

The fixtures (`rabbitmq_vhost_url`, `bus`) are in `shared.messaging.testing.plugin`: use
`pytest_plugins = ["shared.messaging.testing.plugin"]` in a test module.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from kombu import Connection, Exchange, Queue

from shared.messaging.schemas import MODERATION_EXCHANGE


def _amqp_channel(connection: Connection) -> Any:
    """A new channel of `connection`: py-amqp's, whose queue and exchange methods (and what
    `queue_declare` answers) kombu's stubs do not describe."""
    return connection.channel()


def rabbitmqctl(*args: str) -> None:
    executable = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([executable, *args], check=True, capture_output=True, timeout=60)  # noqa: S603


def url_with_vhost(url: str, vhost: str) -> str:
    """Return the AMQP `url` with its virtual host replaced."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def url_with_port(url: str, port: int) -> str:
    """Return the AMQP `url` pointing at 127.0.0.1:`port` (the same user and vhost)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{port}"))


@dataclass
class Bus:
    """The test session's vhost, emptied before each test, and ways to look into it."""

    url: str
    _connection: Connection | None = field(default=None, repr=False)

    def connection(self) -> Connection:
        """A connection (with confirms) of this test, closed at its end."""
        if self._connection is None:
            self._connection = Connection(self.url, transport_options={"confirm_publish": True})
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.release()
            self._connection = None

    def reset(self) -> None:
        """Delete every queue and non-default exchange a test here may have declared."""
        with Connection(self.url) as connection:
            channel = _amqp_channel(connection)
            for service in ("user", "group", "moderation", "test"):
                for name in (
                    f"{service}.moderation-events",
                    f"{service}.moderation-events.dlq",
                    f"{service}.notifications",
                    f"{service}.notifications.dlq",
                    f"{service}.tasks",
                    f"{service}.probe",
                ):
                    channel.queue_delete(name)
                channel.exchange_delete(f"{service}.dead-letter")
            channel.exchange_delete(MODERATION_EXCHANGE)

    def probe_queue(
        self,
        *,
        routing_key: str = "#",
        name: str = "test.probe",
        exchange: str = MODERATION_EXCHANGE,
    ) -> Queue:
        """Declare a classic queue bound to `exchange` that records what is published."""
        queue = Queue(
            name,
            exchange=Exchange(exchange, type="topic", durable=True),
            routing_key=routing_key,
            durable=True,
        )
        queue(self.connection().default_channel).declare()
        return queue

    def depth(self, name: str) -> int:
        """The number of ready messages in queue `name` (0 when it does not exist)."""
        with Connection(self.url) as connection:
            channel = _amqp_channel(connection)
            try:
                return int(channel.queue_declare(name, passive=True).message_count)
            except Exception:  # the broker closed the channel: no such queue
                return 0

    def queue_exists(self, name: str) -> bool:
        """Whether queue `name` has been declared (by a worker that started, say)."""
        with Connection(self.url) as connection:
            try:
                _amqp_channel(connection).queue_declare(name, passive=True)
            except Exception:  # the broker closed the channel: no such queue
                return False
            return True

    def drain(self, name: str, *, limit: int = 100_000) -> list[Any]:
        """Take (and ack) every ready message of queue `name`; return the kombu messages."""
        messages: list[Any] = []
        with Connection(self.url) as connection:
            queue = Queue(name, no_declare=True)(connection.default_channel)
            while len(messages) < limit:
                message = queue.get(no_ack=True, accept=["json"])
                if message is None:
                    break
                messages.append(message)
        return messages

    def publish_raw(
        self,
        body: Any,
        *,
        routing_key: str,
        message_id: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Publish `body` to `moderation.events` as is (JSON unless `content_type` is given)."""
        exchange = Exchange(MODERATION_EXCHANGE, type="topic", durable=True)
        producer = self.connection().Producer()
        options: dict[str, Any] = {"serializer": "json"}
        if content_type is not None:
            options = {"content_type": content_type, "content_encoding": "utf-8"}
        producer.publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            message_id=message_id or str(uuid.uuid4()),
            delivery_mode=2,
            declare=[exchange],
            **options,
        )


@contextlib.contextmanager
def celery_app_broker(app: Any, url: str) -> Iterator[None]:
    """Point a Celery app (its producer pool) at `url` for the duration of the block."""
    previous = app.conf.broker_url
    app.close()
    app.conf.broker_url = url
    try:
        yield
    finally:
        app.close()
        app.conf.broker_url = previous


class BrokerProxy:
    """A TCP proxy to RabbitMQ on a fixed local port that can be stopped and started again."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5672)
        self.target_url = target_url
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """The broker URL through this proxy."""
        return url_with_port(self.target_url, self.port)

    def start(self) -> BrokerProxy:
        """Listen (again, on the same port) and forward every connection to RabbitMQ."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            thread = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            thread.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()


def test_database_url() -> str:
    """The URL of the test database this session created (for worker subprocesses)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgis://{credentials}@{host}:{port}/{database['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # not a test


class WorkerProcess:
    """A `celery worker` (or `beat`) subprocess with its output in a log file."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def celery(
        cls,
        app: str,
        command: str = "worker",
        *,
        cwd: Path,
        log_path: Path,
        env: dict[str, str],
        extra: list[str] | None = None,
    ) -> WorkerProcess:
        """A `celery -A app worker` of one solo process, quick to start (no mingle/gossip)."""
        args = [sys.executable, "-m", "celery", "-A", app, command, "--loglevel", "WARNING"]
        if command == "worker":
            args += [
                "-P",
                "solo",
                "-n",
                f"{app}-{uuid.uuid4().hex[:6]}@%h",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ]
        # The solo pool sends no AMQP heartbeats: negotiate none (and shut down in a second).
        env = {**os.environ, "CELERY_BROKER_HEARTBEAT": "0", **env}
        return cls([*args, *(extra or [])], cwd=cwd, env=env, log_path=log_path)

    def start(self) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL the worker (no shutdown, no acks) and reap it."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        """The worker's log so far (for assertion messages)."""
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> None:
    """Poll `predicate` until it holds; fail the test after `timeout` seconds.

    `message` (or what it returns, evaluated on failure) explains the failure.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            pytest.fail(f"timed out after {timeout} s: {text}")
        time.sleep(interval)
