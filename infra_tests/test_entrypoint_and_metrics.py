"""The image's entry commands, run outside a container against a test database, and the check
that every metric a dashboard or an alert reads is one the running services export.

The same docker/entrypoint.sh the image runs starts gunicorn for each of the five services,
daphne for the chat, the workers' metrics sidecar and the migration, with the dev venv on PATH
instead of /app/.venv.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from infra_tests.processes import (
    ENTRYPOINT,
    POD_IP,
    STARTUP_SECONDS,
    UNWRITABLE_METRICS_DIR,
    Process,
    entrypoint,
    free_port,
    get,
    start_entrypoint,
    stop,
    wait_until_answers,
)
from infra_tests.test_monitoring import queried_metrics
from infra_tests.tools import REPO

# The test database, its migration and the pods' environment: conftest.py.
SERVICES = {
    "event": "events",
    "group": "groups",
    "user": "users",
    "safety": "safety",
    "moderation": "moderation",
}
# Metrics of the infrastructure's exporters (kube-state-metrics, cAdvisor and the kubelet,
# RabbitMQ, postgres_exporter) and Prometheus's own `up`: not the services' to export.
INFRASTRUCTURE_PREFIXES = ("kube_", "container_", "machine_", "node_", "rabbitmq_", "pg_")
INFRASTRUCTURE_NAMES = {"up"}
# Queried by a panel or an alert but exported by code still being written: each is an expected
# failure until it lands, and then (strict) a failure that asks to remove it from here.
PENDING = {}


@pytest.fixture(scope="module")
def running(migrated, environment, workdir) -> Iterator[dict[str, Process]]:
    """The five services under gunicorn, the chat under daphne, a worker's metrics sidecar."""
    processes: dict[str, Process] = {}

    def start(name: str, args: list[str], **extra: str) -> Process:
        port = free_port()
        env = {**environment, "PORT": str(port), **extra}
        if "METRICS_PORT" in extra:
            port = int(extra["METRICS_PORT"])
        processes[name] = start_entrypoint(
            name, args, env=env, cwd=workdir, log_dir=workdir, port=port
        )
        return processes[name]

    try:
        for service in SERVICES:
            metrics_dir = workdir / "prometheus" / service
            metrics_dir.mkdir(parents=True)
            # Left by an earlier run of the container: must not be added to the new counts.
            (metrics_dir / "counter_999999.db").write_bytes(b"stale")
            start(service, ["web", service], PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
        start("group-ws", ["ws"], PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus" / "group-ws"))
        start(
            "user-metrics",
            ["metrics", "user"],
            METRICS_PORT=str(free_port()),
            PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus" / "user"),
        )
        for process in processes.values():
            wait_until_answers(
                process, "/metrics" if process.name == "user-metrics" else "/healthz"
            )
        yield processes
    finally:
        for process in processes.values():
            stop(process)


@pytest.fixture(scope="module")
def exported(running) -> set[str]:
    """Sample names on every /metrics, after a little traffic made the labelled ones appear."""
    for service, prefix in SERVICES.items():
        process = running[service]
        get(process.url(f"/api/v1/{prefix}/"))
        get(process.url("/no-such-page/"))
        get(process.url("/healthz"))
    names = set()
    for process in running.values():
        status, body = get(process.url("/metrics"))
        assert status == 200, process.name
        for line in body.splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("{", 1)[0].split(" ", 1)[0])
    return names


# --- The entry commands ---


def test_migrate_migrates_the_shared_schema_once(migrated, environment, workdir):
    assert "Applying events.0001_initial... OK" in migrated.stdout
    again = entrypoint("migrate", env=environment, cwd=workdir)
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply." in again.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_web_serves_health_readiness_and_metrics(running, service):
    process = running[service]
    assert get(process.url("/healthz")) == (200, '{"status": "ok"}')
    status, body = get(process.url("/readyz"))
    assert status == 200, body
    status, body = get(process.url("/metrics"))
    assert status == 200
    assert f'service="{service}"' in body


@pytest.mark.parametrize("service", SERVICES)
def test_web_answers_probes_addressed_to_the_pod_ip_and_refuses_other_hosts(running, service):
    process = running[service]
    assert get(process.url("/healthz"), host=f"{POD_IP}:8000")[0] == 200
    assert get(process.url("/metrics"), host=f"{POD_IP}:8000")[0] == 200
    assert get(process.url("/healthz"), host="attacker.example")[0] == 400


@pytest.mark.parametrize("service", SERVICES)
def test_web_runs_gunicorn_and_forgets_stale_metrics_files(running, service, workdir):
    assert (
        "gunicorn"
        in subprocess.run(
            ["ps", "-o", "args=", "-p", str(running[service].popen.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    )
    assert not (workdir / "prometheus" / service / "counter_999999.db").exists()


def test_ws_runs_daphne_for_the_group_service(running):
    process = running["group-ws"]
    assert get(process.url("/healthz"))[0] == 200
    assert 'service="group"' in get(process.url("/metrics"))[1]
    assert (
        "daphne"
        in subprocess.run(
            ["ps", "-o", "args=", "-p", str(process.popen.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    )


def test_metrics_sidecar_serves_the_workers_metrics_labelled(running):
    status, body = get(running["user-metrics"].url("/metrics"))
    assert status == 200
    assert 'users_registered_total{service="user"}' in body


def test_healthcheck_script_asks_healthz(running, environment, workdir):
    """The image's HEALTHCHECK: succeeds against a serving web role, fails where nothing listens."""
    script = REPO / "docker" / "healthcheck.py"
    (workdir / "crewup-role").write_text("web\n")
    ok = subprocess.run(
        ["python", str(script)],
        env={**environment, "PORT": str(running["event"].port)},
        check=False,
    )
    assert ok.returncode == 0
    down = subprocess.run(
        ["python", str(script)], env={**environment, "PORT": str(free_port())}, check=False
    )
    assert down.returncode == 1


@pytest.mark.parametrize("args", [[], ["bogus"], ["web"], ["web", "nosuchservice"], ["worker"]])
def test_entrypoint_refuses_what_it_does_not_know(args, environment, workdir):
    result = entrypoint(
        *args,
        env={k: v for k, v in environment.items() if k != "CREWUP_SERVICE"},
        cwd=workdir,
        timeout=10,
    )
    assert result.returncode == 64, result.stderr


def test_manage_runs_django_admin_for_the_images_service(migrated, environment, workdir):
    """`manage` takes its service from CREWUP_SERVICE (the image's build argument) when not named."""
    env = {
        **environment,
        "CREWUP_SERVICE": "event",
        "PROMETHEUS_MULTIPROC_DIR": UNWRITABLE_METRICS_DIR,
    }
    result = entrypoint("manage", "check", env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    named = entrypoint(
        "manage", "moderation", "showmigrations", "events", env=environment, cwd=workdir
    )
    assert "[X] 0001_initial" in named.stdout


CELERY_SERVICES = sorted(
    service
    for service in SERVICES
    if (REPO / f"{service}_service" / f"{service}_service" / "celery.py").exists()
)


@pytest.mark.parametrize("service", CELERY_SERVICES)
def test_worker_and_beat_start_for_each_celery_app(service, migrated, environment, workdir):
    """For each service with a Celery app (`<service>_service/celery.py`): the worker connects to
    RabbitMQ and says it is ready; beat starts and writes its schedule."""
    env = {
        **environment,
        "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus" / f"{service}-worker"),
    }
    # Beat runs where no metrics directory is mounted.
    beat_env = {**env, "PROMETHEUS_MULTIPROC_DIR": UNWRITABLE_METRICS_DIR}
    for role, extra, done in [
        (
            "worker",
            ["--pool", "solo", "--without-mingle", "--without-gossip"],
            lambda text, _: "ready" in text,
        ),
        ("beat", [], lambda _, directory: any(directory.glob("celerybeat-schedule*"))),
    ]:
        log = workdir / f"{service}-{role}.log"
        popen = subprocess.Popen(
            [str(ENTRYPOINT), role, service, *extra],
            env=beat_env if role == "beat" else env,
            cwd=workdir,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(f"{service} {role}", popen, 0, log)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not done(process.output(), workdir):
                assert popen.poll() is None, process.output()[-3000:]
                assert time.monotonic() < deadline, process.output()[-3000:]
                time.sleep(0.3)
        finally:
            stop(process)


# --- Every queried metric is exported ---


def _metric_params() -> list:
    params = []
    for name, where in sorted(queried_metrics().items()):
        if name in INFRASTRUCTURE_NAMES or name.startswith(INFRASTRUCTURE_PREFIXES):
            continue
        marks = (
            [pytest.mark.xfail(strict=True, reason=f"not exported yet: {PENDING[name]}")]
            if name in PENDING
            else []
        )
        params.append(pytest.param(name, sorted(where), id=name, marks=marks))
    return params


@pytest.mark.parametrize(("metric", "queried_by"), _metric_params())
def test_every_queried_metric_is_exported_by_a_service(metric, queried_by, exported):
    assert metric in exported, (
        f"{metric} (read by {', '.join(queried_by)}) is on no service's /metrics"
    )


def test_pending_metrics_are_still_queried():
    """An entry of PENDING that no panel or rule reads any more is a stale excuse."""
    assert set(PENDING) <= set(queried_metrics())
