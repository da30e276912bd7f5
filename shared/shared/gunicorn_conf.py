"""gunicorn settings shared by every service: `gunicorn -c python:shared.gunicorn_conf <svc>.wsgi`.

With several workers, each process counts its own metrics. When `PROMETHEUS_MULTIPROC_DIR` is
set, prometheus_client writes them to files there and `/metrics` adds them up across workers;
a worker that exits is marked dead so its live gauges stop counting.
"""

import os
from typing import Any

# Two processes and four threads each, from the whole-system load (`bench/load_mix.py`): with
# sync workers a service could serve only two requests at once, and a request waits for
# PostgreSQL on the same cores for most of its time, so a service queued its callers while
# the machine still had CPU to spare. Threads overlap those waits; the processes use both
# cores. The Helm chart's defaults are the same (`k8s/charts/crewup/values.yaml`).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# An idle connection from the ingress stays open longer than the ingress keeps it (ingress-nginx
# and `scripts/ingress.sh`: 60 s). With 5 s, gunicorn closed connections the ingress was just
# reusing, and a POST that met one failed with 502 (an alert raise under the load test, once the
# load paused). A gthread worker holds idle connections in its poller, not in a thread.
keepalive = 75
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "false").lower() == "true" else None
# Logs are JSON lines from Django's own logging; gunicorn's error log carries only its own events.
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:  # gunicorn hook
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
