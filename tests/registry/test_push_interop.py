"""What ``docker push`` put in the registry, read by imagekit: inspected and pushed again.

(tests/registry/test_push.py covers the other directions: what imagekit pushes read by
skopeo and pulled and run by the engine, what skopeo pushes read and pushed by imagekit.)
The engine pushes a built image (the engine's push API, what ``docker push`` calls);
``imagekit inspect docker://`` reads it, and ``imagekit push docker://`` copies it within
the registry (the blobs mounted) and to "another registry" (a proxy address: the blobs
streamed from the source), byte for byte, to the digest docker reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from imagekit.cli import cli
from tests.support import registry as support
from tests.support.docker import build
from tests.support.proxy import proxy
from tests.support.pushimages import read_back

DOCKERFILE = """\
FROM busybox
RUN dd if=/dev/urandom of=/data.bin bs=1024 count=300 && echo pushed-by-docker > /hello.txt
"""


@pytest.fixture
def docker_pushed(engine: Any, registry: str, tmp_path: Path) -> tuple[str, str]:
    """``HOST/REPO:v1`` as the engine pushed it, and the digest the engine reported."""
    image = build(engine, tmp_path, DOCKERFILE, "imagekit-test-interop:docker")
    repo = f"{registry}/{support.repository('docker')}"
    image.tag(repo, "v1")
    digest = ""
    try:
        for line in engine.images.push(repo, tag="v1", stream=True, decode=True):
            assert "error" not in line, line
            digest = line.get("aux", {}).get("Digest", digest)
    finally:
        engine.images.remove(f"{repo}:v1")
    assert digest.startswith("sha256:")
    return f"{repo}:v1", digest


def test_what_docker_pushed_is_inspected_and_pushed_again_by_imagekit(
    docker_pushed: tuple[str, str], registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, digest = docker_pushed
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    runner = CliRunner()
    inspected = runner.invoke(cli, ["inspect", "--format", "json", f"docker://{reference}"])
    assert inspected.exit_code == 0, inspected.stderr
    assert digest in inspected.stdout
    json.loads(inspected.stdout)
    raw = support.inspect(reference, raw=True)
    assert raw["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"

    same_repo = support.repository("docker")
    same = f"{registry}/{same_repo}:copy"
    pushed = runner.invoke(cli, ["push", "--format", "json", f"docker://{reference}", same])
    assert pushed.exit_code == 0, pushed.stderr
    data = json.loads(pushed.stdout)
    assert data["digest"] == digest
    assert {b["action"] for b in data["blobs"]} == {"mounted"} and data["uploaded_bytes"] == 0

    with proxy(registry) as wire:
        repo = support.repository("docker")
        other = f"{wire.address}/{repo}:copy"
        result = runner.invoke(cli, ["push", "--format", "json", f"docker://{reference}", other])
        assert result.exit_code == 0, result.stderr
        streamed = json.loads(result.stdout)
        assert streamed["digest"] == digest
        assert {b["action"] for b in streamed["blobs"]} == {"uploaded"}
        sizes = sum(layer["size"] for layer in raw["layers"]) + raw["config"]["size"]
        assert streamed["uploaded_bytes"] == sizes <= wire.body_bytes()
    assert str(read_back(registry, repo, "copy")) == digest
    assert str(read_back(registry, same_repo, "copy")) == digest
