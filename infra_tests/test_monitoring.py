"""Prometheus rules and their promtool tests, the scrape config, Alertmanager, Grafana."""

from __future__ import annotations

import json
import re
from functools import cache

import kubernetes_validate
import pytest
import yaml

from infra_tests.promql import metric_names
from infra_tests.tools import KUBERNETES_VERSION, REPO, load_yaml, run, tool

MONITORING = REPO / "monitoring"
RULES = MONITORING / "prometheus" / "rules" / "crewup.rules.yml"
RULE_TESTS = MONITORING / "prometheus" / "tests" / "crewup.rules.test.yml"
DASHBOARDS = MONITORING / "grafana" / "dashboards"
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m"}

# The seed's list of alert conditions, and the ban bus's two, each with its alert.
REQUIRED_ALERTS = {
    "5xx rate above 5 %": "CrewUpHighErrorRate",
    "service down": "CrewUpServiceDown",
    "p99 latency above 2 s": "CrewUpHighLatencyP99",
    "pod restarts": "CrewUpPodRestarting",
    "CPU exhaustion": "CrewUpContainerCPUHigh",
    "memory exhaustion": "CrewUpContainerMemoryHigh",
    "database connection pool exhaustion": "CrewUpDatabaseConnectionsExhausted",
    "RabbitMQ queue depth above 1,000": "CrewUpRabbitMQQueueBacklog",
    "no consumer on a ban queue": "CrewUpBanQueueWithoutConsumers",
    "outbox backlog": "CrewUpOutboxBacklog",
}


