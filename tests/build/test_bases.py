"""imagekit build base: definitions built on the engine in dependency order, unchanged ones
skipped, children rebuilt when their parent's image changed, the lint gate, BuildKit."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from tests.support.docker import LABEL, run


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)


def bases(*args: str) -> Result:
    return CliRunner().invoke(cli, ["build", "base", *args], catch_exceptions=False)


def summaries(result: Result) -> dict[str, dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return {item["name"]: item for item in json.loads(result.stdout)}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repository() -> str:
    """A repository prefix of the test's own, so runs never see each other's tags."""
    return f"imagekit-test-{uuid.uuid4().hex[:8]}"


def busybox_set(root: Path, repository: str) -> None:
    """Two bases on busybox (no package manager, so no network): app on tools."""
    write(root / "baseimages" / "files" / "motd.txt", "hello\n")
    write(
        root / "baseimages" / "tools.yaml",
        f"""version: "1"
repository: {repository}/tools
parent: busybox:1.35
ca-certificates: false
files:
  - {{src: files/motd.txt, dest: /etc/motd, mode: "0600"}}
env: {{GREETING: hello}}
labels: {{{LABEL}: "1"}}
""",
    )
    write(
        root / "baseimages" / "app.yaml",
        f"""version: "2.0"
repository: {repository}/app
tags: ["v{{version}}-{{hash}}", "v{{version}}"]
parent: {{base: tools}}
ca-certificates: false
user: "65532:65532"
workdir: /srv
labels: {{{LABEL}: "1"}}
""",
    )


def test_builds_in_order_skips_when_unchanged_and_rebuilds_children(
    engine: Any, tmp_path: Path, repository: str
) -> None:
    busybox_set(tmp_path, repository)
    first = summaries(bases("--format", "json", "--jobs", "2"))
    assert {name: item["action"] for name, item in first.items()} == {
        "tools": "built",
        "app": "built",
    }
    tools, app = first["tools"], first["app"]
    assert tools["reference"].startswith(f"{repository}/tools:1-")
    assert tools["reference"].endswith(tools["input_hash"][7:19])
    assert app["references"] == [
        f"{repository}/app:v2.0-{app['input_hash'][7:19]}",
        f"{repository}/app:v2.0",
    ]
    assert app["parent"] == {"reference": tools["reference"], "digest": tools["digest"]}
    assert app["size"] > 0 and app["uncompressed_size"] > app["size"]
    image = engine.images.get(app["reference"])
    assert image.id == app["digest"]
    assert image.labels["org.imagekit.base.input-hash"] == app["input_hash"]
    assert image.attrs["Config"]["User"] == "65532:65532"
    assert run(engine, tools["reference"], ["cat", "/etc/motd"]) == "hello\n"
    assert run(engine, app["reference"], ["stat", "-c", "%a", "/etc/motd"]).strip() == "600"

    second = summaries(bases("--format", "json"))
    assert {item["action"] for item in second.values()} == {"skipped"}
    assert {n: i["digest"] for n, i in second.items()} == {n: i["digest"] for n, i in first.items()}

    write(tmp_path / "baseimages" / "files" / "motd.txt", "hello again\n")
    third = summaries(bases("--format", "json", "app"))
    assert third["tools"]["action"] == "built" and third["app"]["action"] == "built"
    assert third["tools"]["digest"] != tools["digest"]
    assert third["app"]["parent"]["digest"] == third["tools"]["digest"]
    assert engine.images.get(f"{repository}/app:v2.0").id == third["app"]["digest"]


def test_a_package_list_becomes_one_slim_run(engine: Any, tmp_path: Path, repository: str) -> None:
    write(
        tmp_path / "baseimages" / "certs.yaml",
        f"""version: "12"
