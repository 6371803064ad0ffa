"""imagekit lint --fix --measure: the fixes' worth in bytes, built on the engine, per rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from tests.support.docker import LABEL

#: A 1 MB file written in one RUN and removed in the next (IK101 merges them: the bytes
#: never reach a layer), and a second pair the same way.
WASTEFUL = f"""FROM busybox:1.35
LABEL {LABEL}=1
RUN head -c 1000000 /dev/urandom > /blob
RUN rm /blob
"""


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CI", raising=False)


def lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "Dockerfile"
    path.parent.mkdir()
    path.write_text(WASTEFUL, encoding="utf-8")
    return path


def test_diff_measure_reports_the_bytes_saved_per_rule_and_writes_nothing(
    engine: Any, dockerfile: Path
) -> None:
    result = lint("--diff", "--measure", "--format", "json", str(dockerfile))
    assert result.exit_code == 0, result.stderr
    (measured,) = json.loads(result.stdout)
    before, after = measured["before"], measured["after"]
    assert before["uncompressed_size"] - after["uncompressed_size"] >= 1_000_000
    assert before["size"] - after["size"] >= 1_000_000  # random bytes do not compress
    assert measured["saved"]["size"] == before["size"] - after["size"]
    (rule,) = measured["rules"]
    assert rule["rule"] == "IK101" and rule["name"] == "consecutive-run" and rule["fixes"] == 1
    assert rule["saved"]["uncompressed_size"] >= 1_000_000
    assert engine.images.get(before["image_id"]).id == before["image_id"]
    assert dockerfile.read_text(encoding="utf-8") == WASTEFUL


def test_fix_measure_writes_the_fixed_file_and_prints_a_table(
    engine: Any, dockerfile: Path
) -> None:
    result = lint("--fix", "--measure", str(dockerfile))
    assert result.exit_code == 0, result.stderr
    assert "IK101 consecutive-run only" in result.stdout and "-1.00 MB" in result.stdout
    assert dockerfile.read_text(encoding="utf-8").count("RUN") == 1


def test_measure_needs_fix_or_diff_and_a_file(tmp_path: Path, dockerfile: Path) -> None:
    result = lint("--measure", str(dockerfile))
    assert result.exit_code == 2 and "--measure goes with --fix or --diff" in result.stderr
    result = CliRunner().invoke(cli, ["lint", "--fix", "--measure", "-"], input=WASTEFUL)
    assert result.exit_code == 2 and "standard input" in result.stderr


def test_a_build_that_fails_exits_4(engine: Any, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(f"FROM busybox:1.35\nLABEL {LABEL}=1\nRUN false\nRUN true\n", encoding="utf-8")
    result = lint("--diff", "--measure", str(path))
    assert result.exit_code == 4, result.stderr
    assert "error[build]" in result.stderr and "Traceback" not in result.stderr


def test_plain_lint_still_skips_click_and_docker(dockerfile: Path) -> None:
    code = (
        "import sys; from imagekit.cli import main; main(['lint', sys.argv[1]]); "
        "print(sorted(m for m in ('click', 'docker') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
