"""The processes of `make run` under supervisord, as `scripts/run.sh` starts them.

Two of them, the event service (gunicorn) and the chat (daphne), from the configuration that
`scripts/supervise.sh render` writes for the whole system, on ports of their own and the test
database (conftest.py): supervisord attached to the screen as under `make run`, or as a daemon
as under `make up`. A process killed with SIGKILL comes back, answers again and the restart is
reported; `scripts/stop.sh` (`make down`, and Ctrl-C under `make run`) leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra_tests.processes import STARTUP_SECONDS, free_port, get
from infra_tests.tools import REPO, run

PROGRAMS = ("event", "group-ws")
READY_PATH = {"event": "/readyz", "group-ws": "/healthz"}


@dataclass
class Supervised:
    run_dir: Path
    env: dict[str, str]
    ports: dict[str, int]
    screen: Path  # supervisord's output, where `make run` shows it
    popen: subprocess.Popen | None  # None: a daemon, as under `make up`

    def pid(self, program: str) -> int:
        return int((self.run_dir / "pids" / f"{program}.pid").read_text())

    def answers(self, program: str) -> bool:
        try:
            status, _ = get(f"http://127.0.0.1:{self.ports[program]}{READY_PATH[program]}")
        except OSError:
            return False
        return status == 200

    def supervisor_log(self) -> str:
        return (self.run_dir / "logs" / "supervisord.log").read_text()

    def output(self) -> str:
        if self.popen is None:
            return self.supervisor_log()
        return self.screen.read_text(errors="replace")

    def stop(self) -> subprocess.CompletedProcess[str]:
        return run(str(REPO / "scripts" / "stop.sh"), env=self.env, timeout=120)


def wait_for(condition: Callable[[], bool], what: str, supervised: Supervised) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not condition():
        logs = {
            program: (supervised.run_dir / "logs" / f"{program}.log").read_text()[-1500:]
            for program in PROGRAMS
            if (supervised.run_dir / "logs" / f"{program}.log").exists()
        }
        assert time.monotonic() < deadline, f"{what}:\n{supervised.output()}\n{logs}"
        time.sleep(0.3)


def processes(*, group: int | None = None, session: int | None = None) -> set[int]:
    """The pids of the live processes in a process group or a session, from /proc (a zombie,
    already dead, waits only for its parent to read its exit status)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp session ...
        if fields[0] == "Z":
            continue
        if (group is not None and int(fields[2]) == group) or (
            session is not None and int(fields[3]) == session
        ):
            found.add(int(entry.name))
    return found


@pytest.fixture(params=["make_run_case", "make_up_case"])
def supervised(request, environment, tmp_path) -> Iterator[Supervised]:
    attached = request.param == "make_run_case"
    ports = {program: free_port() for program in PROGRAMS}
    env = {
        **environment,
        "RUN_DIR": str(tmp_path / "run"),
        "EVENT_PORT": str(ports["event"]),
        "GROUP_WS_PORT": str(ports["group-ws"]),
    }
    run(str(REPO / "scripts" / "supervise.sh"), "render", *PROGRAMS, env=env, cwd=REPO)
    conf = str(tmp_path / "run" / "supervisord.conf")
    # The command scripts/run.sh runs: attached (--nodaemon) in a session of its own, or a daemon.
    supervisord = ["uv", "run", "--frozen", "supervisord", "-c", conf]
    screen = tmp_path / "screen.txt"
    if attached:
        popen = subprocess.Popen(
            [*supervisord, "--nodaemon"],
            cwd=REPO,
            env=env,
            stdout=screen.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    else:
        run(*supervisord, cwd=REPO, env=env)
        popen = None
    system = Supervised(tmp_path / "run", env, ports, screen, popen)
    try:
        for program in PROGRAMS:
            wait_for(lambda program=program: system.answers(program), f"{program} ready", system)
        yield system
    finally:
        system.stop()
        if popen is not None:
            try:
                popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                raise


def test_a_killed_process_is_restarted_answers_again_and_the_restart_is_reported(supervised):
    # given
    before = supervised.pid("event")
    old_group = processes(group=before)
    chat = supervised.pid("group-ws")
    assert len(old_group) > 1  # uv, gunicorn's master and its workers

    # when: the first process of the program dies (uv: gunicorn and its workers are left)
    os.kill(before, signal.SIGKILL)

    # then
    wait_for(lambda: supervised.pid("event") != before, "a new event process", supervised)
    after = supervised.pid("event")
    wait_for(lambda: supervised.answers("event"), "event ready again", supervised)
    assert processes(group=before) == set()
    assert after in processes(group=after)
    assert supervised.pid("group-ws") == chat
    assert supervised.answers("group-ws")
    output = supervised.output()
    assert "exited: event (terminated by SIGKILL; not expected)" in output
    assert f"spawned: 'event' with pid {after}" in output
    assert "group-ws (terminated" not in output


def test_stop_leaves_no_process_behind(supervised):
    # given: the supervisor's session (a daemon's own; run.sh's setsid for an attached one)
    supervisor_pid = int((supervised.run_dir / "supervisord.pid").read_text())
    session = os.getsid(supervisor_pid)
    groups = {program: supervised.pid(program) for program in PROGRAMS}
    assert all(processes(group=group) for group in groups.values())

    # when
    supervised.stop()

    # then
    assert processes(session=session) == set()
    assert all(processes(group=group) == set() for group in groups.values())
    assert not any(supervised.answers(program) for program in PROGRAMS)
    assert list((supervised.run_dir / "pids").iterdir()) == []
