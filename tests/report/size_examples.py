"""Deterministic size values for the size-report tests: layers, images, ledger records."""

from __future__ import annotations

from imagekit.oci.digest import Digest
from imagekit.report.delta import ImageSizes, LayerSize, delta, sizes_of
from imagekit.report.record import LayerRecord, LedgerRecord
from imagekit.report.sizereport import SizeReport, size_report
from tests.report.examples import example_image, old_image

REGISTRY = "registry.example:5000"
#: 2024-05-01T12:00:00Z
T0 = 1_714_564_800.0


def layer(
    n: int,
    size: int | None,
    uncompressed: int | None = None,
    created_by: str = "",
    *,
    tar_only: bool = False,
) -> LayerSize:
    """Layer ``n``: its blob digest and diff ID follow from ``n`` (a tar-only layer's blob
    digest is its diff ID, as engine and archive sources have it)."""
    diff_id = Digest.of_bytes(b"tar %d" % n)
    digest = diff_id if tar_only else Digest.of_bytes(b"blob %d" % n)
    return LayerSize(digest, diff_id, size, uncompressed, created_by or f"RUN step {n}")


def sizes(reference: str, *layers: LayerSize, config: int = 1_000, n: int = 0) -> ImageSizes:
    return ImageSizes(reference, Digest.of_bytes(b"manifest %d" % n), config, tuple(layers))


def example_report() -> SizeReport:
    """Three images: one changed (real layers), one pushed first, one unchanged."""
    app_old = sizes_of(old_image(), f"{REGISTRY}/team/app:1")
    app_new = sizes_of(example_image(), f"{REGISTRY}/team/app:2")
    web = sizes(f"{REGISTRY}/team/web:1", layer(1, 2_000_000), layer(2, 500_000), n=1)
    worker = sizes(f"{REGISTRY}/team/worker:3", layer(3, 8_000_000), n=2)
    return size_report(
        [
            delta(app_old, app_new, pushed_bytes=233_000),
            delta(None, web, pushed_bytes=2_501_000),
            delta(worker, worker, pushed_bytes=0),
        ]
    )


def record(
    i: int,
    size: int | None,
    *,
    tag: str = "latest",
    repository: str = "team/app",
    commit: str = "",
    branch: str = "main",
    hours: float = 6,
) -> LedgerRecord:
    """Push ``i``, ``i * hours`` after T0."""
    layers = (LayerRecord(Digest.of_bytes(b"blob %d" % i), size),)
    return LedgerRecord(
        REGISTRY,
        repository,
        tag,
        Digest.of_bytes(b"manifest %d" % i),
        T0 + i * hours * 3600,
        size,
        None if size is None else size * 3,
        layers,
        commit or f"{i:02d}" + "c0ffee" * 6 + "ab",
        branch,
        size,
    )


def example_records(count: int = 6) -> list[LedgerRecord]:
    """``count`` pushes growing and shrinking around 40 MB."""
    pattern = (40_000_000, 41_200_000, 41_200_000, 39_800_000, 45_000_000, 44_100_000)
    return [
        record(i, pattern[i % len(pattern)] + (i // len(pattern)) * 10_000) for i in range(count)
    ]
