"""What the benchmarks share: start a gunicorn app, load it with wrk, print a table of figures.

Every figure is measured in the same run as its baseline, on loopback, with bounded request
counts and durations.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# The same gunicorn settings for every app under test, baseline included.
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
# Each comparison is run this many times, measured and baseline in turn, and the medians are
# compared: on this shared virtual machine one 10 s run of either side can be off by a third.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


@dataclass
class Figures:
    name: str
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @classmethod
    def from_wrk(cls, name: str, report: dict) -> Figures:
        seconds = report["duration_us"] / 1e6
        return cls(
            name=name,
            requests_per_second=report["requests"] / seconds,
            p50_ms=report["p50_us"] / 1000,
            p95_ms=report["p95_us"] / 1000,
            p99_ms=report["p99_us"] / 1000,
            errors=report["socket_errors"] + report["non_2xx"],
        )


def median_of(runs: list[Figures]) -> Figures:
    """Each figure's median over `runs` of one measurement (errors are added up)."""

    def median(values: list[float]) -> float:
        return statistics.median(values)

    return Figures(
        name=runs[0].name,
        requests_per_second=median([run.requests_per_second for run in runs]),
        p50_ms=median([run.p50_ms for run in runs]),
        p95_ms=median([run.p95_ms for run in runs]),
        p99_ms=median([run.p99_ms for run in runs]),
        errors=sum(run.errors for run in runs),
    )


def print_rounds(label: str, measured: list[Figures], baseline: list[Figures]) -> None:
    """One line with the ratio of each round, so the spread behind a median shows."""
    ratios = ", ".join(
        f"{m.requests_per_second / b.requests_per_second:.2f}x"
        for m, b in zip(measured, baseline, strict=True)
    )
    print(f"- {label}, by round: {ratios}")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


def load_dotenv() -> dict[str, str]:
    """The service environment for a benchmark: .env under the process environment, in production mode.

    DEBUG is forced off (it records every query); TLS redirects stay off on loopback.
    """
    values: dict[str, str] = {}
    env_file = ROOT / ".env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return {
        **values,
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def gunicorn(app: str, *, port: int, chdir: Path, env: dict[str, str]) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:`port` for the duration of the block; yield its base URL."""
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--chdir", str(chdir),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(GUNICORN_WORKERS),
        "--log-level", "warning",
    ]  # fmt: skip
    log = open(ROOT / ".run" / f"bench-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url + "/healthz" if app != "hello_wsgi:application" else base_url)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up; see .run/bench-*.log")


def wrk(
    name: str,
    url: str,
    *,
    auth: str | None = None,
    nearby: str | None = None,
    connections: int = CONNECTIONS,
) -> Figures:
    """Load `url` with wrk for BENCH_DURATION and return its figures."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    env = {**os.environ, "WRK_AUTH": auth or "", "WRK_NEARBY": nearby or ""}
    command = [
        "wrk", "-t", str(min(THREADS, connections)), "-c", str(connections), "-d", DURATION,
        "--timeout", "5s", "-s", str(BENCH / "wrk_report.lua"), url,
    ]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    return Figures.from_wrk(name, report)


def print_table(title: str, rows: list[tuple[Figures, Figures, float, str]]) -> None:
    """Rows of (measured, baseline, target ratio, note)."""
    print(f"\n## {title}\n")
    print(
        "| measured | req/s | p50 ms | p95 ms | p99 ms | errors | baseline | req/s | ratio | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for measured, baseline, target, note in rows:
        ratio = measured.requests_per_second / baseline.requests_per_second
        verdict = "ok" if ratio >= target else "BELOW"
        print(
            f"| {measured.name} | {measured.requests_per_second:.0f} | {measured.p50_ms:.1f} | "
            f"{measured.p95_ms:.1f} | {measured.p99_ms:.1f} | {measured.errors} | {baseline.name} | "
            f"{baseline.requests_per_second:.0f} | {ratio:.2f}x | >= {target:.2f}x {verdict} {note} |"
        )
