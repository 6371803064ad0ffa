"""Small busybox-based images for push tests, and reading a pushed tag back, verified.

:func:`busybox_tar` takes the root file system of the engine's local ``busybox:latest``
(the one tests/support/docker.py makes from this machine's busybox-static). :func:`varied`
makes images on it: the busybox layer, then one to three layers drawn from a shared pool
of incompressible ones (tens of KB to about a MB), so that images differ in size and
share layers with each other. :func:`read_back` reads a tag straight from the registry
(no proxy): the manifest, the config and every layer, each checked against its digest
and size; it raises when any of them is missing or wrong.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from imagekit.oci.digest import Digest
from imagekit.oci.layout import write_layout
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient
from tests.support.docker import save
from tests.support.images import MemoryImage, MemoryLayer, file, tar


def busybox_tar(engine: Any, directory: Path) -> bytes:
    """The uncompressed layer tar of the engine's ``busybox:latest``."""
    archive = save(engine, "busybox:latest", directory / "busybox.tar")
    image = open_image(f"docker-archive:{archive}")
    (layer,) = image.layers
    with layer.open() as stream:
        return stream.read()


def varied(base: bytes, count: int, seed: int = 8) -> list[MemoryImage]:
    """``count`` images over the busybox layer ``base``, sharing layers of a pool."""
    rng = random.Random(seed)
    sizes = [40_000, 120_000, 250_000, 400_000, 600_000, 800_000, 1_000_000, 1_200_000]
    pool = [
        MemoryLayer(tar(file(f"/data/{i}.bin", os.urandom(size)), file(f"/data/{i}.txt", b"x")))
        for i, size in enumerate(sizes)
    ]
    bottom = MemoryLayer(base)
    images = []
    for n in range(count):
        chosen = rng.sample(pool, rng.randint(1, 3))
        own = MemoryLayer(tar(file("/etc/image-number", f"{n}\n".encode())))
        layers = [bottom, *chosen, own] if n % 3 else [bottom, *chosen]
        history = [f"RUN layer {i}" for i in range(len(layers))]
        images.append(MemoryImage(layers, history, name=f"memory:image{n}"))
    return images


def write_images(images: list[MemoryImage], directory: Path) -> list[tuple[str, Digest]]:
    """Each image into one OCI layout as tag ``imageN``: its source name and its digest."""
    found = []
    for n, image in enumerate(images):
        entry = write_layout(image, directory, f"image{n}")
        found.append((f"oci:{directory}:image{n}", entry.digest))
    return found


def read_back(registry: str, repository: str, tag: str) -> Digest:
    """The digest ``repository:tag`` names, after reading everything it names, verified."""
    client = RegistryClient(registry)
    try:
        fetched = client.get_manifest(repository, tag)
        manifest = json.loads(fetched.raw)
        blobs = [manifest["config"], *manifest["layers"]]
        for blob in blobs:
            digest = Digest.parse(blob["digest"])
            with client.open_blob(repository, digest, int(blob["size"])) as stream:
                while stream.read(1 << 20):
                    pass
        return fetched.digest
    finally:
        client.transport.close()