repository: {repository}/certs
parent: debian:bookworm-slim
labels: {{{LABEL}: "1"}}
""",
    )
    result = bases("--format", "json")
    (certs,) = summaries(result).values()
    assert certs["action"] == "built" and certs["lint"]["findings"] == []
    history = engine.api.history(certs["digest"])
    runs = [h["CreatedBy"] for h in history if "apt-get" in h["CreatedBy"]]
    assert len(runs) == 1 and "--no-install-recommends ca-certificates" in runs[0]
    listing = run(
        engine,
        certs["reference"],
        [
            "sh",
            "-c",
            "ls /var/lib/apt/lists /var/cache/apt; test -s /etc/ssl/certs/ca-certificates.crt && echo bundle",
        ],
    )
    assert listing.split() == ["/var/cache/apt:", "archives", "/var/lib/apt/lists:", "bundle"]


def test_a_dockerfile_with_findings_stops_the_build(
    engine: Any, tmp_path: Path, repository: str
) -> None:
    write(
        tmp_path / "baseimages" / "legacy" / "Dockerfile",
        "FROM busybox\nRUN echo one\nRUN echo two\n",
    )
    write(
        tmp_path / "baseimages" / "legacy.yaml",
        f"version: '1'\nrepository: {repository}/legacy\ndockerfile: legacy/Dockerfile\n",
    )
    result = bases()
    assert result.exit_code == 1, result.stderr
    assert "IK402" in result.stderr and "unpinned-base-tag" in result.stderr
    assert "error[policy-failure]" in result.stderr and "legacy" in result.stderr
    assert engine.images.list(name=f"{repository}/legacy") == []


def test_a_buildkit_dockerfile_builds_through_the_docker_cli(
    engine: Any, tmp_path: Path, repository: str
) -> None:
    write(
        tmp_path / "baseimages" / "cached" / "Dockerfile",
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n"
        "RUN --mount=type=tmpfs,target=/scratch echo built > /scratch/x && cp /scratch/x /built\n",
    )
    write(
        tmp_path / "baseimages" / "cached.yaml",
        f"version: '1'\nrepository: {repository}/cached\nparent: busybox:1.35\n"
        f"dockerfile: cached/Dockerfile\nlabels: {{{LABEL}: '1'}}\n",
    )
    (cached,) = summaries(bases("--format", "json")).values()
    assert cached["builder"] == "buildkit"
    assert run(engine, cached["reference"], ["cat", "/built"]) == "built\n"
    assert engine.images.get(cached["reference"]).labels[LABEL] == "1"


def test_a_heredoc_cannot_be_built_on_this_engine_and_says_why(
    engine: Any, tmp_path: Path, repository: str
) -> None:
    from imagekit.build.dockerbuild import Engine, engine_version

    if engine_version(Engine()) >= (23, 0):
        pytest.fail("this engine's BuildKit reads heredocs: assert that they build instead")
    write(
        tmp_path / "baseimages" / "here" / "Dockerfile",
        "FROM busybox:1.35\nRUN <<EOF\necho hi > /hi\nEOF\n",
    )
    write(
        tmp_path / "baseimages" / "here.yaml",
        f"version: '1'\nrepository: {repository}/here\ndockerfile: here/Dockerfile\n",
    )
    result = bases()
    assert result.exit_code == 4, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("imagekit: error")]
    assert (
        "heredocs (line 2)" in line
        and "Docker Engine 23" in line
        and "cannot be built here" in line
    )


def test_push_prints_the_size_report_and_json_feeds_report_pr(
    engine: Any, registry: str, tmp_path: Path, repository: str
) -> None:
    from imagekit.report.saved import markdown_from_files

    busybox_set(tmp_path, repository)
    result = bases("--format", "json", "--push", f"{registry}/{repository}", "tools")
    (tools,) = summaries(result).values()
    pushed = tools["push"]
    tags = (tools["reference"].rpartition(":")[2], "1")
    assert pushed["references"] == [
        f"{registry}/{repository}/tools:{tag}@{pushed['digest']}" for tag in tags
    ]
    assert pushed["digest"].startswith("sha256:")
    assert tools["size_report"]["images"][0]["reference"].startswith(
        f"{registry}/{repository}/tools"
    )
    assert "compressed" in result.stderr.lower()  # the size report table
    saved = write(tmp_path / "bases.json", result.stdout)
    assert f"{repository}/tools" in markdown_from_files([saved])


def test_bad_definitions_exit_2_with_the_line(tmp_path: Path) -> None:
    write(tmp_path / "baseimages" / "a.yaml", "version: '1'\nparent: {base: b}\n")
    write(tmp_path / "baseimages" / "b.yaml", "version: '1'\n\nparent: {base: a}\n")
    result = bases()
    assert result.exit_code == 2
    assert "baseimages/a.yaml:2: parents go round in a cycle: a -> b -> a" in result.stderr
    assert "1 more" in result.stderr
    assert bases("nope").exit_code == 2
