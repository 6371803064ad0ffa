"""`imagekit lint`: exit codes, streams, formats and start-up cost."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.catalog import load_catalog
from imagekit.cli import cli, main

IK201 = load_catalog().get("IK201")


def lint(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["lint", *args], input=stdin, catch_exceptions=False)


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad" / "Dockerfile"
    path.parent.mkdir()
    path.write_text(IK201.bad)
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good" / "Dockerfile"
    path.parent.mkdir()
    path.write_text(IK201.good)
    return path


def test_findings_at_the_threshold_exit_1(bad: Path) -> None:
    result = lint(str(bad))
    assert result.exit_code == 1
    assert "IK201" in result.stdout
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_clean_file_exits_0(good: Path) -> None:
    result = lint(str(good))
    assert result.exit_code == 0, result.stdout
    assert "IK201" not in result.stdout


@pytest.mark.parametrize(("threshold", "code"), [("error", 0), ("none", 0), ("info", 1)])
def test_failure_threshold(bad: Path, threshold: str, code: int) -> None:
    assert lint("--failure-threshold", threshold, str(bad)).exit_code == code


def test_json_format(bad: Path) -> None:
    result = lint("--format", "json", str(bad))
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert [f["rule"] for f in findings] == ["IK201"]
    assert findings[0]["severity"] == "warning"


def test_stdin(good: Path) -> None:
    assert lint("-", stdin=IK201.bad).exit_code == 1
    assert lint("-", stdin=IK201.good).exit_code == 0


def test_unreadable_input_exits_2_and_lints_the_rest(bad: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "Dockerfile"
    result = lint(str(missing), str(bad))
    assert result.exit_code == 2
    assert "IK201" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("imagekit: ")
    assert str(missing) in lines[0]


def test_syntax_error_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(load_catalog().get("IK001").bad)
    result = lint("--failure-threshold", "none", str(path))
    assert result.exit_code == 2
    assert "IK001" in result.stdout


def test_missing_context_directory_is_a_usage_error(good: Path, tmp_path: Path) -> None:
    assert lint("--context", str(tmp_path / "nope"), str(good)).exit_code == 2


def test_lint_does_not_load_heavy_libraries(bad: Path, tmp_path: Path) -> None:
    """`imagekit lint` stays cheap to start: no click, tables, YAML, docker, AWS or dataclasses."""
    report = tmp_path / "modules.txt"
    code = (
        "import sys\n"
        "from imagekit.cli import main\n"
        f"status = main(['lint', {str(bad)!r}])\n"
        f"open({str(report)!r}, 'w').write(' '.join(sorted(sys.modules)))\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    loaded = set(report.read_text().split())
    assert "imagekit.lint.engine" in loaded
    for heavy in (
        "tabulate",
        "yaml",
        "docker",
        "boto3",
        "botocore",
        "click",
        "dataclasses",
        "inspect",
        "importlib.resources",
        "pathlib",
    ):
        assert heavy not in loaded, f"imagekit lint imports {heavy}"


def test_lint_run_leaves_the_garbage_collector_as_it_found_it(bad: Path) -> None:
    """In a caller's process the collector is back on and nothing is frozen; only the
    program itself (no argv) leaves its garbage to the exit."""
    frozen = gc.get_freeze_count()
    assert main(["lint", str(bad)]) == 1
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    code = (
        "import gc, sys\n"
        "from imagekit.cli import main\n"
        f"sys.argv = ['imagekit', 'lint', {str(bad)!r}]\n"
        "status = main()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1 and "IK" in done.stdout
    assert done.stderr.splitlines()[-1] == "False True"
