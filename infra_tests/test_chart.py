"""The Helm chart: lint, schema-valid renders for every environment, and what production runs."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from infra_tests.tools import (
    CHART,
    ENVIRONMENTS,
    KUBERNETES_VERSION,
    REPO,
    by_name,
    clean_env,
    helm_template,
    load_yaml,
    of_kind,
    rendered,
    run,
    tool,
)

PUBLIC_PATHS = {
    "/api/v1/events": "crewup-event",
    "/api/v1/groups": "crewup-group",
    "/api/v1/users": "crewup-user",
    "/api/v1/safety": "crewup-safety",
    "/api/v1/moderation": "crewup-moderation",
    "/admin": "crewup-moderation",
    "/ws": "crewup-group-ws",
    "/map": "crewup-frontend",
    "/": "crewup-frontend",
}
INTERNAL = ("healthz", "readyz", "metrics", "internal")
WEB = ("event", "group", "user", "safety", "moderation")


def pod_spec(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]


def container_env(container: dict) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in container.get("env", [])}


@pytest.mark.parametrize("environment", [None, *ENVIRONMENTS])
def test_helm_lint_passes(environment):
    args = [tool("helm"), "lint", "--strict", str(CHART)]
    if environment:
        args += ["-f", str(REPO / "k8s" / "environments" / environment / "values.yaml")]
    run(*args)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_rendered_document_is_valid_kubernetes(environment):
    documents = rendered(environment)
    assert len(documents) > 30
    for doc in documents:
        # strict: an unknown field is an error, not silently dropped by the API server.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_serves_its_host_with_its_image_tags(environment):
    values = load_yaml(REPO / "k8s" / "environments" / environment / "values.yaml")
    documents = rendered(environment)
    expected_host = {
        "dev": "crewup-dev.ltu-m7011e-3.se",
        "staging": "crewup-staging.ltu-m7011e-3.se",
        "production": "crewup.ltu-m7011e-3.se",
    }[environment]
    assert values["host"] == expected_host
    for ingress in of_kind(documents, "Ingress"):
        assert [rule["host"] for rule in ingress["spec"]["rules"]] == [expected_host]
    images = {
        container["image"]
        for doc in [*of_kind(documents, "Deployment"), *of_kind(documents, "Job")]
        for container in pod_spec(doc)["containers"]
    }
    expected = {f"ghcr.io/crewup/crewup-{name}:{tag}" for name, tag in values["imageTags"].items()}
    assert images == expected


def test_production_web_services_have_probes_resources_and_disruption_budgets():
    documents = rendered("production")
    deployments = by_name(documents, "Deployment")
    budgets = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for doc in of_kind(documents, "PodDisruptionBudget")
    }
    for name in [*WEB, "group-ws"]:
        deployment = deployments[f"crewup-{name}"]
        (container,) = pod_spec(deployment)["containers"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
        assert name in budgets
    assert container["args"] == ["ws"]
    assert pod_spec(deployments["crewup-event"])["containers"][0]["args"] == ["web", "event"]


def test_production_every_container_has_requests_and_limits():
    documents = rendered("production")
    for doc in [*of_kind(documents, "Deployment"), *of_kind(documents, "Job")]:
        for container in pod_spec(doc)["containers"]:
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (doc["metadata"]["name"], kind)


def test_production_pods_run_locked_down():
    documents = rendered("production")
    for doc in [*of_kind(documents, "Deployment"), *of_kind(documents, "Job")]:
        spec = pod_spec(doc)
        name = doc["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        mounts = {}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts.update(
                {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            )
        assert "/tmp" in mounts, name
        empty_dirs = {volume["name"] for volume in spec["volumes"] if "emptyDir" in volume}
        assert set(mounts.values()) <= empty_dirs, name
    for account in of_kind(documents, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


def test_production_python_pods_write_metrics_where_an_empty_dir_is_mounted():
    documents = rendered("production")
    for doc in of_kind(documents, "Deployment"):
        for container in pod_spec(doc)["containers"]:
            env = container_env(container)
            if "PROMETHEUS_MULTIPROC_DIR" not in env:
                continue
            mounts = [mount["mountPath"] for mount in container["volumeMounts"]]
            assert env["PROMETHEUS_MULTIPROC_DIR"] in mounts
            # Probes and scrapes send the pod's IP as Host: Django must allow it.
            assert env["DJANGO_ALLOWED_HOSTS"].startswith("$(POD_IP),crewup.ltu-m7011e-3.se,")
            assert [item["name"] for item in container["env"]].index("POD_IP") < list(env).index(
                "DJANGO_ALLOWED_HOSTS"
            )


def test_production_pods_are_annotated_for_prometheus():
    deployments = by_name(rendered("production"), "Deployment")
    for name in [*WEB, "group-ws"]:
        annotations = deployments[f"crewup-{name}"]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        assert annotations["prometheus.io/port"] == "8000"
    worker = deployments["crewup-user-worker"]
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "9100"
    sidecar = pod_spec(worker)["containers"][1]
    assert sidecar["args"] == ["metrics", "user"]
    assert sidecar["ports"][0]["containerPort"] == 9100


def test_production_secrets_are_referenced_never_rendered():
    documents = rendered("production")
    assert not of_kind(documents, "Secret")
    for doc in [*of_kind(documents, "Deployment"), *of_kind(documents, "Job")]:
        for container in pod_spec(doc)["containers"]:
            refs = [
                source["secretRef"]["name"]
                for source in container.get("envFrom", [])
                if "secretRef" in source
            ]
            if container["name"] != "nginx":
                assert refs == ["crewup-secrets"], doc["metadata"]["name"]
    config = by_name(documents, "ConfigMap")["crewup"]["data"]
    for secret in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "RABBITMQ_URL"):
        assert secret not in config


def test_production_ingress_routes_exactly_the_public_paths_over_tls():
    documents = rendered("production")
    ingresses = by_name(documents, "Ingress")
    assert set(ingresses) == {"crewup", "crewup-ws"}
    assert (
        ingresses["crewup"]["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        == "letsencrypt-prod"
    )
    services = by_name(documents, "Service")
    routes = {}
    for ingress in ingresses.values():
        assert ingress["spec"]["tls"] == [
            {"hosts": ["crewup.ltu-m7011e-3.se"], "secretName": "crewup-tls"}
        ]
        assert (
            ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"]
            == "true"
        )
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                routes[path["path"]] = backend["name"]
                service_ports = [
                    port["port"] for port in services[backend["name"]]["spec"]["ports"]
                ]
                assert backend["port"]["number"] in service_ports
    assert routes == PUBLIC_PATHS
    for path in routes:
        assert not any(word in path for word in INTERNAL), path
    # The chat's long-lived sockets get long timeouts; the API keeps the controller's.
    assert (
        ingresses["crewup-ws"]["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/proxy-read-timeout"
        ]
        == "3600"
    )
    assert (
        "nginx.ingress.kubernetes.io/proxy-read-timeout"
        not in ingresses["crewup"]["metadata"]["annotations"]
    )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_ingress_body_limit_is_the_services_limit(environment):
    """A body the Ingress passes on and a service refuses unread ends in a 502: one limit."""
    documents = rendered(environment)
    limit = by_name(documents, "ConfigMap")["crewup"]["data"]["REQUEST_BODY_MAX_BYTES"]
    assert limit == str(2 * 1024 * 1024)  # shared.settings.common's default
    annotations = by_name(documents, "Ingress")["crewup"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == limit


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_body_the_ingress_refuses_gets_the_json_413_from_the_spa_server(environment):
    """ingress-nginx answers its own 413 with an HTML page unless a backend renders it."""
    documents = rendered(environment)
    annotations = by_name(documents, "Ingress")["crewup"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/custom-http-errors"] == "413"
    backend = annotations["nginx.ingress.kubernetes.io/default-backend"]
    assert backend in by_name(documents, "Service")
    # the backend is the SPA's server, which names the services' limit in its answer
    container = by_name(documents, "Deployment")[backend]["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in container["containers"][0]["env"]}
    limit = by_name(documents, "ConfigMap")["crewup"]["data"]["REQUEST_BODY_MAX_BYTES"]
    assert env["REQUEST_BODY_MAX_BYTES"] == limit


def test_an_internal_path_cannot_be_routed():
    result = run(
        tool("helm"),
        "template",
        "crewup",
        str(CHART),
        "--set",
        "services.event.ingressPaths={/api/v1/events,/internal/things}",
        check=False,
    )
    assert result.returncode != 0
    assert "is not a public path" in result.stderr


def test_a_service_cannot_take_the_street_maps_path():
    result = run(
        tool("helm"),
        "template",
        "crewup",
        str(CHART),
        "--set",
        "services.event.ingressPaths={/api/v1/events,/map/tiles}",
        check=False,
    )
    assert result.returncode != 0
    assert "/map/tiles is the SPA's street map" in result.stderr


def test_the_spa_is_told_the_street_maps_style_and_a_deployment_may_name_another():
    def style_url(*extra: str) -> str:
        documents = yaml.safe_load_all(helm_template("production", *extra))
        (frontend,) = [
            doc
            for doc in documents
            if doc and doc["kind"] == "Deployment" and doc["metadata"]["name"] == "crewup-frontend"
        ]
        (container,) = pod_spec(frontend)["containers"]
        return container_env(container)["CREWUP_MAP_STYLE_URL"]

    assert style_url() == "/map/style.json"
    other = "https://tiles.example/styles/bright/style.json"
    assert style_url("--set", f"frontend.mapStyleUrl={other}") == other


def test_production_migrations_run_as_a_pre_install_and_pre_upgrade_hook():
    documents = rendered("production")
    (job,) = of_kind(documents, "Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    spec = pod_spec(job)
    (container,) = spec["containers"]
    assert container["args"] == ["migrate"]
    assert container["image"].startswith("ghcr.io/crewup/crewup-moderation:")
    assert spec["restartPolicy"] == "Never"
    # Hooks run before the release's other objects: the Job needs no ConfigMap of it, and its
    # service account is a hook that comes first.
    assert not any("configMapRef" in source for source in container["envFrom"])
    assert container_env(container)["OIDC_ISSUER"].startswith("https://")
    accounts = by_name(documents, "ServiceAccount")
    hook_account = accounts[spec["serviceAccountName"]]["metadata"]["annotations"]
    assert hook_account["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(hook_account["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])


def test_production_autoscales_the_event_and_group_services():
    documents = rendered("production")
    deployments = by_name(documents, "Deployment")
    autoscalers = by_name(documents, "HorizontalPodAutoscaler")
    assert {"crewup-event", "crewup-group", "crewup-group-ws"} <= set(autoscalers)
    for name, autoscaler in autoscalers.items():
        assert autoscaler["spec"]["scaleTargetRef"]["name"] == name
        assert autoscaler["spec"]["minReplicas"] >= 3
        # The HPA owns the replica count: the Deployment must not fight it.
        assert "replicas" not in deployments[name]["spec"]
    assert "replicas" in deployments["crewup-user"]["spec"]


def test_dev_runs_one_pod_each_without_autoscaling():
    documents = rendered("dev")
    assert not of_kind(documents, "HorizontalPodAutoscaler")
    for name in WEB:
        assert by_name(documents, "Deployment")[f"crewup-{name}"]["spec"]["replicas"] == 1


def test_production_celery_workers_and_beats():
    deployments = by_name(rendered("production"), "Deployment")
    workers = {
        name: pod_spec(doc)["containers"][0]["args"]
        for name, doc in deployments.items()
        if doc["metadata"]["labels"]["crewup.io/role"] in {"worker", "beat"}
    }
    assert workers == {
        "crewup-user-worker": ["worker", "user", "--concurrency", "2"],
        "crewup-user-beat": ["beat", "user"],
        "crewup-group-worker": ["worker", "group", "--concurrency", "1"],
        "crewup-moderation-worker": ["worker", "moderation", "--concurrency", "2"],
        "crewup-moderation-beat": ["beat", "moderation"],
        "crewup-safety-worker": ["worker", "safety", "--concurrency", "2"],
        "crewup-safety-beat": ["beat", "safety"],
    }
    for beat in ("crewup-user-beat", "crewup-moderation-beat", "crewup-safety-beat"):
        assert deployments[beat]["spec"]["replicas"] == 1
        assert deployments[beat]["spec"]["strategy"] == {"type": "Recreate"}
        assert len(pod_spec(deployments[beat])["containers"]) == 1


def test_a_service_and_a_worker_slot_in_by_values():
    documents = [
        doc
        for doc in yaml.safe_load_all(
            helm_template(
                "production",
                "--set",
                "services.reviews.ingressPaths={/api/v1/reviews}",
                "--set",
                "imageTags.reviews=abc1234",
                "--set",
                "workers.reviews-worker.service=reviews",
            )
        )
        if doc
    ]
    deployments = by_name(documents, "Deployment")
    container = pod_spec(deployments["crewup-reviews"])["containers"][0]
    assert container["args"] == ["web", "reviews"]
    assert container["image"] == "ghcr.io/crewup/crewup-reviews:abc1234"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod_spec(deployments["crewup-reviews-worker"])["containers"][0]["args"] == [
        "worker",
        "reviews",
    ]
    assert "crewup-reviews" in by_name(documents, "Service")
    paths = {
        path["path"]: path["backend"]["service"]["name"]
        for ingress in of_kind(documents, "Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert paths["/api/v1/reviews"] == "crewup-reviews"
    config = by_name(documents, "ConfigMap")["crewup"]["data"]
    assert config["REVIEWS_SERVICE_URL"] == "http://crewup-reviews:8000"


def test_production_network_policies_deny_by_default_and_guard_the_data_namespace():
    policies = of_kind(rendered("production"), "NetworkPolicy")
    app = {
        doc["metadata"]["name"]: doc["spec"]
        for doc in policies
        if "namespace" not in doc["metadata"]
    }
    data = {
        doc["metadata"]["name"]: doc
        for doc in policies
        if doc["metadata"].get("namespace") == "crewup-production-data"
    }
    assert len(app) + len(data) == len(policies)

    deny = app["crewup-default-deny-ingress"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    controller = app["crewup-allow-ingress-controller"]["ingress"][0]["from"][0]
    assert controller["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }

    assert data["default-deny-ingress"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    expected_ports = {"postgresql": [5432], "redis": [6379], "rabbitmq": [5672]}
    for store, ports in expected_ports.items():
        spec = data[f"allow-{store}-from-crewup-production"]["spec"]
        assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": store}
        (rule,) = spec["ingress"]
        (source,) = rule["from"]
        assert source == {
            "namespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": "crewup-production"}
            },
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/instance": "crewup",
                    "app.kubernetes.io/part-of": "crewup",
                }
            },
        }
        assert [port["port"] for port in rule["ports"]] == ports
    # Nothing outside the cluster is let in anywhere.
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            for source in rule.get("from", []):
                assert "ipBlock" not in source
    # The database port is opened by one policy only: the app's.
    database_rules = [
        name
        for name, doc in data.items()
        for rule in doc["spec"].get("ingress", [])
        if any(port["port"] == 5432 for port in rule.get("ports", []))
    ]
    assert database_rules == ["allow-postgresql-from-crewup-production"]


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("servics.event.replicas=3", "Additional property servics is not allowed"),
        ("services.event.replcas=3", "Additional property replcas is not allowed"),
        ("workers.user-worker.role=cron", "workers.user-worker.role"),
        ("services.event.ingressPaths={api/v1/events}", "services.event.ingressPaths.0"),
    ],
)
def test_values_schema_refuses_typos(setting, complaint):
    result = run(tool("helm"), "template", "crewup", str(CHART), "--set", setting, check=False)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_make_run_starts_the_processes_the_chart_deploys(tmp_path):
    """Worker counts and types are one decision: `make run` and the chart's defaults agree."""
    import configparser
    import re
    import runpy
    import shlex

    services_sh = (REPO / "scripts" / "services.sh").read_text()
    table = services_sh.split("WORKER_CONCURRENCY=", 1)[1].splitlines()[0]
    local = dict(re.findall(r"\[(\w+)\]=(\d+)", table))
    values = yaml.safe_load((REPO / "k8s" / "charts" / "crewup" / "values.yaml").read_text())
    deployed = {
        spec["service"]: spec["args"][spec["args"].index("--concurrency") + 1]
        for spec in values["workers"].values()
        if spec.get("role", "worker") == "worker"
    }
    gunicorn = runpy.run_path(str(REPO / "shared" / "shared" / "gunicorn_conf.py"))
    # What `make run` starts: the programs of the supervisord configuration it writes.
    run(str(REPO / "scripts" / "supervise.sh"), "render", env=clean_env(RUN_DIR=str(tmp_path)))
    conf = configparser.RawConfigParser()
    conf.read(tmp_path / "supervisord.conf")
    started = {
        section.removeprefix("program:").removesuffix("-worker"): command[command.index("-c") + 1]
        for section in conf.sections()
        if section.endswith("-worker")
        for command in [shlex.split(conf[section]["command"])]
    }

    assert local == deployed
    assert started == deployed
    assert gunicorn["worker_class"] == "gthread"
    assert str(gunicorn["workers"]) == values["config"]["WEB_CONCURRENCY"]
    assert str(gunicorn["threads"]) == values["config"]["GUNICORN_THREADS"]
