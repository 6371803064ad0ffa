"""A small real image, built once, and the same image in every medium we read."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest

SAMPLE_TAG = "imagekit-test/oci-sample:1"
#: busybox plus three layers: files written, one of them deleted later, a symlink added.
SAMPLE_DOCKERFILE = """\
FROM busybox
RUN mkdir -p /data && head -c 300000 /dev/urandom > /data/big && echo hello > /data/small
RUN rm /data/big
RUN echo more > /data/more && ln -s small /data/link
"""


class Sample(NamedTuple):
    tag: str
    image_id: str
    diff_ids: list[str]
    archive: Path
    skopeo_layout: Path


def skopeo(*args: str) -> str:
    done = subprocess.run(
        ["skopeo", "--insecure-policy", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def sample(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    from tests.support.docker import build, save

    root = tmp_path_factory.mktemp("oci-sample")
    context = root / "context"
    context.mkdir()
    image = build(engine, context, SAMPLE_DOCKERFILE, SAMPLE_TAG)
    archive = save(engine, SAMPLE_TAG, root / "sample.tar")
    layout = root / "skopeo-layout"
    skopeo("copy", f"docker-archive:{archive}", f"oci:{layout}:sample")
    return Sample(SAMPLE_TAG, image.id, image.attrs["RootFS"]["Layers"], archive, layout)
