"""Where the repository and the checkers are, and small helpers to run them."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
CHART = REPO / "k8s" / "charts" / "crewup"
ENVIRONMENTS = ("dev", "staging", "production")
# The Kubernetes version the manifests are validated against (the chart allows >=1.27).
KUBERNETES_VERSION = "1.30.0"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The path of a checker: .tools/bin (helm, kubectl), the venv, then PATH.

    A missing checker fails the test: `scripts/bootstrap.sh` installs every one of them.
    """
    for directory in (REPO / ".tools" / "bin", VENV_BIN):
        candidate = directory / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run scripts/bootstrap.sh"
    return found


def run(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a command, text in and out; on failure show its output."""
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def helm_template(environment: str | None, *extra: str, namespace: str | None = None) -> str:
    """`helm template` of the chart with an environment's values (None: the chart's own)."""
    args = [tool("helm"), "template", "crewup", str(CHART), "--kube-version", KUBERNETES_VERSION]
    if environment:
        args += ["-f", str(REPO / "k8s" / "environments" / environment / "values.yaml")]
    args += ["--namespace", namespace or f"crewup-{environment or 'test'}", *extra]
    return run(*args).stdout


@functools.cache
def rendered(environment: str | None) -> tuple[dict, ...]:
    """The documents of an environment's render, parsed (cached: the chart is read-only here)."""
    return tuple(doc for doc in yaml.safe_load_all(helm_template(environment)) if doc)


def of_kind(documents: tuple[dict, ...] | list[dict], kind: str) -> list[dict]:
    return [doc for doc in documents if doc["kind"] == kind]


def by_name(documents: tuple[dict, ...] | list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(documents, kind)}


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def clean_env(**extra: str) -> dict[str, str]:
    """An environment without the developer's .env settings, plus `extra`."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PGHOST", "PGUSER")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.update(extra)
    return env
