"""The production layout, for real: docker-registry processes run the config `registry
config` renders, on the local S3 endpoint (keys through REGISTRY_STORAGE_S3_*), share one
bucket and one http.secret; what one replica takes, the other serves byte for byte."""

from __future__ import annotations

import subprocess
import urllib.parse
import uuid
from pathlib import Path

from imagekit.services import EmbeddedRegistry, production_config
from tests.support.embedded import (
    Http,
    assert_pulled,
    digest_of,
    docker_registry,
    free_port,
    push_image,
    wait_answering,
)


def replica_env(shared: EmbeddedRegistry, home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "REGISTRY_STORAGE_S3_ACCESSKEY": shared.s3_access_key,
        "REGISTRY_STORAGE_S3_SECRETKEY": shared.s3_secret_key,
    }


def write_config(
    tmp_path: Path, name: str, shared: EmbeddedRegistry, bucket: str, secret: str, port: int
) -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(
        production_config(
            bucket=bucket,
            region=shared.s3_region,
            http_secret=secret,
            endpoint=shared.s3_endpoint,
            addr=f"127.0.0.1:{port}",
        )
    )
    return path


def test_two_replicas_on_one_bucket_with_one_secret(
    shared_registry: EmbeddedRegistry, tmp_path: Path
) -> None:
    bucket = f"replicas-{uuid.uuid4().hex[:10]}"
    shared_registry.s3_client().create_bucket(Bucket=bucket)
    env = replica_env(shared_registry, tmp_path)
    ports = [free_port() for _ in range(3)]
    configs = [
        write_config(tmp_path, "a", shared_registry, bucket, "one-secret", ports[0]),
        write_config(tmp_path, "b", shared_registry, bucket, "one-secret", ports[1]),
        write_config(tmp_path, "other", shared_registry, bucket, "another-secret", ports[2]),
    ]
    for config in configs:
        assert (
            "secretkey" not in config.read_text()
            and shared_registry.s3_secret_key not in config.read_text()
        )
    with (
        docker_registry(configs[0], env, tmp_path / "a.log"),
        docker_registry(configs[1], env, tmp_path / "b.log"),
        docker_registry(configs[2], env, tmp_path / "other.log"),
    ):
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_answering(url)
        a, b, other = (Http(url) for url in urls)
        assert a.request("GET", "/")[0] == 200  # the load balancer's health check

        # A chunked upload that moves between replicas: started on A, a chunk on B, the
        # rest and the commit on A. The upload state B reads was signed by A.
        repo = "team/app"
        layer = bytes(range(256)) * 8192
        status, headers, _ = a.request("POST", f"/v2/{repo}/blobs/uploads/")
        assert status == 202
        location = urllib.parse.urlsplit(headers["Location"])
        path = location.path + "?" + location.query
        half = len(layer) // 2
        patch = {"Content-Type": "application/octet-stream"}
        status, headers, _ = b.request(
            "PATCH", path, layer[:half], {**patch, "Content-Range": f"0-{half - 1}"}
        )
        assert status == 202, status
        next_location = urllib.parse.urlsplit(headers["Location"])
        next_path = next_location.path + "?" + next_location.query
        # A replica with another secret cannot read that upload's state.
        # (a small body: it answers before reading one, and closes the connection)
        refused, _, body = other.request("PATCH", next_path, b"x", patch)
        assert refused == 404 and b"BLOB_UPLOAD_INVALID" in body, (refused, body)
        status, headers, _ = a.request(
            "PATCH", next_path, layer[half:], {**patch, "Content-Range": f"{half}-{len(layer) - 1}"}
        )
        assert status == 202, status
        final = urllib.parse.urlsplit(headers["Location"])
        status, _, body = a.request(
            "PUT", f"{final.path}?{final.query}&digest={digest_of(layer)}", b"", patch
        )
        assert status == 201, body[:300]

        pushed = push_image(a, repo, "v1", layer=layer)
        # B serves blob GETs as redirects to pre-signed URLs of the S3 endpoint (the
        # production default), which urllib follows.
        status, headers, _ = b.request("GET", f"/v2/{repo}/blobs/{digest_of(layer)}", follow=False)
        assert status == 307
        assert headers["Location"].startswith(shared_registry.s3_endpoint + f"/{bucket}/registry/")
        assert_pulled(b, pushed)

        # A real client pulls through the other replica.
        copied = tmp_path / "copied"
        subprocess.run(
            [
                "skopeo",
                "copy",
                "--src-tls-verify=false",
                "--dest-oci-accept-uncompressed-layers",
                f"docker://127.0.0.1:{ports[1]}/{repo}:v1",
                f"oci:{copied}:v1",
            ],
            check=True,
            capture_output=True,
        )
        assert (copied / "blobs" / "sha256" / digest_of(layer).split(":")[1]).read_bytes() == layer
    objects = shared_registry.s3_client().list_objects_v2(
        Bucket=bucket, Prefix="registry/docker/registry/v2/blobs/"
    )
    assert objects["KeyCount"] >= 2
