"""GitHub Actions: actionlint, the workflow schema, and what each workflow decides."""

from __future__ import annotations

import re
import subprocess
from functools import cache

import pytest
import yaml

from infra_tests.tools import REPO, load_yaml, run, tool

WORKFLOWS = REPO / ".github" / "workflows"
PATH_FILTERS = REPO / ".github" / "path-filters.yml"
PYTHON_IMAGES = {"event", "group", "user", "safety", "moderation"}
IMAGES = PYTHON_IMAGES | {"frontend"}


def workflow(name: str) -> dict:
    # PyYAML reads the key `on` as True.
    document = load_yaml(WORKFLOWS / name)
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(document: dict, job: str) -> list[dict]:
    return document["jobs"][job]["steps"]


def step_named(document: dict, job: str, name: str) -> dict:
    (found,) = [step for step in steps(document, job) if step.get("name") == name]
    return found


def test_actionlint_passes():
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    assert len(files) == 4
    run(tool("actionlint"), *files)


def test_workflows_match_the_github_workflow_schema():
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files)


# --- Which images a change builds ---


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """picomatch's globs as dorny/paths-filter uses them: `**` spans folders, `*` does not."""
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(f"^{out}$")


def flatten(items: list) -> list[str]:
    """YAML anchors nest the shared list inside a filter; paths-filter flattens it."""
    flat: list[str] = []
    for item in items:
        flat.extend(flatten(item) if isinstance(item, list) else [item])
    return flat


@cache
def filters() -> dict[str, list[re.Pattern[str]]]:
    raw = load_yaml(PATH_FILTERS)
    return {name: [glob_to_regex(glob) for glob in flatten(globs)] for name, globs in raw.items()}


def images_for(*changed: str) -> set[str]:
    """The images the workflows build for these changed files (the `python` block excluded, as
    their jq step does)."""
    selected = {
        name
        for name, patterns in filters().items()
        if any(pattern.match(path) for pattern in patterns for path in changed)
    }
    return selected - {"python"}


def test_the_glob_matcher_behaves_like_picomatch():
    assert glob_to_regex("shared/**").match("shared/shared/metrics/__init__.py")
    assert glob_to_regex("docker/**").match("docker/entrypoint.sh")
    assert not glob_to_regex("shared/**").match("event_service/shared/x.py")
    assert glob_to_regex("uv.lock").match("uv.lock")
    assert not glob_to_regex("uv.lock").match("dev/uv.lock")
    assert not glob_to_regex("*.md").match("docs/a.md")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["event_service/event_service/api/views.py"], {"event"}),
        (["event_service/tests/test_api_events.py", "event_service/pyproject.toml"], {"event"}),
        (["group_service/group_service/consumers.py"], {"group"}),
        (
            ["moderation_service/moderation_service/settings.py", "user_service/x.py"],
            {"moderation", "user"},
        ),
        (["shared/shared/events/services.py"], PYTHON_IMAGES),
        (["uv.lock"], PYTHON_IMAGES),
        (["Dockerfile"], PYTHON_IMAGES),
        (["docker/entrypoint.sh"], PYTHON_IMAGES),
        (["frontend/src/App.tsx"], {"frontend"}),
        (["frontend/Dockerfile", "safety_service/safety_service/urls.py"], {"frontend", "safety"}),
        (["README.md", "k8s/environments/dev/values.yaml", ".github/workflows/ci.yml"], set()),
    ],
)
def test_path_filters_pick_the_changed_images(changed, expected):
    assert images_for(*changed) == expected


def test_every_image_the_chart_runs_has_a_path_filter():
    chart_images = set(load_yaml(REPO / "k8s" / "charts" / "crewup" / "values.yaml")["imageTags"])
    assert chart_images == IMAGES
    assert set(filters()) - {"python"} == IMAGES


@pytest.mark.parametrize("name", ["ci.yml", "build-deploy.yml"])
def test_workflows_read_the_one_filter_file(name):
    document = workflow(name)
    (filter_step,) = [
        step
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("dorny/paths-filter@")
    ]
    assert filter_step["with"]["filters"] == ".github/path-filters.yml"


def test_the_images_step_drops_the_python_block():
    script = step_named(workflow("build-deploy.yml"), "changes", "The images to build")["run"]
    assert """jq -c 'map(select(. != "python"))'""" in script


# --- Build and deploy ---


