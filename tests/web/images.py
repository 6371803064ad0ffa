"""What the UI tests put in the real test registry, and how: small OCI layouts pushed with
`imagekit push` (the CLI, through click's runner), an index with two platforms and an
attestation, an artifact of media types no image has, and broken images (a config that
is not an image config's JSON, a layer blob deleted through the API so that it 404s).

Every run fills a namespace of its own (``imagekit-ui/<random>``), and the UI is started
with that namespace as its prefix, so it reads nothing of other tests or runs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from imagekit.cli import cli
from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.image import HeldImage
from imagekit.oci.layout import write_layout
from imagekit.oci.manifest import Descriptor, Manifest
from tests.report.examples import APT, BASE, CLEANUP, HISTORY
from tests.support import registry as support
from tests.support.images import MemoryLayer, file, tar

#: A label and a history line that would run as script if a page did not escape them.
SCRIPT = "<script>alert('ik')</script>"
CREATED = "2024-05-01T12:00:00Z"


class ConfiguredImage(HeldImage):
    """Layers in memory with a config of our choosing (labels, env, entrypoint, user)."""

    def __init__(
        self,
        layers: list[MemoryLayer],
        history: list[str],
        settings: dict[str, Any],
        *,
        architecture: str = "amd64",
        created: str = CREATED,
    ) -> None:
        raw = json.dumps(
            {
                "architecture": architecture,
                "os": "linux",
                "created": created,
                "config": settings,
                "rootfs": {"type": "layers", "diff_ids": [str(x.diff_id) for x in layers]},
                "history": [{"created_by": text} for text in history],
            }
        ).encode()
        manifest = Manifest(
            mediatype.OCI_MANIFEST,
            Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
            tuple(layer.descriptor for layer in layers),
        )
        super().__init__("memory:ui", manifest, parse_config(raw), tuple(layers))


def base_image() -> ConfiguredImage:
    return ConfiguredImage([MemoryLayer(BASE)], [HISTORY[0]], {"Cmd": ["/bin/sh"]})


def small_app() -> ConfiguredImage:
    """The base and a small install (the first push of app:v1)."""
    smaller = tar(file("usr/bin/curl", b"\x7fELF" + bytes(range(256)) * 20, 0o755))
    return ConfiguredImage(
        [MemoryLayer(BASE), MemoryLayer(smaller)],
        [HISTORY[0], "/bin/sh -c apt-get install -y curl"],
        {"Cmd": ["/bin/sh"]},
    )


def app_image(label: str = SCRIPT) -> ConfiguredImage:
    """The base, an apt install that leaves caches (IK201 and friends), a cleanup layer;
    labels and a history line holding markup."""
    return ConfiguredImage(
        [MemoryLayer(BASE), MemoryLayer(APT), MemoryLayer(CLEANUP)],
        [HISTORY[0], HISTORY[1], HISTORY[2] + " " + SCRIPT],
        {
            "Entrypoint": ["/usr/local/bin/app"],
            "Cmd": ["--serve"],
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "MODE=<b>bold</b>"],
            "User": "1000:1000",
            "WorkingDir": "/srv",
            "Labels": {"org.example.note": label, "org.opencontainers.image.title": "app"},
            "ExposedPorts": {"8080/tcp": {}},
        },
    )


def push(layout: Path, tag: str, destination: str, env: dict[str, str]) -> str:
    """``imagekit push oci:LAYOUT:TAG DESTINATION``; the digest it printed."""
    result = CliRunner().invoke(cli, ["push", f"oci:{layout}:{tag}", destination], env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@dataclass
class Filled:
    """The namespace and what is in it."""

    registry: str
    namespace: str
    digests: dict[str, str] = field(default_factory=dict)
    """``REPO:TAG`` (REPO without the namespace) → the manifest digest."""
    deleted_blob: str = ""

    def repo(self, short: str) -> str:
        return f"{self.namespace}/{short}"


def fill(registry: str, work: Path, env: dict[str, str]) -> Filled:
    """Push everything the tests read into a new namespace of ``registry``."""
    filled = Filled(registry, f"imagekit-ui/{uuid.uuid4().hex[:10]}")
    layouts = work / "layouts"

    def pushed(name: str, image: HeldImage, repo: str, *tags: str) -> None:
        write_layout(image, layouts / name, "x")
        for tag in tags:
            digest = push(layouts / name, "x", f"{registry}/{filled.repo(repo)}:{tag}", env)
            filled.digests[f"{repo}:{tag}"] = digest

    pushed("base", base_image(), "base", "1.0")
    pushed("small", small_app(), "app", "v1")
    pushed("app", app_image(), "app", "v1", "v2")  # v1 grew: two pushes in the ledger
    put_index(filled, layouts / "app", env)
    put_artifact(filled)
    put_broken(filled)
    return filled


def put_index(filled: Filled, layout: Path, env: dict[str, str]) -> None:
    """``multi:1`` names an index: the app as linux/amd64, the same layers under an arm64
    config, and an attestation manifest (unknown/unknown), put through the API."""
    registry, repo = filled.registry, filled.repo("multi")
    amd = app_image()
    arm = app_image()
    arm_image = ConfiguredImage(
        list(arm.layers), [HISTORY[0], HISTORY[1], HISTORY[2]], {}, architecture="arm64"
    )
    entries = []
    for image, platform in ((amd, "amd64"), (arm_image, "arm64")):
        write_layout(image, layout.parent / f"multi-{platform}", "x")
        digest = push(
            layout.parent / f"multi-{platform}", "x", f"{registry}/{repo}:{platform}", env
        )
        filled.digests[f"multi:{platform}"] = digest
        raw = support.manifest_bytes(registry, repo, digest, mediatype.OCI_MANIFEST)
        entries.append(
            {
                "mediaType": mediatype.OCI_MANIFEST,
                "digest": digest,
                "size": len(raw),
                "platform": {"os": "linux", "architecture": platform},
            }
        )
    statement = b'{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"x"}'
    att_config = (
        b'{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}'
    )
    attestation = manifest(
        (mediatype.OCI_CONFIG, support.put_blob(registry, repo, att_config), len(att_config)),
        [
            (
                "application/vnd.in-toto+json",
                support.put_blob(registry, repo, statement),
                len(statement),
            )
        ],
    )
    support.put_manifest(
        registry, repo, str(Digest.of_bytes(attestation)), attestation, mediatype.OCI_MANIFEST
    )
    entries.append(
        {
            "mediaType": mediatype.OCI_MANIFEST,
            "digest": str(Digest.of_bytes(attestation)),
            "size": len(attestation),
            "platform": {"os": "unknown", "architecture": "unknown"},
        }
    )
    index = json.dumps(
        {"schemaVersion": 2, "mediaType": mediatype.OCI_INDEX, "manifests": entries}
    ).encode()
    support.put_manifest(registry, repo, "1", index, mediatype.OCI_INDEX)
    filled.digests["multi:1"] = str(Digest.of_bytes(index))


def manifest(
    config: tuple[str, str, int], layers: list[tuple[str, str, int]], **extra: Any
) -> bytes:
    def descriptor(entry: tuple[str, str, int]) -> dict[str, Any]:
        return {"mediaType": entry[0], "digest": entry[1], "size": entry[2]}

    document = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": descriptor(config),
        "layers": [descriptor(x) for x in layers],
        **extra,
    }
    return json.dumps(document).encode()


def put_artifact(filled: Filled) -> None:
    """``artifact:sig``: a manifest of an artifact type no image has (a Helm-chart-like
    config and a content blob)."""
    registry, repo = filled.registry, filled.repo("artifact")
    config = b'{"name":"chart","version":"1.0.0"}'
    content = b"chart content " * 100
    raw = manifest(
        (
            "application/vnd.example.chart.config.v1+json",
            support.put_blob(registry, repo, config),
            len(config),
        ),
        [
            (
                "application/vnd.example.chart.content.v1.tar+gzip",
                support.put_blob(registry, repo, content),
                len(content),
            )
        ],
        annotations={"org.example.note": SCRIPT},
    )
    support.put_manifest(registry, repo, "sig", raw, mediatype.OCI_MANIFEST)
    filled.digests["artifact:sig"] = str(Digest.of_bytes(raw))


def put_broken(filled: Filled) -> None:
    """``broken:config``: an image manifest whose config blob is not an image config (no
    rootfs); ``broken:gone``: an image whose second layer blob was deleted (it 404s)."""
    registry, repo = filled.registry, filled.repo("broken")
    layer = MemoryLayer(BASE)
    layer_digest = support.put_blob(registry, repo, layer.blob)
    bad_config = b'{"architecture":"amd64","os":"linux","note":"no rootfs here"}'
    raw = manifest(
        (mediatype.OCI_CONFIG, support.put_blob(registry, repo, bad_config), len(bad_config)),
        [(mediatype.OCI_LAYER_GZIP, layer_digest, len(layer.blob))],
    )
    support.put_manifest(registry, repo, "config", raw, mediatype.OCI_MANIFEST)
    filled.digests["broken:config"] = str(Digest.of_bytes(raw))

    doomed = MemoryLayer(tar(file("opt/gone.bin", bytes(range(256)) * 64)))
    image = ConfiguredImage([layer, doomed], [HISTORY[0], "COPY gone.bin /opt/"], {})
    config_raw = image.config.raw
    raw = manifest(
        (mediatype.OCI_CONFIG, support.put_blob(registry, repo, config_raw), len(config_raw)),
        [
            (mediatype.OCI_LAYER_GZIP, layer_digest, len(layer.blob)),
            (
                mediatype.OCI_LAYER_GZIP,
                support.put_blob(registry, repo, doomed.blob),
                len(doomed.blob),
            ),
        ],
    )
    support.put_manifest(registry, repo, "gone", raw, mediatype.OCI_MANIFEST)
    filled.digests["broken:gone"] = str(Digest.of_bytes(raw))
    gone = str(doomed.descriptor.digest)
    request = urllib.request.Request(f"http://{registry}/v2/{repo}/blobs/{gone}", method="DELETE")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202, response.status
    filled.deleted_blob = gone


class Pushed:
    def __init__(self, registry: str, namespace: str, digests: dict[str, str]) -> None:
        self.registry = registry
        self.namespace = namespace
        self.digests = digests
        self.repo = f"{namespace}/app"

    def exists(self, tag: str) -> bool:
        request = urllib.request.Request(
            f"http://{self.registry}/v2/{self.repo}/manifests/{tag}",
            method="HEAD",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise


def push_three(registry: str, work: Path, env: dict[str, Any]) -> Pushed:
    """``app:a`` and ``app:b`` name one digest, ``app:c`` another, ``app:d`` a third, in
    a namespace of their own (for tests that delete)."""
    namespace = f"imagekit-ui-act/{uuid.uuid4().hex[:10]}"
    digests = {}
    for name, image, tags in (
        ("app", app_image(), ("a", "b")),
        ("small", small_app(), ("c",)),
        ("base", base_image(), ("d",)),
    ):
        write_layout(image, work / name, "x")
        for tag in tags:
            dest = f"{registry}/{namespace}/app:{tag}"
            digests[tag] = push(work / name, "x", dest, env)
    return Pushed(registry, namespace, digests)
