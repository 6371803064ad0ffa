"""Retention policies on hand-made snapshots: what is kept and why, tags sharing a digest,
indexes and their children, the bytes freed with shared layers left out, ages."""

from __future__ import annotations

import pytest

from imagekit.errors import UsageError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import Child, Node, TagRef
from imagekit.report.retention import Policy, parse_age, parse_created, plan
from imagekit.report.usage import usage
from tests.support.snapshots import blob, image, ref, snapshot

DAY = 86400.0
NOW = parse_created("2024-06-30T00:00:00Z") or 0.0


def day(n: int) -> str:
    return f"2024-06-{n:02d}T00:00:00Z"


def test_ages_and_times() -> None:
    assert parse_age("30d") == 30 * DAY
    assert parse_age("12h") == 12 * 3600
    assert parse_age("2w") == 14 * DAY
    assert parse_age(" 90m ") == 5400
    for bad in ("30", "d", "-1d", "0d", "1.5d", "3x", ""):
        with pytest.raises(UsageError, match="--older-than"):
            parse_age(bad)
    assert parse_created("2024-06-01T00:00:00.123456789Z") == parse_created(
        "2024-06-01T00:00:00.123456Z"
    )
    assert parse_created("1970-01-01T00:00:00Z") is None  # reproducible builds' placeholder
    assert parse_created("") is None and parse_created("yesterday") is None
    assert parse_created("2024-06-01T00:00:00") is None  # no zone: not RFC 3339
    with pytest.raises(UsageError):
        Policy(-1)


def test_keep_last_keeps_the_newest_and_frees_what_only_the_others_hold() -> None:
    nodes: dict[Digest, Node] = {}
    base = blob(100_000)
    tags = [
        ref("app", f"v{i}", image(nodes, base, blob(1_000 * i), created=day(i)))
        for i in range(1, 6)
    ]
    snap = snapshot(nodes, *tags)
    result = plan(snap, usage(snap), Policy(keep_last=2), ["app"], now=NOW)
    assert [d.tag.tag for d in result.doomed] == ["v1", "v2", "v3"]
    assert {d.tag.tag: d.reason for d in result.decisions if d.keep} == {
        "v4": "one of the 2 newest",
        "v5": "one of the 2 newest",
    }
    # each doomed tag frees its own layer, config and manifest; the base stays
    assert result.freed_bytes == sum(1_000 * i + 100 + 400 for i in (1, 2, 3))
    assert result.freed_blobs == 9
    assert result.freed_by_repository == {"app": result.freed_bytes}
    assert [(d.digest, d.tags) for d in result.deletions] == [
        (t.digest, (t.tag,)) for t in tags[:3]
    ]


def test_older_than_and_keep_tag_protect_tags_and_a_kept_digest_keeps_its_other_tags() -> None:
    nodes: dict[Digest, Node] = {}
    old = image(nodes, blob(10), created=day(1))
    release = image(nodes, blob(20), created=day(2))
    recent = image(nodes, blob(30), created=day(25))
    newest = image(nodes, blob(40), created=day(29))
    tags = [
        ref("app", "old", old),
        ref("app", "also-old", old),
        ref("app", "v1.0", release),
        ref("app", "recent", recent),
        ref("app", "newest", newest),
        ref("app", "latest", old),  # names the old digest: deleting it would take latest
    ]
    snap = snapshot(nodes, *tags)
    policy = Policy(keep_last=1, older_than=7 * DAY, keep_tags=("v*",))
    result = plan(snap, usage(snap), policy, ["app"], now=NOW)
    reasons = {d.tag.tag: (d.keep, d.reason) for d in result.decisions}
    assert reasons["newest"] == (True, "one of the 1 newest")
    assert reasons["v1.0"] == (True, "matches --keep-tag")
    assert reasons["recent"] == (True, "not old enough")
    # old, also-old and latest name one digest: none is the newest by itself, all go
    assert reasons["old"] == reasons["also-old"] == reasons["latest"] == (False, "policy")
    assert [(d.digest, set(d.tags)) for d in result.deletions] == [
        (old.digest, {"old", "also-old", "latest"})
    ]
    keep_latest = Policy(keep_last=1, older_than=7 * DAY, keep_tags=("v*", "latest"))
    result = plan(snap, usage(snap), keep_latest, ["app"], now=NOW)
    assert result.deletions == () and result.freed_bytes == 0
    assert {d.tag.tag: d.reason for d in result.decisions}[
        "old"
    ] == "its digest is kept under another tag"


