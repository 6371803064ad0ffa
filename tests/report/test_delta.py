"""Size deltas: layers shared, added and removed, first pushes, percentages, totals, JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Descriptor, Manifest
from imagekit.report.delta import ImageSizes, delta, image_sizes, sizes_of
from imagekit.report.sizereport import SizeReport, merge, size_report
from tests.report.examples import HISTORY, example_image, old_image
from tests.report.size_examples import example_report, layer, sizes


def test_layers_match_by_digest_as_shared_added_and_removed() -> None:
    base, kept, gone, new = (
        layer(1, 100),
        layer(2, 200),
        layer(3, 300, created_by="RUN apt-get install -y curl"),
        layer(4, 450, created_by="RUN apk add curl"),
    )
    old = sizes("app:1", base, kept, gone, config=50)
    now = sizes("app:2", base, kept, new, config=60)
    d = delta(old, now, pushed_bytes=510)
    assert d.shared == (base, kept)
    assert d.added == (new,)
    assert d.removed == (gone,)
    assert [x.created_by for x in d.removed] == ["RUN apt-get install -y curl"]
    assert d.matched_by == "digest"
    assert (old.compressed_size, now.compressed_size) == (650, 810)
    assert d.delta == 160
    assert d.percent == pytest.approx(100 * 160 / 650)
    assert d.pushed_bytes == 510


def test_a_first_push_adds_every_layer_and_has_no_growth() -> None:
    now = sizes("app:1", layer(1, 100), layer(2, 200))
    d = delta(None, now)
    assert (d.shared, d.removed) == ((), ())
    assert d.added == now.layers
    assert d.delta is None and d.percent is None and d.uncompressed_delta is None
    report = size_report([d])
    assert (report.old_size, report.new_size, report.delta) == (0, 1_300, 1_300)
    assert report.percent is None  # no percentage of nothing


def test_percent_of_a_zero_old_size_is_none_but_the_delta_is_exact() -> None:
    empty = ImageSizes("scratch:1", None, 0, ())
    assert empty.compressed_size == 0
    d = delta(empty, sizes("scratch:2", layer(1, 700), config=300))
    assert d.delta == 1_000
    assert d.percent is None
    assert delta(empty, empty).percent is None
    assert delta(empty, empty).delta == 0


def test_a_repeated_layer_matches_once_per_occurrence() -> None:
    empty = layer(9, 32)
    d = delta(sizes("a:1", empty, empty, layer(1, 10)), sizes("a:2", empty, layer(1, 10)))
    assert d.shared == (empty, layer(1, 10))
    assert d.removed == (empty,)
    assert d.added == ()


def test_without_compressed_blobs_layers_match_by_diff_id() -> None:
    engine = sizes("docker-daemon:app:2", layer(1, None, 4_000, tar_only=True), layer(5, None, 10))
    registry = sizes("docker://r/app:1", layer(1, 1_500, None), layer(2, 900))
    d = delta(registry, engine)
    assert d.matched_by == "diff_id"
    assert [x.diff_id for x in d.shared] == [layer(1, None).diff_id]
    assert d.delta is None  # the engine image has no compressed size
    assert engine.compressed_size is None and engine.uncompressed_size == 4_010


def test_measured_sizes_also_match_by_diff_id() -> None:
    measured = dataclasses.replace(layer(1, 1_400, 4_000, tar_only=True), measured=True)
    d = delta(sizes("r/app:1", layer(1, 1_500)), sizes("docker-daemon:app", measured))
    assert d.matched_by == "diff_id"
    assert d.shared == (measured,)
    assert d.delta == -100


def test_several_images_make_one_report_with_a_total_row() -> None:
    report = example_report()
    app, web, worker = report.images
    assert app.old is not None and worker.old is not None
    assert report.old_size == app.old.compressed_size + worker.old.compressed_size  # type: ignore[operator]
    assert report.new_size == sum(d.new.compressed_size or 0 for d in report.images)
    assert report.delta == (app.delta or 0) + web.new.compressed_size + (worker.delta or 0)  # type: ignore[operator]
    assert report.pushed_bytes == 233_000 + 2_501_000
    assert worker.delta == 0 and worker.added == () and worker.removed == ()


def test_totals_are_unknown_when_any_image_size_is() -> None:
    engine = sizes("docker-daemon:a", layer(1, None, 10, tar_only=True))
    report = size_report([delta(None, engine), delta(None, sizes("b", layer(2, 5)))])
    assert report.new_size is None and report.delta is None
    assert report.new_uncompressed_size is None  # layer 2's is unknown too
    assert size_report([]).pushed_bytes is None


def test_sizes_from_manifest_and_config_skip_empty_layer_history() -> None:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {
                "type": "layers",
                "diff_ids": [str(Digest.of_bytes(b"tar 1")), str(Digest.of_bytes(b"tar 2"))],
            },
            "history": [
                {"created_by": "ADD rootfs.tar /"},
                {"created_by": "ENV A=1", "empty_layer": True},
                {"created_by": "RUN make"},
                {"created_by": 'CMD ["app"]', "empty_layer": True},
            ],
        }
    ).encode()
    manifest = Manifest(
        mediatype.OCI_MANIFEST,
        Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(config), len(config)),
        (
            Descriptor(mediatype.OCI_LAYER_GZIP, Digest.of_bytes(b"blob 1"), 1_000),
            Descriptor(mediatype.OCI_LAYER, Digest.of_bytes(b"tar 2"), 5_000),
        ),
    )
    got = image_sizes("r/app:1", manifest, parse_config(config))
    assert [x.created_by for x in got.layers] == ["ADD rootfs.tar /", "RUN make"]
    assert [(x.size, x.uncompressed_size) for x in got.layers] == [(1_000, None), (None, 5_000)]
    assert got.digest == manifest.digest and got.config_size == len(config)
    assert got.compressed_size is None  # the second layer is a plain tar
    known = image_sizes("r/app:1", manifest, parse_config(config), [3_000, None])
    assert known.uncompressed_size == 8_000
    with pytest.raises(ImageError, match="2 layers"):
        image_sizes("r/app:1", manifest, parse_config(config), [1])
    short = Manifest(manifest.media_type, manifest.config, manifest.layers[:1])
    with pytest.raises(ImageError, match="1 layers, the config 2 diff_ids"):
        image_sizes("r/app:1", short, parse_config(config))


def test_sizes_of_an_image_agree_with_its_manifest_and_config() -> None:
    image = example_image()
    got = sizes_of(image)
    assert got == image_sizes(image.name, image.manifest, image.config)
    assert got.reference == "docker-archive:app.tar"
    assert [x.created_by for x in got.layers] == list(HISTORY)  # the ENV entry skipped
    assert got.compressed_size == image.manifest.config.size + sum(x.size for x in image.layers)  # type: ignore[misc]


def test_json_round_trip_keeps_every_value() -> None:
    report = example_report()
    data = json.loads(json.dumps(report.to_dict()))
    assert SizeReport.from_dict(data) == report
    assert data["total"]["delta"] == report.delta
    assert data["images"][1]["old"] is None
    assert (
        data["images"][0]["layers"]["removed"][0]["created_by"]
        == old_image().config.history[2].created_by
    )


def test_merge_keeps_images_in_order() -> None:
    one, two = example_report(), size_report([delta(None, sizes("x", layer(7, 1)))])
    merged = merge([one, two])
    assert [d.new.reference for d in merged.images] == [
        *(d.new.reference for d in one.images),
        "x",
    ]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("kind"), "not an imagekit size report"),
        (lambda d: d.update(version=7), "version 7"),
        (lambda d: d["images"][0]["new"]["layers"][0].update(digest="sha256:nothex"), "malformed"),
        (lambda d: d["images"][0]["new"]["layers"][0].update(size=-1), "non-negative"),
        (lambda d: d.update(images={}), "'images' must be a list"),
    ],
)
def test_malformed_json_reports_say_what_is_wrong(mutate: object, message: str) -> None:
    data = example_report().to_dict()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(ImageError, match=message) as info:
        SizeReport.from_dict(data, "a.json")
    assert info.value.message.startswith("a.json: ")
    assert "\n" not in info.value.message
