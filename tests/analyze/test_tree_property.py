"""Generated layer stacks: the analyser agrees with a deliberately plain reference model.

The model keeps a flat ``path -> record`` dict and applies each layer's whiteouts (and
opaque markers) first, deleting by path prefix what lower layers wrote, then its entries
in path order. The
generated tars list entries in that same order. Three cases are left out of generation
because the model does not try to mirror them: a path written twice in one layer, a
non-directory written at (or above) a directory the same layer marks opaque, and a
whiteout of (or above) such a directory (no real layer both keeps a directory and deletes
it).
"""

from __future__ import annotations

from typing import NamedTuple

from hypothesis import example, given, settings
from hypothesis import strategies as st

from imagekit.analyze import analyze
from imagekit.analyze.tarstream import TarStream
from imagekit.analyze.tree import Tree, Visible
from imagekit.errors import ImageError
from tests.support.images import Member, MemoryImage, MemoryLayer, file, opaque, symlink, tar
from tests.support.images import directory as dir_member
from tests.support.images import whiteout as whiteout_member

NAMES = st.sampled_from(["a", "b", "c"])
PATHS = st.lists(NAMES, min_size=1, max_size=3).map("/".join)


class Op(NamedTuple):
    kind: str  # file, dir, symlink, whiteout, opaque
    path: str
    size: int = 0


OPS = st.one_of(
    st.builds(Op, st.just("file"), PATHS, st.integers(0, 50)),
    st.builds(Op, st.just("dir"), PATHS, st.just(0)),
    st.builds(Op, st.just("symlink"), PATHS, st.just(0)),
    st.builds(Op, st.just("whiteout"), PATHS, st.just(0)),
    st.builds(Op, st.just("opaque"), PATHS, st.just(0)),
)


def layer_ops(ops: list[Op]) -> list[Op]:
    """Whiteouts first (as generated), then unique entries in path order."""
    opaque_dirs = [op.path for op in ops if op.kind == "opaque"]
    marks = [
        op
        for op in ops
        if op.kind == "opaque"
        or (
            op.kind == "whiteout"
            and not any(d == op.path or d.startswith(op.path + "/") for d in opaque_dirs)
        )
    ]
    entries: dict[str, Op] = {}
    for op in ops:
        if op.kind in ("whiteout", "opaque") or op.path in entries:
            continue
        if op.kind != "dir" and any(
            d == op.path or d.startswith(op.path + "/") for d in opaque_dirs
        ):
            continue
        entries[op.path] = op
    return marks + [entries[path] for path in sorted(entries)]


def members(ops: list[Op]) -> list[Member]:
    out = []
    for op in ops:
        if op.kind == "file":
            out.append(file(op.path, op.size))
        elif op.kind == "dir":
            out.append(dir_member(op.path))
        elif op.kind == "symlink":
            out.append(symlink(op.path, "target"))
        elif op.kind == "whiteout":
            out.append(whiteout_member(op.path))
        else:
            out.append(opaque(op.path))
    return out


class Rec(NamedTuple):
    kind: str
    layer: int
    size: int


class ModelError(Exception):
    pass


class Result(NamedTuple):
    visible: dict[str, tuple[str, int, int]]
    waste: list[tuple[int, int, int]]  # size, writer, hider
    counts: list[tuple[int, int, int]]


