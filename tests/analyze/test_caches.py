"""Caches and leftovers in shipped layers, with exact bytes; IK301 on the final file system."""

from __future__ import annotations

import pytest

from imagekit.analyze import analyze
from imagekit.analyze.report import Finding
from imagekit.catalog import load_catalog
from tests.support.images import Member, file, image, symlink, whiteout

ELF = b"\x7fELF" + bytes(96)


def findings(*layers: list[Member], base: int = 0) -> list[Finding]:
    return list(analyze(image(*layers), base=base).findings)


def summary(found: list[Finding]) -> list[tuple[str, int, int, int]]:
    return [(f.rule, f.layer, f.count, f.bytes) for f in found]


@pytest.mark.parametrize(
    ("rule", "paths"),
    [
        (
            "IK201",
            ["var/lib/apt/lists/deb_dists_bookworm_InRelease", "var/lib/apt/lists/partial/x"],
        ),
        ("IK201", ["var/cache/apt/archives/tzdata_2024a-0_all.deb"]),
        ("IK203", ["var/cache/apk/APKINDEX.abc.tar.gz"]),
        ("IK204", ["root/.cache/pip/http/a/b", "home/app/.cache/pip/wheels/x.whl"]),
        ("IK205", ["root/.npm/_cacache/content-v2/sha512/ab/cd"]),
        ("IK205", ["usr/local/share/.cache/yarn/v6/npm-x/package.json"]),
        ("IK205", ["home/node/.cache/yarn/v6/y"]),
        ("IK206", ["root/.gradle/caches/modules-2/files-2.1/a.jar"]),
        ("IK206", ["home/builder/.m2/repository/org/x/x.pom"]),
        ("IK207", ["var/cache/dnf/fedora.solv", "var/cache/yum/x86_64/primary.sqlite"]),
        ("IK209", ["root/.cache/go-build/ab/abcdef-d"]),
        ("IK209", ["go/pkg/mod/example.com/m@v1.0.0/go.mod", "root/go/pkg/mod/cache/x"]),
        ("IK211", ["tmp/build/output.o", "tmp/x"]),
    ],
)
def test_each_cache_is_reported_with_its_bytes(rule: str, paths: list[str]) -> None:
    sizes = [1000 + 10 * i for i in range(len(paths))]
    layer = [file(p, size) for p, size in zip(paths, sizes, strict=True)]
    found = findings([file("etc/hostname", b"x")], layer)
    assert summary(found) == [(rule, 1, len(paths), sum(sizes))]
    (finding,) = found
    assert set(finding.paths) == {"/" + p for p in paths}
    rule_entry = load_catalog().get(rule)
    assert (finding.name, finding.severity) == (rule_entry.name, rule_entry.severity.value)


@pytest.mark.parametrize(
    "path",
    [
        "var/lib/apt/lists/lock",  # apt's lock file, always there
        "var/cache/apt/archives/lock",
        "var/cache/apt/archives/partial/notadeb",
        "etc/apt/sources.list",
        "var/cache/debconf/config.dat",
        "root/.cache/other/x",
        "srv/tmp/file",
        "app/root/.cache/pip/x",  # not a home directory
        "home/a/b/.cache/pip/x",
        "var/tmp/keep",
    ],
)
def test_similar_paths_are_not_caches(path: str) -> None:
    assert findings([file(path, 500)]) == []


def test_empty_files_and_directories_alone_are_not_findings() -> None:
    assert findings([file("tmp/.keep"), file("var/lib/apt/lists/partial/.x")]) == []


def test_largest_paths_first_and_at_most_five() -> None:
    layer = [file(f"tmp/f{i}", 100 + i) for i in range(8)]
    (finding,) = findings(layer)
    assert finding.paths == ("/tmp/f7", "/tmp/f6", "/tmp/f5", "/tmp/f4", "/tmp/f3")
    assert (finding.count, finding.bytes) == (8, sum(range(100, 108)))
    assert finding.message == f"8 files ({finding.bytes} bytes) left in /tmp"


