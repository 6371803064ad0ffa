"""The size report of a push, from its result: rows per destination and platform image,
old images matched by platform, bytes sent counted once per repository, ledger records."""

from __future__ import annotations

import json

from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Descriptor, Index, Manifest, Platform
from imagekit.registry.push import BlobResult, PushedImage, PushResult
from imagekit.registry.reference import parse
from imagekit.report.delta import image_sizes
from imagekit.report.previous import Before
from imagekit.report.pushreport import push_deltas, push_records, recorded_image, tag_of

HOST = "registry.example.com"


def _config(arch: str, layers: int) -> bytes:
    diff_ids = [str(Digest.of_bytes(f"{arch}-{i}".encode())) for i in range(layers)]
    return json.dumps(
        {
            "architecture": arch,
            "os": "linux" if arch != "unknown" else "unknown",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": f"RUN step {i}"} for i in range(layers)],
        }
    ).encode()


def _image(arch: str, sizes: list[int]) -> PushedImage:
    raw = _config(arch, len(sizes))
    layers = tuple(
        Descriptor(mediatype.OCI_LAYER_GZIP, Digest.of_bytes(f"{arch}{i}".encode()), size)
        for i, size in enumerate(sizes)
    )
    manifest = Manifest(
        mediatype.OCI_MANIFEST,
        Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
        layers,
    )
    config = parse_config(raw) if arch != "unknown" else None
    return PushedImage(manifest.digest, manifest, config, Platform("linux", arch))


def _buildx_attestation() -> PushedImage:
    """An attestation as buildx writes it: an image config with no diff_ids, one layer."""
    raw = json.dumps(
        {"architecture": "unknown", "os": "unknown", "rootfs": {"type": "layers", "diff_ids": []}}
    ).encode()
    statement = Descriptor("application/vnd.in-toto+json", Digest.of_bytes(b"statement"), 9)
    manifest = Manifest(
        mediatype.OCI_MANIFEST,
        Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
        (statement,),
    )
    return PushedImage(manifest.digest, manifest, parse_config(raw), Platform("unknown", "unknown"))


def _blobs(image: PushedImage, repository: str, sent: bool) -> list[BlobResult]:
    descriptors = [image.manifest.config, *image.manifest.layers]
    return [
        BlobResult(
            d.digest,
            d.size,
            d.media_type,
            "uploaded" if sent else "skipped",
            repository,
            sent_bytes=d.size if sent else 0,
        )
        for d in descriptors
    ]


def _index_result(tags: list[str]) -> tuple[PushResult, PushedImage, PushedImage]:
    amd, arm, attestation = (
        _image("amd64", [100, 2000]),
        _image("arm64", [100, 3000]),
        _image("unknown", [50]),
    )
    index = Index(
        mediatype.OCI_INDEX,
        tuple(
            Descriptor(mediatype.OCI_MANIFEST, i.digest, len(i.manifest.to_json()), platform=p)
            for i, p in (
                (amd, Platform("linux", "amd64")),
                (arm, Platform("linux", "arm64")),
                (attestation, Platform("unknown", "unknown")),
            )
        ),
    )
    digest = Digest.of_bytes(index.to_json())
    references = tuple(parse(f"{HOST}/team/app:{tag}@{digest}") for tag in tags)
    blobs = [
        b
        for ref in references
        for image in (amd, arm, attestation)
        for b in _blobs(image, ref.name, sent=ref is references[0])
    ]
    result = PushResult(
        references,
        digest,
        mediatype.OCI_INDEX,
        index,
        None,
        (amd, arm, attestation),
        tuple(blobs),
        sum(b.sent_bytes for b in blobs),
    )
    return result, amd, arm


def test_an_index_gives_a_row_per_platform_image_without_attestations() -> None:
    result, amd, _ = _index_result(["1"])
    assert amd.config is not None
    old_amd = image_sizes(f"{HOST}/team/app:1", amd.manifest, amd.config)
    before = Before((("linux/amd64", old_amd),))
    deltas = push_deltas(result, {f"{HOST}/team/app:1": before})
    assert [d.new.reference for d in deltas] == [
        f"{HOST}/team/app:1 (linux/amd64)",
        f"{HOST}/team/app:1 (linux/arm64)",
    ]
    assert deltas[0].old == old_amd and deltas[0].delta == 0
    assert deltas[1].old is None  # no arm64 image before: a first push for that platform
    assert deltas[0].pushed_bytes == sum(
        d.size for d in [amd.manifest.config, *amd.manifest.layers]
    )


def test_several_tags_count_each_upload_once_and_compare_to_applies_to_all() -> None:
    result, amd, _ = _index_result(["1", "latest"])
    assert amd.config is not None
    reference = image_sizes("main", amd.manifest, amd.config)
    deltas = push_deltas(result, {}, Before((("linux/amd64", reference),)))
    assert len(deltas) == 4
    attestation = result.images[2]
    attestation_bytes = attestation.manifest.config.size + attestation.manifest.layers[0].size
    assert sum(d.pushed_bytes or 0 for d in deltas) == result.uploaded_bytes - attestation_bytes
    assert [d.old is reference for d in deltas] == [True, False, True, False]


def test_a_lone_image_replacing_a_lone_image_of_another_platform_is_still_compared() -> None:
    image = _image("arm64", [10, 20])
    assert image.config is not None
    ref = parse(f"{HOST}/team/app:1@{image.digest}")
    result = PushResult(
        (ref,),
        image.digest,
        mediatype.OCI_MANIFEST,
        image.manifest,
        image.config,
        (image,),
        tuple(_blobs(image, ref.name, sent=True)),
        0,
    )
    old = image_sizes("old", image.manifest, image.config)
    [row] = push_deltas(result, {str(tag_of(ref)): Before((("linux/amd64", old),))})
    assert row.old is old and row.new.reference == f"{HOST}/team/app:1"


def test_buildx_attestations_are_no_rows() -> None:
    result, amd, arm = _index_result(["1"])
    with_attestation = PushResult(
        result.references,
        result.digest,
        result.media_type,
        result.manifest,
        None,
        (amd, arm, _buildx_attestation()),
        result.blobs,
        result.uploaded_bytes,
    )
    rows = push_deltas(with_attestation, {})
    assert [r.new.reference.rsplit(" ", 1)[1] for r in rows] == ["(linux/amd64)", "(linux/arm64)"]


def test_ledger_records_follow_the_amd64_image_of_an_index() -> None:
    result, amd, _ = _index_result(["1", "latest"])
    assert recorded_image(result) is amd
    records = push_records(result, time=1_700_000_000.0, commit="abc", branch="main")
    assert [(r.repository, r.tag) for r in records] == [("team/app", "1"), ("team/app", "latest")]
    assert {r.digest for r in records} == {amd.digest}
    assert records[0].pushed_bytes and records[1].pushed_bytes == 0
    assert records[0].commit == "abc" and records[0].branch == "main"