def test_build_deploy_builds_changed_images_on_push_to_main_and_bumps_dev():
    document = workflow("build-deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    build = document["jobs"]["build"]
    assert build["uses"] == "./.github/workflows/service.yml"
    assert build["strategy"]["matrix"]["image"] == "${{ fromJSON(needs.changes.outputs.images) }}"
    assert build["with"]["push"] is True
    assert build["with"]["tag"] == "${{ needs.changes.outputs.tag }}"
    assert (
        'echo "tag=${GITHUB_SHA::7}"'
        in step_named(document, "changes", "The images to build")["run"]
    )
    deploy = document["jobs"]["deploy-dev"]
    assert deploy["needs"] == ["changes", "build"]
    assert deploy["permissions"] == {"contents": "write"}
    bump = step_named(document, "deploy-dev", "Point dev at the new images")["run"]
    assert 'yq -i ".imageTags.${image} = \\"${TAG}\\"" k8s/environments/dev/values.yaml' in bump
    commit = step_named(document, "deploy-dev", "Commit and push")["run"]
    assert "[skip ci]" in commit
    assert "git push origin HEAD:main" in commit


def test_images_go_to_ghcr_tagged_with_the_sha_and_latest():
    document = workflow("service.yml")
    build = next(
        step
        for step in steps(document, "image")
        if step.get("uses", "").startswith("docker/build-push-action@")
    )
    tags = build["with"]["tags"].strip().splitlines()
    assert tags == [
        "${{ steps.ref.outputs.name }}:${{ inputs.tag }}",
        "${{ steps.ref.outputs.name }}:latest",
    ]
    where = step_named(document, "image", "Where the image goes")["run"]
    assert 'echo "name=ghcr.io/${owner}/crewup-${IMAGE}"' in where
    # The chart pulls the same names: ghcr.io/<owner>/crewup-<image>.
    image = load_yaml(REPO / "k8s" / "charts" / "crewup" / "values.yaml")["image"]
    assert (image["registry"], image["repositoryPrefix"]) == ("ghcr.io", "crewup/crewup")


def test_where_the_image_goes_picks_the_dockerfile_and_service(tmp_path):
    script = step_named(workflow("service.yml"), "image", "Where the image goes")["run"]
    for image, context, build_args, build_contexts in [
        ("event", ".", "SERVICE=event", ""),
        # the SPA's image also builds the street map from the repository's tiles/
        ("frontend", "frontend", "", "tiles=tiles"),
    ]:
        output = tmp_path / f"{image}.out"
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={
                "IMAGE": image,
                "GITHUB_REPOSITORY_OWNER": "CrewUp",
                "GITHUB_OUTPUT": str(output),
                "PATH": "/usr/bin:/bin",
            },
            check=True,
        )
        values = dict(line.split("=", 1) for line in output.read_text().splitlines())
        assert values == {
            "name": f"ghcr.io/crewup/crewup-{image}",
            "context": context,
            "build-args": build_args,
            "build-contexts": build_contexts,
        }


def test_ci_runs_make_test_with_the_real_services():
    document = workflow("ci.yml")
    job = document["jobs"]["test"]
    assert {"postgres", "redis", "rabbitmq"} == set(job["services"])
    assert job["services"]["postgres"]["image"].startswith("postgis/postgis:")
    assert [step.get("run") for step in job["steps"] if step.get("run")][-1] == "make test"
    assert document["jobs"]["images"]["with"]["push"] is False


# --- Promotion ---


@cache
def promotion_check() -> str:
    return step_named(workflow("promote.yml"), "promote", "Check the promotion path")["run"]


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("dev", "staging", True),
        ("staging", "production", True),
        ("dev", "production", False),
        ("staging", "staging", False),
        ("production", "staging", False),
    ],
)
def test_promotion_goes_dev_to_staging_to_production_only(source, target, allowed):
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", promotion_check()],
        env={"FROM": source, "TO": target, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is allowed, result.stdout


def test_promotion_copies_the_tags_and_commits():
    document = workflow("promote.yml")
    inputs = document["on"]["workflow_dispatch"]["inputs"]
    assert inputs["from"]["options"] == ["dev", "staging"]
    assert inputs["to"]["options"] == ["staging", "production"]
    copy = step_named(document, "promote", "Copy the image tags")["run"]
    assert 'yq -i ".imageTags = load(\\"k8s/environments/${FROM}/values.yaml\\").imageTags"' in copy
    assert '"k8s/environments/${TO}/values.yaml"' in copy
    assert "git push origin HEAD:main" in step_named(document, "promote", "Commit and push")["run"]
    assert document["jobs"]["promote"]["environment"] == "${{ inputs.to }}"


def test_environments_values_keep_their_tags_where_the_workflows_write_them():
    for environment in ("dev", "staging", "production"):
        values = yaml.safe_load(
            (REPO / "k8s" / "environments" / environment / "values.yaml").read_text()
        )
        assert set(values["imageTags"]) == IMAGES