def test_cache_deleted_by_a_later_layer_is_still_shipped_in_its_layer() -> None:
    result = analyze(
        image(
            [file("var/lib/apt/lists/a_Packages", 4000)],
            [whiteout("var/lib/apt/lists/a_Packages")],
        )
    )
    # IK201 for the cache its layer ships, IK102 for the same bytes deleted too late.
    assert summary(list(result.findings)) == [("IK102", 0, 1, 4000), ("IK201", 0, 1, 4000)]
    assert result.wasted_bytes == 4000


def test_each_layer_gets_its_own_finding() -> None:
    found = findings(
        [file("root/.cache/pip/a", 10)],
        [file("root/.cache/pip/b", 20), file("tmp/t", 5)],
    )
    assert summary(found) == [("IK204", 0, 1, 10), ("IK204", 1, 1, 20), ("IK211", 1, 1, 5)]


def test_base_layers_are_not_judged() -> None:
    layers = ([file("tmp/base-left", 10)], [file("tmp/ours", 20)])
    assert summary(findings(*layers, base=1)) == [("IK211", 1, 1, 20)]


# -- IK301 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["server", "app/bin/server", "usr/local/bin/server", "opt/x"])
def test_executable_without_ca_bundle(where: str) -> None:
    found = findings([file("etc/passwd", b"root")], [file(where, ELF, mode=0o755)])
    assert summary(found) == [("IK301", 1, 1, len(ELF))]
    assert found[0].paths == ("/" + where,)
    assert "no CA bundle" in found[0].message


@pytest.mark.parametrize(
    "bundle",
    [
        file("etc/ssl/certs/ca-certificates.crt", b"-----BEGIN CERTIFICATE-----"),
        file("etc/pki/tls/certs/ca-bundle.crt", b"-----BEGIN CERTIFICATE-----"),
        file("etc/ssl/cert.pem", b"-----BEGIN CERTIFICATE-----"),
        symlink("etc/ssl/cert.pem", "certs/ca-certificates.crt"),
        file("etc/ssl/certs/ISRG_Root_X1.pem", b"-----BEGIN CERTIFICATE-----"),
    ],
)
def test_a_ca_bundle_satisfies_ik301(bundle: Member) -> None:
    assert findings([bundle], [file("server", ELF, mode=0o755)]) == []


@pytest.mark.parametrize(
    "member",
    [
        file("server", ELF, mode=0o644),  # not executable
        file("run.sh", b"#!/bin/sh\necho hi\n", mode=0o755),  # not ELF
        file("bin/busybox", ELF, mode=0o755),  # an OS directory
        file("usr/lib/x86_64-linux-gnu/libc.so.6", ELF, mode=0o755),
        file("opt/lib/libfoo.so", ELF, mode=0o755),  # a library
    ],
)
def test_not_an_executable_for_ik301(member: Member) -> None:
    assert findings([member]) == []


def test_ik301_ignores_deleted_executables_and_base_layers() -> None:
    deleted = findings([file("server", ELF, mode=0o755)], [whiteout("server")])
    assert [f.rule for f in deleted] == ["IK102"]
    assert findings([file("server", ELF, mode=0o755)], [file("x", 1)], base=1) == []


def test_empty_ca_bundle_does_not_count() -> None:
    found = findings([file("etc/ssl/certs/ca-certificates.crt"), file("srv", ELF, mode=0o755)])
    assert [f.rule for f in found] == ["IK301"]


def test_hardlinked_ca_bundle_counts() -> None:
    from tests.support.images import hardlink

    layer = [
        file("etc/ssl/certs/bundle.crt", b"-----BEGIN CERTIFICATE-----"),
        hardlink("etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/bundle.crt"),
        file("srv", ELF, mode=0o755),
    ]
    assert findings(layer) == []
