"""What `make run` does about PostgreSQL, Redis and RabbitMQ (`scripts/servers.sh`, which
`scripts/bootstrap.sh` runs first).

Each is checked with a real connection where CrewUp's settings point. One on this machine that
does not answer is started the Debian way; anything else gets one line saying what to do, and
nothing further is tried. The machine's own servers are never stopped (other suites use them):
a case that needs a stopped server brings its own, on a free port.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_tests.processes import free_port
from infra_tests.tools import REPO, clean_env, run

# Where the machine's servers answer (as the other suites use them).
RUNNING = {
    "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/11",
    "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
}


def servers(**urls: str) -> subprocess.CompletedProcess[str]:
    """`scripts/servers.sh` with the machine's servers, but for `urls`."""
    return run(
        str(REPO / "scripts" / "servers.sh"),
        check=False,
        env=clean_env(**{**RUNNING, **urls}),
        timeout=180,
    )


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


def test_servers_that_answer_are_left_alone():
    result = servers()

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.fixture
def redis_port() -> Iterator[int]:
    port = free_port()
    yield port
    subprocess.run(
        ["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False
    )


def test_a_redis_that_does_not_answer_here_is_started_the_debian_way(redis_port):
    result = servers(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")

    assert result.returncode == 0, result.stderr
    assert f"starting it (redis-server --daemonize yes --bind 127.0.0.1 --port {redis_port} " in (
        result.stdout
    )
    assert run("redis-cli", "-p", str(redis_port), "ping").stdout.strip() == "PONG"


@pytest.fixture
def stopped_cluster() -> Iterator[tuple[str, str, int]]:
    """A PostgreSQL cluster of Debian's, made for this test on a free port, and left stopped."""
    if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
        pytest.skip("making a PostgreSQL cluster needs root and Debian's postgresql-common")
    version = max(os.listdir("/usr/lib/postgresql"), key=int)
    name = f"crewup_test_{uuid.uuid4().hex[:8]}"
    port = free_port()
    run("pg_createcluster", version, name, "--port", str(port))
    try:
        yield version, name, port
    finally:
        run("pg_dropcluster", "--stop", version, name)


def test_a_stopped_postgresql_cluster_is_started_and_a_refused_login_is_one_line(
    stopped_cluster,
):
    # given: Debian's new cluster asks for a password over TCP, which DATABASE_URL has not
    version, name, port = stopped_cluster

    # when
    result = servers(DATABASE_URL=f"postgis://postgres@127.0.0.1:{port}/crewup")

    # then
    assert f"starting it (pg_ctlcluster {version} {name} start)" in result.stdout
    assert run("pg_isready", "-h", "127.0.0.1", "-p", str(port)).returncode == 0
    assert result.returncode == 1
    (line,) = lines(result.stderr)
    assert line.startswith(f"PostgreSQL at 127.0.0.1:{port} refuses CrewUp's login")
    assert f"/etc/postgresql/{version}/{name}/pg_hba.conf" in line


def test_postgresql_without_a_cluster_on_the_port_is_one_line_and_nothing_is_started():
    port = free_port()
    clusters = run("pg_lsclusters", "--no-header").stdout

    result = servers(DATABASE_URL=f"postgis://postgres@127.0.0.1:{port}/crewup")

    assert (result.returncode, result.stdout) == (1, "")
    (line,) = lines(result.stderr)
    assert line.startswith(f"PostgreSQL here has no cluster on port {port} (")
    assert "set the port of DATABASE_URL (.env)" in line
    assert run("pg_lsclusters", "--no-header").stdout == clusters


def test_rabbitmq_asked_for_on_another_port_is_one_line():
    port = free_port()

    result = servers(RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{port}//")

    assert (result.returncode, result.stdout) == (1, "")
    (line,) = lines(result.stderr)
    assert line.startswith(f"RabbitMQ does not answer at 127.0.0.1:{port} (RABBITMQ_URL)")
    assert "amqp://guest:guest@127.0.0.1:5672//" in line


def test_another_server_on_the_port_is_one_line_and_nothing_is_started():
    # Redis's port accepts the connection, but does not answer as PostgreSQL does.
    result = servers(DATABASE_URL="postgis://postgres@127.0.0.1:6379/crewup")

    assert (result.returncode, result.stdout) == (1, "")
    assert lines(result.stderr) == [
        "Something listens on 127.0.0.1:6379 but does not answer as PostgreSQL (DATABASE_URL): "
        "stop it, or set DATABASE_URL (.env) to where PostgreSQL runs"
    ]


@pytest.fixture
def script_for_anyone() -> Iterator[Path]:
    """A copy of the script that another user can read (a clone or pytest's folders may not
    be); every setting is given in the environment."""
    base = Path(tempfile.mkdtemp(prefix="crewup-servers-"))
    try:
        (base / "scripts").mkdir()
        script = base / "scripts" / "servers.sh"
        shutil.copy(REPO / "scripts" / "servers.sh", script)
        for path in (base, base / "scripts", script):
            path.chmod(0o755)
        yield script
    finally:
        shutil.rmtree(base)


def test_a_server_to_start_without_root_is_one_line_with_the_command(script_for_anyone):
    runuser = shutil.which("runuser")
    if os.geteuid() != 0 or not runuser:
        pytest.skip("runs the script as another user (nobody) with runuser, as root")
    port = free_port()
    env = clean_env(**{**RUNNING, "REDIS_URL": f"redis://127.0.0.1:{port}/0"})

    result = run(
        runuser, "-u", "nobody", "--", "bash", str(script_for_anyone),
        check=False, env={**env, "PATH": "/usr/bin:/bin"}, timeout=60,
    )  # fmt: skip

    assert (result.returncode, result.stdout) == (1, "")
    assert lines(result.stderr) == [
        f"Redis does not answer at 127.0.0.1:{port}: as root, run: redis-server --daemonize yes "
        f"--bind 127.0.0.1 --port {port} --save '' --appendonly no --dir /var/lib/redis "
        "--logfile /var/log/redis/redis-server.log"
    ]
    assert not run("redis-cli", "-p", str(port), "ping", check=False).stdout.startswith("PONG")
