"""imagekit build dockerfile: the lint gate, the build with the commit label, the inspect
gate, the push with the size report and --report FILE, and the exit code of each step."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from tests.support.docker import LABEL

CLEAN = f"""FROM busybox:1.35
LABEL {LABEL}=1
RUN mkdir -p /srv && echo hello > /srv/index.html
CMD ["httpd", "-f", "-h", "/srv"]
"""


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    for name in ("CI", "GITHUB_SHA", "CIRCLE_SHA1", "CI_COMMIT_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def build(*args: str) -> Result:
    return CliRunner().invoke(cli, ["build", "dockerfile", *args], catch_exceptions=False)


def project(tmp_path: Path, dockerfile: str, config: str = "") -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    if config:
        (app / ".imagekit.yaml").write_text(config, encoding="utf-8")
    return app


def error_line(result: Result) -> str:
    lines = [x for x in result.stderr.splitlines() if x.startswith("imagekit: error")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_findings_stop_it_before_the_build(tmp_path: Path) -> None:
    app = project(tmp_path, "FROM busybox\nRUN echo a\nRUN echo b\n")
    result = build(str(app), "--format", "json")
    assert result.exit_code == 1
    assert "IK402" in result.stderr
    assert "nothing was built" in error_line(result)
    summary = json.loads(result.stdout)
    assert summary["lint"]["failing"] == 1 and "image_id" not in summary


def test_builds_with_the_ci_commit_and_passes_the_gates(
    engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    app = project(tmp_path, CLEAN, "inspect:\n  max-size: 50MB\n")
    tag = f"imagekit-test/dockerfile-{uuid.uuid4().hex[:8]}:1"
    result = build(str(app / "Dockerfile"), "--tag", tag, "--label", "team=web", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    image = engine.images.get(tag)
    assert image.id == summary["image_id"] and summary["builder"] == "classic"
    assert (
        image.labels["org.opencontainers.image.revision"]
        == "0123456789abcdef0123456789abcdef01234567"
    )
    assert image.labels["team"] == "web"
    assert summary["inspect"]["crossings"] == [] and summary["inspect"]["size"] > 0


def test_an_inspect_limit_crossed_exits_1_and_pushes_nothing(
    engine: Any, registry: str, tmp_path: Path
) -> None:
    app = project(tmp_path, CLEAN, "inspect:\n  max-size: 1kB\n")
    repository = f"imagekit-test/gate-{uuid.uuid4().hex[:8]}"
    result = build(str(app), "--push", f"{registry}/{repository}:1", "--no-git")
    assert result.exit_code == 1, result.stderr
    assert "inspect.max-size" in error_line(result)
    assert "pushed" not in result.stderr


def test_a_failing_build_exits_4(engine: Any, tmp_path: Path) -> None:
    app = project(tmp_path, f"FROM busybox:1.35\nLABEL {LABEL}=1\nRUN echo broken && false\n")
    result = build(str(app), "--no-git")
    assert result.exit_code == 4
    line = error_line(result)
    assert "returned a non-zero code: 1" in line and "echo broken" in line


def test_push_writes_the_report_for_report_pr(engine: Any, registry: str, tmp_path: Path) -> None:
    from imagekit.report.saved import load_report, markdown_from_files

    app = project(tmp_path, CLEAN)
    destination = f"{registry}/imagekit-test/push-{uuid.uuid4().hex[:8]}:1"
    result = build(str(app), "--push", destination, "--report", str(tmp_path / "size"), "--no-git")
    assert result.exit_code == 0, result.stderr
    digest = result.stdout.strip()
    assert digest.startswith("sha256:") and len(digest) == 71
    report = load_report(tmp_path / "size.json")
    (image,) = report.images
    assert image.new.reference == destination and str(image.new.digest) == digest
    markdown = (tmp_path / "size.md").read_text(encoding="utf-8")
    assert "imagekit-test/push-" in markdown
    assert "imagekit-test/push-" in markdown_from_files([tmp_path / "size.json"])


def test_a_registry_that_does_not_answer_exits_3(engine: Any, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = project(tmp_path, CLEAN)
    result = build(str(app), "--push", f"127.0.0.1:{port}/nowhere/app:1", "--no-git")
    assert result.exit_code == 3, result.stderr
    assert f"127.0.0.1:{port}" in error_line(result)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert build(str(tmp_path / "missing")).exit_code == 2
    app = project(tmp_path, CLEAN)
    result = build(str(app), "--build-arg", "NOEQUALS")
    assert result.exit_code == 2 and "KEY=VALUE" in error_line(result)


def test_help_documents_the_exit_codes() -> None:
    text = CliRunner().invoke(cli, ["build", "dockerfile", "--help"]).stdout
    flat = " ".join(text.split())
    assert "1 a gate" in flat and "3 the push failed" in flat and "4 the build failed" in flat
