"""Real processes for the end-to-end tests: the group and event services, a Celery worker.

They run this checkout's code against the session's test database, trust its test identity
provider, and share Redis and RabbitMQ with the test process, as the deployed services do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".run" / "test-logs"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(*, database_url: str, issuer: str, **extra: str) -> dict[str, str]:
    """The environment of a service process on the test database and key server.

    Without `DJANGO_SETTINGS_MODULE` (each process picks its own service's settings) and without
    `PROMETHEUS_MULTIPROC_DIR` (set, even empty, prometheus_client writes files where it runs).
    """
    dropped = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"}
    inherited = {name: value for name, value in os.environ.items() if name not in dropped}
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "OIDC_ISSUER": issuer,
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def test_database_url() -> str:
    from django.db import connection

    database = connection.settings_dict
    user = database.get("USER") or "postgres"
    return f"postgis://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


class Process:
    """A subprocess with its output in `.run/test-logs/<name>-<id>.log`."""

    def __init__(self, name: str, args: list[str], *, cwd: Path, env: dict[str, Any]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}-{uuid.uuid4().hex[:8]}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it still accepts connections, but answers nothing."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown, no acknowledgements."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


class WebService(Process):
    """A service answering HTTP on 127.0.0.1:`port` once `/healthz` does."""

    def __init__(
        self, name: str, args: list[str], *, port: int, cwd: Path, env: dict[str, Any]
    ) -> None:
        super().__init__(name, args, cwd=cwd, env=env)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.output()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1),  # noqa: S310 - our own http URL
            ):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not come up:\n{self.output()}")


def group_service(env: dict[str, str]) -> WebService:
    """The group service under daphne: its REST API, its internal endpoints and the chat sockets."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "group_service.asgi:application",
    ]
    return WebService("group", args, port=port, cwd=ROOT / "group_service", env=env)


def gunicorn_service(name: str, env: dict[str, str], *, workers: int = 1) -> WebService:
    """`<name>_service` under gunicorn, as deployed."""
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf", f"{name}_service.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
    ]  # fmt: skip
    return WebService(name, args, port=port, cwd=ROOT / f"{name}_service", env=env)


def safety_worker(env: dict[str, str]) -> Process:
    """A Celery worker of the safety service (one process, quick to start).

    The solo pool sends no AMQP heartbeats: it negotiates none, as the workers of
    `shared.messaging.testing` do (shared/shared/settings/common.py).
    """
    env = {**env, "CELERY_BROKER_HEARTBEAT": "0"}
    args = [
        sys.executable, "-m", "celery", "-A", "safety_service", "worker", "-P", "solo",
        "-n", f"safety-test-{uuid.uuid4().hex[:6]}@%h", "--without-mingle", "--without-gossip",
        "--loglevel", "INFO",
    ]  # fmt: skip
    return Process("safety-worker", args, cwd=ROOT / "safety_service", env=env)
