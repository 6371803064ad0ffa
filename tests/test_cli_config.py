"""`imagekit validate-config` and the configuration flags of `imagekit lint`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli

APT = "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y curl\n"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def imagekit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed script, through main() and its fast argument parser."""
    script = Path(sys.executable).parent / "imagekit"
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(APT, encoding="utf-8")
    return tmp_path


def test_validate_config_ok(project: Path) -> None:
    (project / ".imagekit.yaml").write_text("lint:\n  ignore: [IK101]\n", encoding="utf-8")
    result = invoke("validate-config", str(project))
    assert result.exit_code == 0
    assert result.stdout.strip().endswith(".imagekit.yaml: ok")


def test_validate_config_lists_problems_with_lines(project: Path) -> None:
    config = project / ".imagekit.yaml"
    config.write_text(
        "lint:\n  ignore: [IK101, IK777]\n  colour: red\n  failure-threshold: high\n",
        encoding="utf-8",
    )
    result = invoke("validate-config", str(config))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{config}:2: 'lint.ignore': unknown rule 'IK777'",
        f"{config}:3: unknown key 'lint.colour'",
        f"{config}:4: 'lint.failure-threshold' must be one of error, warning, info, style, none;"
        " got 'high'",
    ]
    data = json.loads(invoke("validate-config", "--format", "json", str(config)).stdout)
    assert data["files"] == [str(config)]
    assert [p["line"] for p in data["problems"]] == [2, 3, 4]


def test_validate_config_without_any_file(tmp_path: Path) -> None:
    result = invoke("validate-config", str(tmp_path))
    assert result.exit_code == 0
    assert "no configuration file found" in result.stderr


def test_validate_config_missing_path(tmp_path: Path) -> None:
    result = invoke("validate-config", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_lint_reports_a_broken_config_in_one_line(project: Path) -> None:
    (project / ".imagekit.yaml").write_text("lint:\n  ignore: [IK101\n", encoding="utf-8")
    done = imagekit("lint", "Dockerfile", cwd=project)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("imagekit: error[config]: ")
    assert ".imagekit.yaml:3: invalid YAML" in lines[0]


def test_repeated_and_comma_separated_ignores_fast_path(project: Path) -> None:
    done = imagekit("lint", "--ignore", "IK201", "--ignore=IK202,IK101", "Dockerfile", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "no findings in 1 file"


def test_no_fail_and_threshold_flags(project: Path) -> None:
    assert imagekit("lint", "Dockerfile", cwd=project).returncode == 1
    assert imagekit("lint", "--no-fail", "Dockerfile", cwd=project).returncode == 0
    (project / ".imagekit.yaml").write_text("lint: {failure-threshold: none}\n", encoding="utf-8")
    assert imagekit("lint", "Dockerfile", cwd=project).returncode == 0
    done = imagekit("lint", "--failure-threshold", "warning", "Dockerfile", cwd=project)
    assert done.returncode == 1
    assert imagekit("lint", "--isolated", "Dockerfile", cwd=project).returncode == 1


def test_config_flag_through_click(project: Path) -> None:
    other = project / "ci.yaml"
    other.write_text("lint: {ignore: [IK101, IK201, IK202]}\n", encoding="utf-8")
    result = invoke("lint", "--config", str(other), str(project / "Dockerfile"))
    assert result.exit_code == 0, result.stdout
    result = invoke("lint", "--enable", "IK529", "--config", str(other), str(project))
    assert "IK529" in result.stdout


def test_unknown_rule_flag(project: Path) -> None:
    done = imagekit("lint", "--ignore", "IK000x", "Dockerfile", cwd=project)
    assert done.returncode == 2
    assert "unknown rule 'IK000x'" in done.stderr
    assert "Traceback" not in done.stderr


def test_stdin_uses_the_config_of_the_working_directory(project: Path) -> None:
    (project / ".imagekit.yaml").write_text("lint: {ignore: [IK201, IK202]}\n", encoding="utf-8")
    script = Path(sys.executable).parent / "imagekit"
    done = subprocess.run(
        [str(script), "lint", "-"],
        cwd=project,
        input=APT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0
    assert "IK101" in done.stdout and "IK201" not in done.stdout
