"""Serve a Celery worker's metrics over HTTP: the `metrics` sidecar beside each worker.

The worker's processes write their counters into `PROMETHEUS_MULTIPROC_DIR` (an emptyDir the
two containers share); this process adds them up and labels every sample with the service,
as the web processes' `/metrics` does. Usage: `metrics_server.py <service>`.
"""

import os
import sys
import threading

import django


def main() -> None:
    service = sys.argv[1]
    port = int(os.environ.get("METRICS_PORT", "9100"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}_service.settings")
    django.setup()

    from prometheus_client import start_http_server

    from shared.metrics import ServiceLabelledRegistry

    address = os.environ.get("BIND_ADDRESS", "0.0.0.0")  # noqa: S104 (a container's port)
    start_http_server(port, addr=address, registry=ServiceLabelledRegistry())
    threading.Event().wait()


if __name__ == "__main__":
    main()
