"""Write CrewUp's Grafana dashboards (dashboards/*.json) from the panel lists below.

Run `python monitoring/grafana/build_dashboards.py` after changing a panel; infra_tests check
that the committed JSON is what this script writes, and that every metric a panel queries is
one the services (or the infrastructure's exporters) export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DASHBOARDS_DIR = Path(__file__).parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
APP = 'namespace="$namespace"'
APP_SERVICES = 'namespace="$namespace", service=~"$service"'
DATA = 'namespace="$namespace-data"'
NOT_PROBES = 'view!~"healthz|readyz|metrics"'


def target(expr: str, legend: str = "", ref: str = "A") -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def panel(
    title: str,
    targets: list[dict[str, Any]],
    *,
    kind: str = "timeseries",
    unit: str = "short",
    width: int = 12,
    description: str = "",
) -> dict[str, Any]:
    refs = "ABCDEFGH"
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"w": width, "h": 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}}
        if kind == "timeseries"
        else {"reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": [dict(t, refId=refs[i]) for i, t in enumerate(targets)],
    }


def variables(*, with_service: bool) -> list[dict[str, Any]]:
    found = [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
        },
        {
            "name": "namespace",
            "label": "Environment",
            "type": "query",
            "datasource": DATASOURCE,
            "query": 'label_values(up{job="kubernetes-pods"}, namespace)',
            "regex": "/^crewup-(dev|staging|production)$/",
            "refresh": 2,
            "current": {},
        },
    ]
    if with_service:
        found.append(
            {
                "name": "service",
                "label": "Service",
                "type": "query",
                "datasource": DATASOURCE,
                "query": "label_values(django_http_requests_total_by_view_transport_method_total, service)",
                "multi": True,
                "includeAll": True,
                "refresh": 2,
                "current": {},
            }
        )
    return found


def dashboard(
    uid: str, title: str, panels: list[dict[str, Any]], *, with_service: bool = False
) -> dict[str, Any]:
    x = y = 0
    for number, item in enumerate(panels, start=1):
        width = item["gridPos"]["w"]
        if x + width > 24:
            x, y = 0, y + 8
        item["id"] = number
        item["gridPos"].update({"x": x, "y": y})
        x += width
    return {
        "uid": uid,
        "title": title,
        "tags": ["crewup"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables(with_service=with_service)},
        "panels": panels,
    }


def quantile(q: str, by: str) -> str:
    return (
        f"histogram_quantile({q}, sum by ({by}, le) "
        f"(rate(django_http_requests_latency_seconds_by_view_method_bucket{{{APP_SERVICES}, {NOT_PROBES}}}[$__rate_interval])))"
    )


def ratio_of_status(status: str) -> str:
    metric = "django_http_responses_total_by_status_view_method_total"
    return (
        f'sum by (service) (rate({metric}{{{APP_SERVICES}, status=~"{status}"}}[$__rate_interval]))'
        f" / sum by (service) (rate({metric}{{{APP_SERVICES}}}[$__rate_interval]))"
    )


def delivery(metric: str, q: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{{{APP}}}[$__rate_interval])))"
    )


def increase(metric: str, window: str = "1h") -> str:
    return f"sum(increase({metric}{{{APP}}}[{window}]))"


SERVICES = dashboard(
    "crewup-services",
    "CrewUp / Microservices health",
    [
        panel(
            "Request rate",
            [
                target(
                    "sum by (service) (rate(django_http_requests_total_by_view_transport_method_total"
                    f"{{{APP_SERVICES}}}[$__rate_interval]))",
                    "{{service}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Error rate (5xx and 4xx share of responses)",
            [
                target(ratio_of_status("5.."), "{{service}} 5xx"),
                target(ratio_of_status("4.."), "{{service}} 4xx"),
            ],
            unit="percentunit",
        ),
        panel(
            "Latency p50 / p95 / p99",
            [
                target(quantile("0.5", "service"), "{{service}} p50"),
                target(quantile("0.95", "service"), "{{service}} p95"),
                target(quantile("0.99", "service"), "{{service}} p99"),
            ],
            unit="s",
            width=24,
        ),
        panel(
            "Uptime over the range",
            [
                target(
                    'avg by (component) (avg_over_time(up{job="kubernetes-pods", '
                    f"{APP}}}[$__range]))",
                    "{{component}}",
                )
            ],
            kind="stat",
            unit="percentunit",
            description="The share of scrapes that reached the component's pods.",
        ),
        panel(
            "Pods answering now",
            [target(f'sum by (component) (up{{job="kubernetes-pods", {APP}}})', "{{component}}")],
            kind="stat",
        ),
        panel(
            "Slowest views (p95)",
            [target(f"topk(10, {quantile('0.95', 'service, view')})", "{{service}} {{view}}")],
            unit="s",
            width=24,
        ),
    ],
    with_service=True,
)

INFRASTRUCTURE = dashboard(
    "crewup-infrastructure",
    "CrewUp / Infrastructure",
    [
        panel(
            "Node CPU",
            [
                target(
                    'sum by (instance) (rate(container_cpu_usage_seconds_total{id="/"}[$__rate_interval]))'
                    " / sum by (instance) (machine_cpu_cores)",
                    "{{instance}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Node memory",
            [
                target(
                    'sum by (instance) (container_memory_working_set_bytes{id="/"})'
                    " / sum by (instance) (machine_memory_bytes)",
                    "{{instance}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Container CPU (share of limit)",
            [
                target(
                    "sum by (pod, container) (rate(container_cpu_usage_seconds_total"
                    f'{{{APP}, container!="", container!="POD"}}[$__rate_interval]))'
                    " / sum by (pod, container) (kube_pod_container_resource_limits"
                    f'{{{APP}, resource="cpu"}})',
                    "{{pod}} {{container}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Container memory (share of limit)",
            [
                target(
                    "sum by (pod, container) (container_memory_working_set_bytes"
                    f'{{{APP}, container!="", container!="POD"}})'
                    " / sum by (pod, container) (kube_pod_container_resource_limits"
                    f'{{{APP}, resource="memory"}})',
                    "{{pod}} {{container}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Pods by phase",
            [target(f"sum by (phase) (kube_pod_status_phase{{{APP}}})", "{{phase}}")],
            kind="stat",
        ),
        panel(
            "Restarts in the last hour",
            [
                target(
                    "sum by (pod) (increase(kube_pod_container_status_restarts_total"
                    f"{{{APP}}}[1h])) > 0",
                    "{{pod}}",
                )
            ],
        ),
        panel(
            "Network traffic",
            [
                target(
                    f"sum by (pod) (rate(container_network_receive_bytes_total{{{APP}}}[$__rate_interval]))",
                    "{{pod}} in",
                ),
                target(
                    f"-sum by (pod) (rate(container_network_transmit_bytes_total{{{APP}}}[$__rate_interval]))",
                    "{{pod}} out",
                ),
            ],
            unit="Bps",
        ),
        panel(
            "Node disk use",
            [
                target(
                    'sum by (instance) (container_fs_usage_bytes{id="/"})'
                    ' / sum by (instance) (container_fs_limit_bytes{id="/"})',
                    "{{instance}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "RabbitMQ queue depth",
            [target(f"sum by (queue) (rabbitmq_queue_messages{{{DATA}}})", "{{queue}}")],
        ),
        panel(
            "RabbitMQ consumers per queue",
            [target(f"sum by (queue) (rabbitmq_queue_consumers{{{DATA}}})", "{{queue}}")],
        ),
    ],
)

APPLICATION = dashboard(
    "crewup-application",
    "CrewUp / Application",
    [
        panel("Registrations per hour", [target(increase("users_registered_total"), "users")]),
        panel("Events created per hour", [target(increase("events_created_total"), "events")]),
        panel("Crews formed per hour", [target(increase("groups_created_total"), "crews")]),
        panel("Chat messages per hour", [target(increase("messages_sent_total"), "messages")]),
        panel(
            "Safety alerts per hour",
            [target(increase("safety_alerts_total"), "alerts")],
        ),
        panel(
            "Bans per hour, and their events on the bus",
            [
                target(increase("bans_total"), "bans"),
                target(increase("ban_events_published_total"), "published"),
                target(increase("ban_events_applied_total"), "applied"),
            ],
        ),
        panel(
            "People in live chat now",
            [target(f"sum(websocket_connections_open{{{APP}}})", "open sockets")],
            kind="stat",
        ),
        panel(
            "Outbox backlog",
            [target(f"max(outbox_backlog{{{APP}}})", "rows waiting")],
            description="Ban events committed but not yet published to RabbitMQ.",
        ),
        panel(
            "Chat delivery time",
            [
                target(delivery("chat_delivery_seconds", "0.5"), "p50"),
                target(delivery("chat_delivery_seconds", "0.95"), "p95"),
            ],
            unit="s",
        ),
        panel(
            "Safety alert delivery time",
            [
                target(delivery("safety_alert_delivery_seconds", "0.5"), "p50"),
                target(delivery("safety_alert_delivery_seconds", "0.95"), "p95"),
            ],
            unit="s",
        ),
        panel(
            "Chat broadcasts refused and gaps filled",
            [
                target(increase("chat_broadcast_failures_total"), "broadcasts refused"),
                target(increase("chat_gap_messages_filled_total"), "messages filled from history"),
            ],
            width=24,
        ),
    ],
)

DATABASE = dashboard(
    "crewup-database",
    "CrewUp / Database",
    [
        panel(
            "Connections by state",
            [
                target(f"sum by (state) (pg_stat_activity_count{{{DATA}}})", "{{state}}"),
                target(f"max(pg_settings_max_connections{{{DATA}}})", "max_connections"),
            ],
        ),
        panel(
            "Connections used",
            [
                target(
                    f"sum(pg_stat_activity_count{{{DATA}}}) / max(pg_settings_max_connections{{{DATA}}})",
                    "used",
                )
            ],
            kind="stat",
            unit="percentunit",
        ),
        panel(
            "Transactions",
            [
                target(
                    f'sum(rate(pg_stat_database_xact_commit{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "commits",
                ),
                target(
                    f'sum(rate(pg_stat_database_xact_rollback{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "rollbacks",
                ),
            ],
            unit="ops",
        ),
        panel(
            "Rows fetched and returned",
            [
                target(
                    f'sum(rate(pg_stat_database_tup_fetched{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "fetched",
                ),
                target(
                    f'sum(rate(pg_stat_database_tup_returned{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "returned",
                ),
            ],
            unit="rowsps",
        ),
        panel(
            "Cache hit ratio",
            [
                target(
                    f'sum(rate(pg_stat_database_blks_hit{{{DATA}, datname="crewup"}}[$__rate_interval]))'
                    f' / (sum(rate(pg_stat_database_blks_hit{{{DATA}, datname="crewup"}}[$__rate_interval]))'
                    f' + sum(rate(pg_stat_database_blks_read{{{DATA}, datname="crewup"}}[$__rate_interval])))',
                    "hit ratio",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Longest open transaction",
            [target(f"max(pg_stat_activity_max_tx_duration{{{DATA}}})", "seconds")],
            unit="s",
        ),
        panel(
            "Database size",
            [target(f'sum(pg_database_size_bytes{{{DATA}, datname="crewup"}})', "crewup")],
            unit="bytes",
        ),
        panel(
            "Deadlocks",
            [
                target(
                    f'sum(increase(pg_stat_database_deadlocks{{{DATA}, datname="crewup"}}[1h]))',
                    "per hour",
                )
            ],
        ),
        panel(
            "Largest tables (live rows)",
            [
                target(
                    f'topk(10, pg_stat_user_tables_n_live_tup{{{DATA}, datname="crewup"}})',
                    "{{relname}}",
                )
            ],
        ),
        panel(
            "Sequential and index scans",
            [
                target(
                    f'topk(10, rate(pg_stat_user_tables_seq_scan{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "{{relname}} seq",
                ),
                target(
                    f'topk(10, rate(pg_stat_user_tables_idx_scan{{{DATA}, datname="crewup"}}[$__rate_interval]))',
                    "{{relname}} index",
                ),
            ],
            unit="ops",
        ),
    ],
)

DASHBOARDS = {
    "crewup-services.json": SERVICES,
    "crewup-infrastructure.json": INFRASTRUCTURE,
    "crewup-application.json": APPLICATION,
    "crewup-database.json": DATABASE,
}


def render(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    DASHBOARDS_DIR.mkdir(exist_ok=True)
    for name, content in DASHBOARDS.items():
        (DASHBOARDS_DIR / name).write_text(render(content))


if __name__ == "__main__":
    main()