@cache
def alert_rules() -> dict[str, dict]:
    return {
        rule["alert"]: rule
        for group in load_yaml(RULES)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


@cache
def dashboards() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def dashboard_exprs() -> list[tuple[str, str, str]]:
    return [
        (name, panel["title"], target["expr"])
        for name, board in dashboards().items()
        for panel in board["panels"]
        for target in panel["targets"]
    ]


def queried_metrics() -> dict[str, set[str]]:
    """Every metric name a rule or a dashboard reads, with where it is read."""
    found: dict[str, set[str]] = {}
    for alert, rule in alert_rules().items():
        for name in metric_names(rule["expr"]):
            found.setdefault(name, set()).add(f"rule {alert}")
    for board, title, expr in dashboard_exprs():
        for name in metric_names(expr):
            found.setdefault(name, set()).add(f"{board}: {title}")
    return found


# --- Rules ---


def test_promtool_checks_the_rules():
    run(tool("promtool"), "check", "rules", str(RULES))


def test_promtool_unit_tests_pass():
    result = run(tool("promtool"), "test", "rules", str(RULE_TESTS), cwd=RULE_TESTS.parent)
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(("condition", "alert"), sorted(REQUIRED_ALERTS.items()))
def test_every_listed_condition_has_an_alert(condition, alert):
    rule = alert_rules()[alert]
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"]


def test_the_thresholds_are_the_ones_asked_for():
    rules = alert_rules()
    assert ") > 0.05" in rules["CrewUpHighErrorRate"]["expr"]
    assert rules["CrewUpHighLatencyP99"]["expr"].strip().endswith("> 2")
    assert "histogram_quantile(0.99" in rules["CrewUpHighLatencyP99"]["expr"]
    assert rules["CrewUpRabbitMQQueueBacklog"]["expr"].strip().endswith("> 1000")


def test_every_alert_has_a_test_that_fires_and_one_that_stays_quiet():
    fired: set[str] = set()
    quiet: set[str] = set()
    for case in load_yaml(RULE_TESTS)["tests"]:
        for check in case["alert_rule_test"]:
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fired == set(alert_rules())
    assert quiet == set(alert_rules())


# --- Prometheus, Alertmanager ---


def test_promtool_checks_the_scrape_config(tmp_path):
    """Debian's promtool is built without Kubernetes service discovery, so each
    kubernetes_sd_configs block is checked here and replaced by a file_sd block for promtool,
    which then checks everything else (relabelling, jobs, alerting, rule files)."""
    config = load_yaml(MONITORING / "prometheus" / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {
        "kubernetes-pods",
        "rabbitmq",
        "postgres-exporter",
        "kube-state-metrics",
        "kubernetes-nodes",
        "kubernetes-cadvisor",
    } <= set(jobs)
    for job in jobs.values():
        for discovery in job.pop("kubernetes_sd_configs", []):
            assert discovery["role"] in {
                "pod",
                "node",
                "service",
                "endpoints",
                "endpointslice",
                "ingress",
            }
            assert set(discovery) <= {"role", "namespaces", "selectors"}
            job["file_sd_configs"] = [{"files": [str(tmp_path / "targets.json")]}]
    checked = tmp_path / "prometheus.yml"
    checked.write_text(yaml.safe_dump(config))
    run(tool("promtool"), "check", "config", "--syntax-only", str(checked))


def test_scrape_config_follows_the_charts_annotations_and_the_brokers_port():
    jobs = {
        job["job_name"]: job
        for job in load_yaml(MONITORING / "prometheus" / "prometheus.yml")["scrape_configs"]
    }
    pods = jobs["kubernetes-pods"]["relabel_configs"]
    assert pods[0] == {
        "source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
        "action": "keep",
        "regex": "true",
    }
    targets = {rule.get("target_label") for rule in pods}
    assert {"__metrics_path__", "__address__", "namespace", "pod", "component"} <= targets
    # Samples keep their own `service` label (the Django service); no target label clobbers it.
    assert "service" not in targets
    assert jobs["rabbitmq"]["metrics_path"] == "/metrics/per-object"
    assert jobs["rabbitmq"]["relabel_configs"][0]["regex"] == "rabbitmq;15692"
    assert jobs["postgres-exporter"]["relabel_configs"][0]["regex"].endswith(";9187")
    assert jobs["kubernetes-cadvisor"]["metrics_path"] == "/metrics/cadvisor"


def test_amtool_checks_the_alertmanager_config():
    run(tool("amtool"), "check-config", str(MONITORING / "alertmanager" / "alertmanager.yml"))


def test_alertmanager_sends_email_and_slack_with_secrets_from_files():
    text = (MONITORING / "alertmanager" / "alertmanager.yml").read_text()
    config = yaml.safe_load(text)
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    assert any("email_configs" in receiver for receiver in receivers.values())
    assert any("slack_configs" in receiver for receiver in receivers.values())
    assert config["global"]["slack_api_url_file"].startswith("/etc/alertmanager/secrets/")
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
    assert not re.search(r"hooks\.slack\.com|smtp_auth_password:|api_url:", text)
    critical = next(
        route for route in config["route"]["routes"] if route["matchers"] == ['severity="critical"']
    )
    assert {"slack_configs", "email_configs"} <= set(receivers[critical["receiver"]])


# --- Grafana ---


def test_dashboards_are_what_the_generator_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_dashboards", MONITORING / "grafana" / "build_dashboards.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.DASHBOARDS) == set(dashboards())
    for name, content in module.DASHBOARDS.items():
        assert (DASHBOARDS / name).read_text() == module.render(content), (
            f"{name} is stale: run `uv run python monitoring/grafana/build_dashboards.py`"
        )


def test_the_four_dashboards_and_their_panels():
    titles = {board["title"]: board for board in dashboards().values()}
    assert set(titles) == {
        "CrewUp / Microservices health",
        "CrewUp / Infrastructure",
        "CrewUp / Application",
        "CrewUp / Database",
    }
    assert len({board["uid"] for board in titles.values()}) == 4
    health = " ".join(
        target["expr"]
        for panel in titles["CrewUp / Microservices health"]["panels"]
        for target in panel["targets"]
    )
    for needle in (
        "histogram_quantile(0.5,",
        "histogram_quantile(0.95,",
        "histogram_quantile(0.99,",
        'status=~"5.."',
        "avg_over_time(up{",
    ):
        assert needle in health
    business = set().union(
        *(
            metric_names(target["expr"])
            for panel in titles["CrewUp / Application"]["panels"]
            for target in panel["targets"]
        )
    )
    assert {
        "users_registered_total",
        "events_created_total",
        "groups_created_total",
        "messages_sent_total",
        "safety_alerts_total",
        "bans_total",
    } <= business


def test_every_dashboard_query_is_valid_promql(tmp_path):
    """promtool parses each panel's query as a recording rule (Grafana's variables filled in)."""
    rules = []
    for index, (_board, _title, expr) in enumerate(dashboard_exprs()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        expr = expr.replace("$namespace", "crewup-production").replace("$service", ".*")
        rules.append({"record": f"crewup:panel_{index}", "expr": expr})
    checked = tmp_path / "panels.yml"
    checked.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    run(tool("promtool"), "check", "rules", str(checked))


# --- The kustomization that ships it ---


def test_kustomization_renders_valid_config_maps():
    output = run(tool("kubectl"), "kustomize", str(MONITORING)).stdout
    documents = [doc for doc in yaml.safe_load_all(output) if doc]
    names = {doc["metadata"]["name"]: doc for doc in documents}
    assert set(names) == {
        "prometheus-config",
        "prometheus-rules",
        "alertmanager-config",
        "grafana-provisioning-datasources",
        "grafana-provisioning-dashboards",
        "grafana-dashboards-crewup",
    }
    for doc in documents:
        assert doc["metadata"]["namespace"] == "monitoring"
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    assert names["grafana-dashboards-crewup"]["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert set(names["grafana-dashboards-crewup"]["data"]) == set(dashboards())
    assert names["prometheus-rules"]["data"]["crewup.rules.yml"] == RULES.read_text()


# --- The metric-name finder the export test relies on ---


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'sum by (service) (rate(a_total{status=~"5.."}[5m])) / sum by (service) (rate(a_total[5m]))',
            {"a_total"},
        ),
        (
            "histogram_quantile(0.99, sum by (namespace, le) (rate(b_bucket[$__rate_interval]))) > 2",
            {"b_bucket"},
        ),
        (
            'kube_x{namespace=~"crewup-.+"} == 0 and on (namespace, deployment) kube_y > 0',
            {"kube_x", "kube_y"},
        ),
        ("max by (namespace) (min_over_time(outbox_backlog[10m])) > 0", {"outbox_backlog"}),
        ('topk(10, rate(pg_seq{datname="crewup"}[5m]))', {"pg_seq"}),
        ('avg by (component) (avg_over_time(up{job="kubernetes-pods"}[$__range]))', {"up"}),
        ("sum(count)", {"count"}),
    ],
)
def test_metric_names_are_found_in_promql(expr, names):
    assert metric_names(expr) == names


def test_queried_metrics_are_known():
    """Guards the export test from a finder that finds nothing."""
    found = queried_metrics()
    assert "django_http_responses_total_by_status_view_method_total" in found
    assert "kube_pod_container_status_restarts_total" in found
    assert len(found) > 30
