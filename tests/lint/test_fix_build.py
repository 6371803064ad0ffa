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


#: A tree copied in and then chowned in a later layer: stored twice (IK103).
CHOWNED = """\
FROM busybox:latest
RUN echo "app:x:1000:1000::/srv/app:/bin/sh" >> /etc/passwd \\
    && echo "app:x:1000:" >> /etc/group
COPY app/ /srv/app/
RUN chown -R app:app /srv/app
USER app
CMD ["cat", "/srv/app/data.bin"]
"""


def test_copy_owner_fix_builds_the_same_files_once(engine: Any, tmp_path: Path) -> None:
    context = tmp_path / "context"
    (context / "app" / "static").mkdir(parents=True)
    (context / "app" / "data.bin").write_bytes(bytes(range(256)) * 1024)  # 256 KiB
    (context / "app" / "static" / "index.html").write_text("<p>hi</p>\n", encoding="utf-8")
    original = tmp_path / "Dockerfile.original"
    original.write_text(CHOWNED, encoding="utf-8")
    fixed = tmp_path / "Dockerfile.fixed"
    fixed.write_text(CHOWNED, encoding="utf-8")

    done = lint("--fix", "--unsafe-fixes", "--ignore", "IK402", str(fixed))
    assert done.returncode in (0, 1), done.stderr
    text = fixed.read_text(encoding="utf-8")
    assert "COPY --chown=app:app app/ /srv/app/\n" in text
    assert "chown -R" not in text
    assert "IK103" not in lint(str(fixed)).stdout

    before = build(engine, context, original, "imagekit-test/chown-before:1")
    after = build(engine, context, fixed, "imagekit-test/chown-after:1")
    owners = ["stat", "-c", "%u:%g %n", "/srv/app/data.bin", "/srv/app/static/index.html"]
    for image in (before, after):
        assert run(engine, image, owners).split("\n")[:2] == [
            "1000:1000 /srv/app/data.bin",
            "1000:1000 /srv/app/static/index.html",
        ]
    saved = before.attrs["Size"] - after.attrs["Size"]
    assert saved >= 256 * 1024, f"the fixed image is only {saved} bytes smaller"
