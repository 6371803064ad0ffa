"""The suite's test registry (the `registry` fixture) is the embedded S3-backed one: what
is pushed there lands as objects in its bucket (the `embedded_registry` fixture)."""

from __future__ import annotations

from imagekit.services import EmbeddedRegistry
from tests.support import registry as support
from tests.support.embedded import Http, push_image


def test_the_test_registry_stores_into_its_s3_bucket(
    registry: str, embedded_registry: EmbeddedRegistry
) -> None:
    assert registry == embedded_registry.address
    repo = support.repository("s3")
    push_image(Http(embedded_registry.url), repo)
    client = embedded_registry.s3_client()
    prefix = f"registry/docker/registry/v2/repositories/{repo}/"
    listed = client.list_objects_v2(Bucket=embedded_registry.bucket, Prefix=prefix)
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert any(key.startswith(prefix + "_manifests/tags/v1/") for key in keys)
    assert any("/_layers/sha256/" in key for key in keys)
