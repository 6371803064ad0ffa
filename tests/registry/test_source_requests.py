"""What the registry source asks for, and when: layers are fetched only when opened."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.source import open_registry
from imagekit.registry.transport import RetryPolicy, Transport
from tests.registry.double import Answer, Route, Seen, serve


def layer_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = b"hello\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


TAR = layer_tar()
BLOB = gzip.compress(TAR, mtime=0)
CONFIG = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [str(Digest.of_bytes(TAR))]},
        "history": [{"created_by": "COPY hello.txt /"}],
    }
).encode()


def manifest(config: bytes = CONFIG) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mediatype.OCI_MANIFEST,
            "config": {
                "mediaType": mediatype.OCI_CONFIG,
                "digest": str(Digest.of_bytes(config)),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": mediatype.OCI_LAYER_GZIP,
                    "digest": str(Digest.of_bytes(BLOB)),
                    "size": len(BLOB),
                }
            ],
        }
    ).encode()


def registry(manifest_bytes: bytes, blobs: dict[str, bytes]) -> Route:
    def route(seen: Seen) -> Answer:
        if seen.path == "/v2/team/app/manifests/v1":
            return 200, {"Content-Type": mediatype.OCI_MANIFEST}, manifest_bytes
        prefix = "/v2/team/app/blobs/"
        if seen.path.startswith(prefix) and seen.path[len(prefix) :] in blobs:
            return 200, {}, blobs[seen.path[len(prefix) :]]
        return 404, {}, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}'

    return route


def quick() -> Transport:
    return Transport(timeout=5, retry=RetryPolicy(attempts=1), sleep=lambda _: None)


def test_layers_are_fetched_only_when_opened() -> None:
    blobs = {str(Digest.of_bytes(CONFIG)): CONFIG, str(Digest.of_bytes(BLOB)): BLOB}
    with serve(registry(manifest(), blobs)) as double:
        image = open_registry(f"docker://{double.address}/team/app:v1", transport=quick())
        (layer,) = image.layers
        assert layer.size == len(BLOB)
        assert layer.uncompressed_size is None
        assert layer.diff_id == Digest.of_bytes(TAR)
        assert image.config.layer_history()[0] is not None
        assert double.paths() == [
            "GET /v2/team/app/manifests/v1",
            f"GET /v2/team/app/blobs/{Digest.of_bytes(CONFIG)}",
        ]
        with layer.open() as stream:
            assert stream.read() == TAR
        assert double.paths()[-1] == f"GET /v2/team/app/blobs/{Digest.of_bytes(BLOB)}"


def test_config_that_does_not_match_its_digest() -> None:
    tampered = CONFIG.replace(b"amd64", b"arm64")
    blobs = {str(Digest.of_bytes(CONFIG)): tampered}
    with serve(registry(manifest(), blobs)) as double, pytest.raises(ImageError, match="digest is"):
        open_registry(f"{double.address}/team/app:v1", transport=quick())


def test_config_and_manifest_disagree_on_the_layer_count() -> None:
    config = CONFIG.replace(b'"diff_ids": [', b'"diff_ids": ["sha256:' + b"0" * 64 + b'", ')
    blobs = {str(Digest.of_bytes(config)): config}
    expected = "1 layers, the config 2 diff_ids"
    with (
        serve(registry(manifest(config), blobs)) as double,
        pytest.raises(ImageError, match=expected),
    ):
        open_registry(f"{double.address}/team/app:v1", transport=quick())