class Model:
    """The reference: a flat dict of records, changed by prefix deletions."""

    def __init__(self) -> None:
        self.state: dict[str, Rec] = {}
        self.waste: list[tuple[int, int, int]] = []
        self.index = 0

    def kill(self, path: str, *, itself: bool, lower_only: bool = False) -> None:
        state = self.state
        for p in list(state):
            if (itself and p == path) or p.startswith(path + "/"):
                if lower_only and state[p].layer >= self.index:
                    continue
                rec = state.pop(p)
                if rec.kind == "file" and rec.size:
                    self.waste.append((rec.size, rec.layer, self.index))
        # whiteouts spare what this layer wrote there: its parents stay, as directories
        for p in list(state):
            parts = p.split("/")
            for i in range(1, len(parts)):
                state.setdefault("/".join(parts[:i]), Rec("dir", self.index, 0))

    def ancestors(self, path: str, *, create: bool) -> bool:
        parts = path.split("/") if path else []
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            rec = self.state.get(prefix)
            if rec is None:
                if not create:
                    return False
                self.state[prefix] = Rec("dir", self.index, 0)
            elif rec.kind != "dir":
                raise ModelError(prefix)
        return True

    def apply(self, index: int, ops: list[Op]) -> tuple[int, int, int]:
        """Apply one layer; its (added, changed, removed) counts."""
        self.index = index
        state = self.state
        before = dict(state)
        written: set[str] = set()
        for op in ops:
            parent = op.path.rpartition("/")[0]
            if op.kind == "whiteout":
                if self.ancestors(parent, create=False):
                    self.kill(op.path, itself=True, lower_only=True)
            elif op.kind == "opaque":
                self.ancestors(op.path, create=True)
                # the marker lies inside the directory: this layer has it, so an opaque
                # parent marked in the same layer keeps it
                state[op.path] = Rec("dir", index, 0)
                self.kill(op.path, itself=False, lower_only=True)
            else:
                self.ancestors(parent, create=True)
                old = state.get(op.path)
                if op.kind == "dir" and old is not None and old.kind == "dir":
                    state[op.path] = Rec("dir", index, 0)
                    continue
                self.kill(op.path, itself=True)
                state[op.path] = Rec(op.kind, index, op.size)
                if op.kind != "dir":
                    written.add(op.path)
        added = sum(1 for p in written if p not in before)
        changed = sum(1 for p in written if p in before)
        gone = {
            p
            for p, rec in before.items()
            if rec.kind != "dir" and (p not in state or state[p].kind == "dir")
        }
        return added, changed, len(gone)


def model(layers: list[list[Op]]) -> Result:
    reference = Model()
    counts = [reference.apply(index, ops) for index, ops in enumerate(layers)]
    visible = {p: (r.kind, r.layer, r.size) for p, r in reference.state.items() if r.kind != "dir"}
    return Result(visible, sorted(reference.waste), counts)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(OPS, max_size=8), min_size=1, max_size=5))
@example(  # a directory marked opaque under an opaque parent, later replaced by a file
    [
        [Op("file", "a/a"), Op("dir", "a/b")],
        [Op("opaque", "a/b"), Op("opaque", "a")],
        [Op("file", "a/b")],
    ]
)
def test_analyser_matches_the_model(raw: list[list[Op]]) -> None:
    layers = [layer_ops(ops) for ops in raw]
    img = MemoryImage([MemoryLayer(tar(*members(ops)), compression="") for ops in layers])
    try:
        expected = model(layers)
    except ModelError:
        try:
            analyze(img)
        except ImageError as error:
            assert "layer " in error.message
            return
        raise AssertionError("the analyser accepted a stack the model rejects") from None
    result = analyze(img)
    files = {"/" + v.path: (v.kind, v.layer, v.size) for v in _visible(img) if v.kind != "dir"}
    assert files == {"/" + p: v for p, v in expected.visible.items()}
    got_waste = sorted((w.size, w.layer, w.hidden_by) for w in analyze(img, top=10_000).wasted)
    assert got_waste == expected.waste
    total_waste = sum(size for size, _, _ in expected.waste)
    assert result.wasted_bytes == total_waste
    # Every wasted byte is named by an IK102 or IK103 finding.
    named = sum(f.bytes for f in result.findings if f.rule in ("IK102", "IK103"))
    assert named == total_waste
    assert result.content_bytes == sum(op.size for ops in layers for op in ops if op.kind == "file")
    assert result.visible_bytes == sum(v[2] for v in expected.visible.values())
    assert [(x.files_added, x.files_changed, x.files_removed) for x in result.layers] == (
        expected.counts
    )
    for index, layer in enumerate(result.layers):
        assert layer.wasted_bytes == sum(s for s, w, _ in expected.waste if w == index)
        assert dict(layer.hidden_by) == _sum_by(expected.waste, index, writer=True)
        assert dict(layer.hides) == _sum_by(expected.waste, index, writer=False)


def _sum_by(waste: list[tuple[int, int, int]], index: int, *, writer: bool) -> dict[int, int]:
    out: dict[int, int] = {}
    for size, w, h in waste:
        if (w if writer else h) == index:
            key = h if writer else w
            out[key] = out.get(key, 0) + size
    return out


def _visible(img: MemoryImage) -> list[Visible]:
    tree = Tree()
    for layer in img.layers:
        tree.begin("layer")
        for entry in TarStream(layer.open(), "layer"):
            tree.apply(entry)
    return list(tree.walk())
