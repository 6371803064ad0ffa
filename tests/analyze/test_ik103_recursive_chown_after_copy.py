"""IK103 recursive-chown-after-copy in an image: files stored again unchanged but for
their owner or mode.

Decisions: a later layer's copy with the same content (sha256 for large files, CRC-32 for
small ones) and the same modification time, and another owner or mode, is a rewrite
(``chown -R`` and ``chmod -R`` keep content and modification time); a copy whose content or
modification time differs is IK102, and so is a copy identical in owner and mode too (a
second COPY of the same files, or a chown that changed nothing: not what IK103 fixes); the
finding belongs to the layer whose copies are duplicated, with the rewriting layer as
``hidden_by``.
"""

from __future__ import annotations

import io
import tarfile

from imagekit.analyze import Finding, analyze
from tests.support.images import MemoryImage, MemoryLayer, file, image, tar, whiteout

BIG = bytes(range(256)) * 400  # 102400 bytes: above the sha256 threshold


def _owned(*entries: tuple[str, bytes, int, int, int]) -> bytes:
    """A layer tar of (path, content, uid, mode, mtime) files."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, data, uid, mode, mtime in entries:
            info = tarfile.TarInfo(path)
            info.size, info.uid, info.gid, info.mode, info.mtime = len(data), uid, uid, mode, mtime
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def findings(*layers: bytes, base: int = 0) -> list[Finding]:
    result = analyze(MemoryImage([MemoryLayer(layer) for layer in layers]), base=base)
    waste = [f for f in result.findings if f.rule in ("IK102", "IK103")]
    assert sum(f.bytes for f in waste) == result.wasted_bytes
    return waste


def test_chown_of_copied_files() -> None:
    copied = _owned(
        ("srv/app/data.bin", BIG, 0, 0o644, 1000), ("srv/app/a.py", b"x", 0, 0o644, 1000)
    )
    chowned = _owned(
        ("srv/app/data.bin", BIG, 1000, 0o644, 1000), ("srv/app/a.py", b"x", 1000, 0o644, 1000)
    )
    [finding] = findings(copied, chowned)
    assert (finding.rule, finding.layer, finding.hidden_by) == ("IK103", 0, 1)
    assert (finding.count, finding.bytes) == (2, len(BIG) + 1)
    assert finding.paths == ("/srv/app/data.bin", "/srv/app/a.py")
    assert finding.name == "recursive-chown-after-copy"
    assert finding.message.startswith(
        f"2 files ({len(BIG) + 1} bytes) that layer 0 wrote are stored again by layer 1"
    )
    assert "COPY --chown" in finding.message


def test_chmod_is_a_rewrite_and_an_identical_copy_is_ik102() -> None:
    copied = _owned(("bin/tool", b"#!/bin/sh\n", 0, 0o644, 5))
    assert [
        f.rule for f in findings(copied, _owned(("bin/tool", b"#!/bin/sh\n", 0, 0o755, 5)))
    ] == ["IK103"]
    [same] = findings(copied, _owned(("bin/tool", b"#!/bin/sh\n", 0, 0o644, 5)))
    assert (same.rule, same.layer, same.hidden_by, same.bytes) == ("IK102", 0, 1, 10)
    assert same.message.startswith(
        "1 file (10 bytes) written by layer 0 and stored again unchanged by layer 1 (same "
        "content, modification time, owner and mode)"
    )
    # A group copy in one other than its owner is a rewrite too.
    assert [
        f.rule for f in findings(copied, _owned(("bin/tool", b"#!/bin/sh\n", 7, 0o644, 5)))
    ] == ["IK103"]


def test_changed_content_or_time_is_ik102() -> None:
    copied = _owned(("etc/app.conf", b"port = 1\n", 0, 0o644, 5))
    for later in (
        _owned(("etc/app.conf", b"port = 2\n", 1000, 0o644, 5)),  # same size, other bytes
        _owned(("etc/app.conf", b"port = 1\n", 1000, 0o644, 6)),  # written anew
    ):
        assert [f.rule for f in findings(copied, later)] == ["IK102"]
    large = _owned(("big", BIG, 0, 0o644, 5))
    other = bytes(reversed(BIG))
    assert [f.rule for f in findings(large, _owned(("big", other, 1000, 0o644, 5)))] == ["IK102"]


def test_a_rewrite_deleted_later_is_two_findings() -> None:
    copied = _owned(("a", b"abc", 0, 0o644, 5))
    chowned = _owned(("a", b"abc", 1, 0o644, 5))
    layers = [MemoryLayer(copied), MemoryLayer(chowned), MemoryLayer(tar(whiteout("a")))]
    result = analyze(MemoryImage(layers))
    assert [(f.rule, f.layer, f.hidden_by, f.bytes) for f in result.findings] == [
        ("IK103", 0, 1, 3),
        ("IK102", 1, 2, 3),
    ]


def test_base_layers_rewritten_by_our_layer_count() -> None:
    base = _owned(("etc/passwd", b"root:x:0:0\n", 0, 0o644, 5))
    ours = _owned(("etc/passwd", b"root:x:0:0\n", 0, 0o600, 5))
    [finding] = findings(base, ours, base=1)
    assert (finding.rule, finding.layer, finding.hidden_by) == ("IK103", 0, 1)
    assert findings(base, ours, base=2) == []


def test_same_layer_twice_is_not_a_rewrite() -> None:
    assert [f.rule for f in analyze(image([file("x", b"a"), file("x", b"a")])).findings] == [
        "IK102"
    ]
