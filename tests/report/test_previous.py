"""The OLD side of a push: a tag's sizes read from the test registry, None before the first push."""

from __future__ import annotations

import json

from imagekit.oci import mediatype
from imagekit.registry.client import RegistryClient
from imagekit.report.delta import delta, sizes_of
from imagekit.report.previous import registry_sizes
from tests.report.examples import example_image
from tests.support.registry import put_blob, put_manifest, repository


def test_a_pushed_tag_has_the_sizes_of_its_image(registry: str) -> None:
    repo = repository("previous")
    image = example_image()
    for layer in image.layers:
        put_blob(registry, repo, layer.blob)
    put_blob(registry, repo, image.config.raw)
    raw = image.manifest.to_json()
    put_manifest(registry, repo, "1", raw, mediatype.OCI_MANIFEST)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mediatype.OCI_INDEX,
            "manifests": [
                {
                    "mediaType": mediatype.OCI_MANIFEST,
                    "digest": str(image.manifest.digest),
                    "size": len(raw),
                    "platform": {"os": "linux", "architecture": "amd64"},
                }
            ],
        }
    ).encode()
    put_manifest(registry, repo, "multi", index, mediatype.OCI_INDEX)
    client = RegistryClient(registry)

    got = registry_sizes(client, repo, "1")
    assert got is not None
    assert got.reference == f"{registry}/{repo}:1"
    expected = sizes_of(image, got.reference)
    assert got == expected
    assert delta(got, expected).delta == 0
    via_index = registry_sizes(client, repo, "multi")
    assert via_index is not None and via_index.layers == expected.layers

    assert registry_sizes(client, repo, "never-pushed") is None
    assert registry_sizes(client, repository("absent"), "1") is None
