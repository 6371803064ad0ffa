"""Cleanup that really frees space, on an embedded registry of the test's own: push with
`imagekit push`, prune, collect garbage, pull every remaining tag back byte for byte, and
check the bucket shrank by exactly what prune said it would free."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import Unsupported
from imagekit.registry.walk import RegistryWalker
from imagekit.report.usage import usage
from imagekit.services import status
from imagekit.services.maintenance import READONLY_CONFIG, restart_registry, stored_blobs
from tests.support.fill import Pushed, dated_image, layer, private_registry, pull_back, push


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with private_registry(tmp_path_factory.mktemp("gc") / "registry") as registry:
        yield registry


def environment(own: Any, tmp_path: Path) -> dict[str, str]:
    return {
        "IMAGEKIT_REGISTRY_DIR": str(own.data_dir),
        "IMAGEKIT_CACHE_DIR": str(tmp_path / "cache"),
    }


def run(own: Any, tmp_path: Path, *args: str) -> Result:
    result = CliRunner().invoke(
        cli, ["registry", *args], env=environment(own, tmp_path), catch_exceptions=False
    )
    assert "Traceback" not in result.stderr
    return result


def blobs_now(own: Any) -> Any:
    return stored_blobs(own.s3_client(), own.bucket, own.root_directory)


def day(n: int) -> str:
    return f"2024-05-{n:02d}T00:00:00Z"


def test_prune_then_gc_frees_what_prune_said_and_every_kept_tag_pulls_back(
    own: Any, tmp_path: Path
) -> None:
    env = environment(own, tmp_path)
    base = layer(60_000)
    pushed: list[Pushed] = []
    for i in range(1, 5):
        image = dated_image(base, layer(5_000 * i), created=day(i))
        pushed.append(push(own.address, "app", f"v{i}", image, tmp_path, **env))
    pushed.append(
        push(
            own.address,
            "app",
            "stable",
            dated_image(base, layer(800), created=day(1)),
            tmp_path,
            **env,
        )
    )
    pushed.append(
        push(
            own.address,
            "other",
            "v1",
            dated_image(base, layer(1_200), created=day(2)),
            tmp_path,
            **env,
        )
    )
    amd = dated_image(layer(7_000), created=day(3))
    arm = dated_image(layer(6_000), created=day(3), architecture="arm64")
    pushed.append(push(own.address, "multi", "old", [amd, arm], tmp_path, **env))
    pushed.append(
        push(own.address, "multi", "new", dated_image(layer(900), created=day(9)), tmp_path, **env)
    )
    # reproducible builds: created at the epoch; the ledger's push times order them
    pushed.append(
        push(
            own.address,
            "repro",
            "first",
            dated_image(layer(3_000), created="1970-01-01T00:00:00Z"),
            tmp_path,
            **env,
        )
    )
    pushed.append(
        push(
            own.address,
            "repro",
            "second",
            dated_image(layer(3_100), created="1970-01-01T00:00:00Z"),
            tmp_path,
            **env,
        )
    )

    # a fresh registry holds nothing untagged: the accounting is the bucket, to the byte
    before = blobs_now(own)
    listed = json.loads(run(own, tmp_path, "usage", "--format", "json").stdout)
    assert listed["total_bytes"] == before.total and listed["blob_count"] == before.count

    args = ("prune", "--all", "--keep-last", "1", "--keep-tag", "stable", "--format", "json")
    dry = run(own, tmp_path, *args)
    assert dry.exit_code == 0, dry.stderr
    preview = json.loads(dry.stdout)
    assert preview["dry_run"] is True
    doomed = {(t["repository"], t["tag"]) for t in preview["tags"] if t["action"] == "delete"}
    assert doomed == {
        ("app", "v1"),
        ("app", "v2"),
        ("app", "v3"),
        ("multi", "old"),
        ("repro", "first"),
    }
    gone = [p for p in pushed if (p.repository, p.tag) in doomed]
    # each doomed image held its own layers, config and manifests; the base stays
    expected = sum(p.blob_bytes - (len(base.blob) if p.repository == "app" else 0) for p in gone)
    assert preview["freed_bytes"] == expected
    assert blobs_now(own).sizes == before.sizes

    done = run(own, tmp_path, *args, "--yes")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dry_run"] is False and result["errors"] == [] and result["skipped"] == []
    assert len(result["deleted"]) == 5
    multi = next(d for d in result["deleted"] if d["repository"] == "multi")
    assert len(multi["children"]) == 3  # amd64, arm64, the attestation
    assert "registry gc" in done.stderr

    dry_gc = run(own, tmp_path, "gc", "--format", "json")
    assert dry_gc.exit_code == 0, dry_gc.stderr
    would = json.loads(dry_gc.stdout)
    assert would["dry_run"] is True and would["eligible_bytes"] == preview["freed_bytes"]
    assert would["eligible_blobs"] == preview["freed_blobs"] and would["reclaimed_bytes"] == 0

    collected = run(own, tmp_path, "gc", "--yes", "--format", "json")
    assert collected.exit_code == 0, collected.stderr
    gc = json.loads(collected.stdout)
    after = blobs_now(own)
    assert gc["before"]["bytes"] == before.total and gc["after"]["bytes"] == after.total
    assert gc["reclaimed_bytes"] == before.total - after.total == preview["freed_bytes"]
    assert gc["reclaimed_blobs"] == preview["freed_blobs"]

    client = RegistryClient(own.address)
    for item in pushed:
        if (item.repository, item.tag) not in doomed:
            pull_back(client, item)
    snapshot = RegistryWalker(client, tmp_path / "walk").snapshot()
    assert {(t.repository, t.tag) for t in snapshot.tags} == {
        (p.repository, p.tag) for p in pushed
    } - doomed
    assert usage(snapshot).total_bytes == after.total
    # back in normal mode: pushes work again
    push(own.address, "app", "after-gc", dated_image(layer(10)), tmp_path, **env)
    assert status(own.data_dir).running


def test_delete_untagged_refuses_to_take_platform_manifests_of_a_tagged_index(
    own: Any, tmp_path: Path
) -> None:
    env = environment(own, tmp_path)
    first = push(
        own.address, "moving", "latest", dated_image(layer(9_000), created=day(1)), tmp_path, **env
    )
    now = push(
        own.address, "moving", "latest", dated_image(layer(9_500), created=day(2)), tmp_path, **env
    )
    index = push(
        own.address,
        "fat",
        "v1",
        [dated_image(layer(2_000)), dated_image(layer(2_100), architecture="arm64")],
        tmp_path,
        **env,
    )
    before = blobs_now(own)

    refused = run(own, tmp_path, "gc", "--delete-untagged", "--yes")
    assert refused.exit_code == 2
    lines = [line for line in refused.stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(lines) == 1 and "platform manifests" in lines[0] and "fat@" in lines[0]
    assert blobs_now(own).sizes == before.sizes
    client = RegistryClient(own.address)
    pull_back(client, index)
    # the registry is back in normal mode
    assert status(own.data_dir).running
    push(own.address, "moving", "probe", dated_image(layer(10)), tmp_path, **env)

    # without the index, --delete-untagged removes the manifest the moved tag left behind
    client.delete_manifest("fat", index.digest)
    for child in index.children:
        client.delete_manifest("fat", child)
    collected = run(own, tmp_path, "gc", "--delete-untagged", "--yes", "--format", "json")
    assert collected.exit_code == 0, collected.stderr
    gc = json.loads(collected.stdout)
    assert gc["manifests_deleted"] >= 1
    freed = set(before.sizes) - set(blobs_now(own).sizes)
    assert str(first.digest) in freed and {str(d) for d in first.blobs} <= freed
    pull_back(client, now)


def test_readonly_mode_serves_pulls_and_refuses_writes_then_comes_back(
    own: Any, tmp_path: Path
) -> None:
    env = environment(own, tmp_path)
    item = push(own.address, "ro", "v1", dated_image(layer(1_000)), tmp_path, **env)
    client = RegistryClient(own.address)
    before = status(own.data_dir)
    restart_registry(own.data_dir, readonly=True)
    try:
        pull_back(client, item)
        with pytest.raises(Unsupported):
            client.delete_manifest("ro", item.digest)
        running = status(own.data_dir)
        assert running.running
        registry_pid = {p.name: p.pid for p in running.processes}["registry"]
        assert registry_pid != {p.name: p.pid for p in before.processes}["registry"]
        assert READONLY_CONFIG in Path(f"/proc/{registry_pid}/cmdline").read_text()
    finally:
        restart_registry(own.data_dir, readonly=False)
    assert READONLY_CONFIG not in Path(f"/proc/{own_pid(own)}/cmdline").read_text()
    push(own.address, "ro", "v2", dated_image(layer(10)), tmp_path, **env)
    pull_back(client, item)


def own_pid(own: Any) -> int:
    return {p.name: p.pid for p in status(own.data_dir).processes}["registry"]


def test_gc_removes_abandoned_uploads_and_leaves_recent_ones(own: Any) -> None:
    """distribution's own upload purger is off on this S3 endpoint (it panics on the folder
    keys SeaweedFS lists); gc removes the uploads nobody touched for a week instead."""
    import urllib.request

    from imagekit.services.maintenance import collect_garbage

    def start_upload(repository: str) -> None:
        request = urllib.request.Request(
            f"http://{own.address}/v2/{repository}/blobs/uploads/", method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 202

    def upload_keys() -> list[str]:
        s3 = own.s3_client()
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=own.bucket)
        return [
            str(item["Key"])
            for page in pages
            for item in page.get("Contents", [])
            if "/_uploads/" in str(item["Key"])
        ]

    start_upload("abandoned/app")
    assert any("/abandoned/app/_uploads/" in key for key in upload_keys())
    kept = collect_garbage(own.data_dir)  # a week old at the least: these are seconds old
    assert kept.uploads.count == 0
    assert any("/abandoned/app/_uploads/" in key for key in upload_keys())
    dry = collect_garbage(own.data_dir, dry_run=True, upload_age=0)
    assert dry.uploads.count >= 1 and any("/abandoned/" in k for k in upload_keys())
    purged = collect_garbage(own.data_dir, upload_age=0)
    assert purged.uploads.count >= 1 and purged.uploads.bytes >= 0
    assert not any("/_uploads/" in key for key in upload_keys())
    start_upload("abandoned/app")  # the registry takes uploads again afterwards