def test_undated_tags_are_kept_unless_the_ledger_dates_them() -> None:
    nodes: dict[Digest, Node] = {}
    epoch = image(nodes, blob(5), created="1970-01-01T00:00:00Z")
    dated = image(nodes, blob(6), created=day(20))
    snap = snapshot(nodes, ref("app", "repro", epoch), ref("app", "dated", dated))
    found = usage(snap)
    result = plan(snap, found, Policy(keep_last=0), ["app"], now=NOW)
    assert {d.tag.tag: d.reason for d in result.decisions} == {
        "repro": "no created time",
        "dated": "policy",
    }
    pushed = {("app", epoch.digest): NOW - 40 * DAY}
    result = plan(snap, found, Policy(keep_last=1), ["app"], now=NOW, pushed=pushed)
    assert {d.tag.tag: d.keep for d in result.decisions} == {"repro": False, "dated": True}
    assert result.doomed[0].time == NOW - 40 * DAY


def test_layers_shared_with_another_repository_are_not_counted() -> None:
    nodes: dict[Digest, Node] = {}
    shared = blob(70_000)
    gone = image(nodes, shared, blob(1_000), created=day(1))
    kept = image(nodes, blob(2_000), created=day(2))
    elsewhere = image(nodes, shared, created=day(1))
    snap = snapshot(
        nodes, ref("app", "a", gone), ref("app", "b", kept), ref("other", "x", elsewhere)
    )
    result = plan(snap, usage(snap), Policy(keep_last=1), ["app", "other"], now=NOW)
    assert [d.tag.tag for d in result.doomed] == ["a"]  # other keeps its only tag
    assert result.freed_bytes == 1_000 + 100 + 400


def test_an_index_goes_with_its_untagged_children_and_a_child_a_kept_tag_needs_stays() -> None:
    nodes: dict[Digest, Node] = {}
    amd = image(nodes, blob(3_000), created=day(1))
    arm = image(nodes, blob(4_000), created=day(1), platform="linux/arm64")
    index = Node(
        blob(800).digest,
        mediatype.OCI_INDEX,
        800,
        children=(Child(amd.blob, "linux/amd64"), Child(arm.blob, "linux/arm64")),
    )
    nodes[index.digest] = index
    newer = image(nodes, blob(1), created=day(10))
    tags = [
        TagRef("app", "multi", index.digest, index.media_type, index.size),
        ref("app", "arm-only", arm),  # an old tag of the arm64 image, doomed too
        ref("app", "amd-pinned", amd),
        ref("app", "new", newer),
    ]
    snap = snapshot(nodes, *tags)
    policy = Policy(keep_last=1, keep_tags=("*-pinned",))
    result = plan(snap, usage(snap), policy, ["app"], now=NOW)
    assert {d.tag.tag for d in result.doomed} == {"multi", "arm-only"}
    by_digest = {d.digest: d for d in result.deletions}
    # the arm64 child is a doomed tag itself; the amd64 one is kept by amd-pinned
    assert by_digest[index.digest].children == ()
    assert by_digest[arm.digest].tags == ("arm-only",)
    assert result.freed_bytes == 800 + 4_000 + 100 + 400
    lonely = snapshot(nodes, tags[0], tags[3])
    result = plan(lonely, usage(lonely), Policy(keep_last=1), ["app"], now=NOW)
    assert result.deletions[0].children == (amd.digest, arm.digest)
    assert result.freed_bytes == 800 + 2 * (100 + 400) + 3_000 + 4_000
