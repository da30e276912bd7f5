"""ArgoCD: one Application per environment on the chart with that environment's values."""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

import pytest

from infra_tests.tools import ENVIRONMENTS, REPO, load_yaml

ARGOCD = REPO / "k8s" / "argocd"
REPO_URL = "https://github.com/crewup/crewup.git"


def application(name: str) -> dict:
    return load_yaml(ARGOCD / f"{name}.yaml")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_application_deploys_the_chart_with_the_environments_values(environment):
    app = application(environment)
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["kind"] == "Application"
    assert app["metadata"] == {
        **app["metadata"],
        "name": f"crewup-{environment}",
        "namespace": "argocd",
    }
    source = app["spec"]["source"]
    assert source["repoURL"] == REPO_URL
    assert source["targetRevision"] == "main"
    assert (REPO / source["path"] / "Chart.yaml").exists()
    (values_file,) = source["helm"]["valueFiles"]
    resolved = PurePosixPath(source["path"]) / values_file
    # Resolved inside the repository, as ArgoCD requires.
    assert (REPO / resolved).resolve() == (
        REPO / "k8s" / "environments" / environment / "values.yaml"
    )
    assert source["helm"]["releaseName"] == "crewup"
    assert app["spec"]["destination"]["namespace"] == f"crewup-{environment}"


def test_dev_syncs_automatically_with_prune_and_self_heal():
    policy = application("dev")["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_staging_and_production_sync_by_hand(environment):
    policy = application(environment)["spec"].get("syncPolicy", {})
    assert "automated" not in policy


def test_the_project_admits_every_applications_namespaces_and_nothing_more():
    project = load_yaml(ARGOCD / "project.yaml")
    assert project["spec"]["sourceRepos"] == [REPO_URL]
    allowed = [destination["namespace"] for destination in project["spec"]["destinations"]]
    wanted = ["monitoring"]
    for environment in ENVIRONMENTS:
        values = load_yaml(REPO / "k8s" / "environments" / environment / "values.yaml")
        wanted += [f"crewup-{environment}", values["networkPolicy"]["data"]["namespace"]]
    for namespace in wanted:
        assert any(fnmatch.fnmatchcase(namespace, pattern) for pattern in allowed), namespace
    for name in [*ENVIRONMENTS, "monitoring"]:
        assert application(name)["spec"]["project"] == project["metadata"]["name"]
    assert not any(fnmatch.fnmatchcase("kube-system", pattern) for pattern in allowed)


def test_monitoring_application_syncs_the_kustomization():
    app = application("monitoring")
    assert app["spec"]["source"]["path"] == "monitoring"
    assert (REPO / "monitoring" / "kustomization.yaml").exists()
    assert app["spec"]["destination"]["namespace"] == "monitoring"
