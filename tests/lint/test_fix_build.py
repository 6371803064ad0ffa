"""`imagekit lint --fix` on a real build: the fixed Dockerfile builds, works and is smaller."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.docker import DEBIAN_TAG, build, run

IMAGEKIT = Path(sys.executable).with_name("imagekit")

#: Packages installed in separate RUNs, package lists left behind, recommends pulled in.
WASTEFUL = f"""\
FROM {DEBIAN_TAG}
# curl for the health check
RUN apt-get update
RUN apt-get install -y curl
CMD ["curl", "--version"]
"""


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IMAGEKIT), "lint", *args], capture_output=True, text=True, check=False
    )


def test_fixed_dockerfile_builds_a_smaller_working_image(engine: Any, tmp_path: Path) -> None:
    original = tmp_path / "original" / "Dockerfile"
    original.parent.mkdir()
    original.write_text(WASTEFUL, encoding="utf-8")
    fixed = tmp_path / "fixed" / "Dockerfile"
    fixed.parent.mkdir()
    shutil.copyfile(original, fixed)

    found = lint(str(original))
    assert found.returncode == 1, found.stdout + found.stderr

    done = lint("--fix", "--unsafe-fixes", str(fixed))
    assert done.returncode in (0, 1), done.stderr
    text = fixed.read_text(encoding="utf-8")
    assert text != WASTEFUL
    assert original.read_text(encoding="utf-8") == WASTEFUL
    assert "# curl for the health check\n" in text

    again = lint("--fix", "--unsafe-fixes", str(fixed))
    assert again.returncode in (0, 1), again.stderr
    assert fixed.read_text(encoding="utf-8") == text, "a second --fix changed the file again"

    before = build(engine, original.parent, original, "imagekit-test/fix-before:1")
    after = build(engine, fixed.parent, fixed, "imagekit-test/fix-after:1")

    for image in (before, after):
        assert run(engine, image, ["curl", "--version"]).startswith("curl ")
    assert after.attrs["Size"] < before.attrs["Size"], (
        f"fixed image {after.attrs['Size']} bytes, original {before.attrs['Size']} bytes"
    )
