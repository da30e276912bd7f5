"""The image's entry commands run outside a container, as the tests start them: ports, waiting
for an answer, stopping a process group, one-off commands."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from infra_tests.tools import REPO

ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
POD_IP = "10.1.2.3"
STARTUP_SECONDS = 90
# The image's default metrics directory, which the migration Job does not mount writable
# (read-only root filesystem): one-off commands must not write there.
UNWRITABLE_METRICS_DIR = "/proc/crewup-read-only"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, *, host: str | None = None, timeout: float = 5) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_entrypoint(
    name: str, args: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path, port: int
) -> Process:
    """`docker/entrypoint.sh <args>` in its own process group, its output in `<name>.log`."""
    log = log_dir / f"{name}.log"
    popen = subprocess.Popen(
        [str(ENTRYPOINT), *args],
        env=env,
        cwd=cwd,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Process(name, popen, port, log)


def wait_until_answers(process: Process, path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(
                f"{process.name} exited {process.popen.returncode}:\n{process.output()[-3000:]}"
            )
        try:
            status, _ = get(process.url(path), timeout=2)
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.3)
    raise AssertionError(f"{process.name} did not answer {path}:\n{process.output()[-3000:]}")


def stop(process: Process) -> None:
    if process.popen.poll() is None:
        os.killpg(process.popen.pid, signal.SIGTERM)
        try:
            process.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()


def entrypoint(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRYPOINT), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
