"""The pre-commit hook, run by the real pre-commit against this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BAD = """\
FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y curl
"""

GOOD = """\
FROM debian:bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(project: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "pre-commit"
    if not exe.exists():
        found = shutil.which("pre-commit")
        assert found, "pre-commit is not installed (it is in the dev extra)"
        exe = Path(found)
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run(
        [str(exe), "try-repo", str(ROOT), "imagekit-lint", "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("project")
    (path / "bad").mkdir()
    (path / "good").mkdir()
    (path / "bad" / "Dockerfile").write_text(BAD)
    (path / "good" / "Dockerfile").write_text(GOOD)
    _git(path, "init", "-q")
    _git(path, "add", ".")
    return path


def test_bad_dockerfile_fails_the_hook(project: Path, precommit_home: Path) -> None:
    result = _try_repo(project, precommit_home, "bad/Dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "imagekit" in output
    assert "IK201" in output and "IK101" in output


def test_good_dockerfile_passes_the_hook(project: Path, precommit_home: Path) -> None:
    result = _try_repo(project, precommit_home, "good/Dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output
