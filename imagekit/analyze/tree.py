"""The merged file tree of an image, built by applying its layers in order, in memory.

Semantics (OCI image spec, layer changesets):

- An entry replaces what the lower layers had at its path. A directory over a directory
  merges (the lower children stay); anything else replaces the whole lower node, a
  directory with its subtree.
- ``.wh.NAME`` deletes NAME (a directory with its subtree) and ``DIR/.wh..wh..opq`` hides
  everything the lower layers had under DIR. Whiteouts apply to lower layers only: what
  the same layer writes at those paths stays, whatever the order of the entries.
- Symlinks are never followed: an entry whose parent path passes through a symlink is an
  error (extracting it would write outside the directory the tar names).
- Content is counted per written copy (a :class:`Blob`). A hardlink adds no content bytes:
  it shares the copy of its target, which stays visible as long as any of its paths does.

A copy that is no longer visible is *wasted*: its bytes are credited to the layer that
wrote it, with the layer that hid it (overwrote, whited out, or hid under an opaque
directory). Every copy is counted exactly once, as visible or as wasted, so
``visible_bytes + wasted_bytes == content_bytes``.

File counts (added / changed / removed) count paths that are not directories.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from imagekit.analyze.tarstream import DIR, FILE, HARDLINK, SYMLINK, Entry
from imagekit.errors import ImageError

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
#: Deepest path accepted (the kernel's PATH_MAX makes deeper ones impossible to extract).
MAX_DEPTH = 512


class Blob:
    """One written copy of file content, with the metadata a rewrite keeps or changes."""

    __slots__ = ("crc", "digest", "gid", "head", "layer", "links", "mtime", "size", "uid")

    def __init__(
        self,
        layer: int,
        size: int,
        digest: str | None,
        head: bytes,
        *,
        crc: int | None = None,
        mtime: int = 0,
        uid: int = 0,
        gid: int = 0,
    ) -> None:
        self.layer = layer
        self.size = size
        self.digest = digest
        self.head = head
        self.crc = crc
        self.mtime = mtime
        self.uid = uid
        self.gid = gid
        self.links = 0

    def same_content(self, other: Blob) -> bool:
        """True when both copies are known to hold the same bytes (sha256, else CRC-32 and
        size; False when a checksum is missing)."""
        if self.size != other.size:
            return False
        if self.digest is not None and other.digest is not None:
            return self.digest == other.digest
        return self.crc is not None and self.crc == other.crc


class Node:
    __slots__ = ("blob", "children", "kind", "layer", "link", "mode")

    def __init__(self, kind: str, layer: int, mode: int = 0, link: str = "") -> None:
        self.kind = kind
        self.layer = layer
        self.mode = mode
        self.link = link
        self.blob: Blob | None = None
        self.children: dict[str, Node] | None = {} if kind == DIR else None

    @property
    def size(self) -> int:
        return self.blob.size if self.blob is not None else 0


#: How a wasted copy was hidden (:attr:`Waste.how`).
DELETED = "deleted"
"""By a whiteout or an opaque directory."""
OVERWRITTEN = "overwritten"
"""Replaced by another entry at its path (or under a path replaced)."""
REWRITTEN = "rewritten"
"""Replaced by a copy with the same content and modification time from a later layer and
another owner or mode: what ``chown -R`` and ``chmod -R`` do."""
UNCHANGED = "unchanged"
"""Replaced by an identical copy from a later layer (content, modification time, owner and
mode): a second COPY of the same file, or a ``chown``/``chmod`` that changed nothing."""


class Waste(NamedTuple):
    """A copy no longer visible: ``size`` bytes written by ``layer``, hidden by ``hidden_by``."""

    path: str
    size: int
    layer: int
    hidden_by: int
    how: str = OVERWRITTEN
    """:data:`DELETED`, :data:`OVERWRITTEN`, :data:`REWRITTEN` or :data:`UNCHANGED`."""


class LayerChanges:
    """What one layer did to the tree (non-directory paths)."""

    __slots__ = ("added", "changed", "content_bytes", "gone_dirs", "removed", "written")

    def __init__(self, keep_files: bool) -> None:
        self.added: set[str] = set()
        self.changed: set[str] = set()
        self.removed: set[str] = set()
        self.gone_dirs: set[str] = set()
        """Directories of lower layers this layer removed (a path written there is changed)."""
        self.content_bytes = 0
        self.written: dict[str, tuple[str, int]] | None = {} if keep_files else None


class Visible(NamedTuple):
    """A path of the final file system."""

    path: str
    kind: str
    layer: int
    size: int
    """Content bytes (a hardlink shows the size of the copy it shares); 0 for non-files."""
    mode: int
    blob: Blob | None
    link: str


class Tree:
    """Apply layers with :meth:`begin` and :meth:`apply`; read the results after."""

    def __init__(self, *, keep_files: bool = False) -> None:
        self.root = Node(DIR, -1)
        self.layers: list[LayerChanges] = []
        self.waste: list[Waste] = []
        self.content_bytes = 0
        self.wasted_bytes = 0
        self._keep_files = keep_files
        self._layer = -1
        self._what = ""

    # -- applying --------------------------------------------------------------------------

    def begin(self, what: str) -> int:
        """Start the next layer (``what`` names it in errors); its index."""
        self._layer += 1
        self._what = what
        self.layers.append(LayerChanges(self._keep_files))
        return self._layer

    def apply(self, entry: Entry) -> None:
        path = entry.path
        if not path:
            return  # the root directory itself
        parent_path, _, name = path.rpartition("/")
        if path.count("/") >= MAX_DEPTH:
            raise ImageError(f"{self._what}: path {path[:200]!r}... is too deep")
        if name.startswith(WHITEOUT):
            self._whiteout(parent_path, name)
            return
        parent = self._parent(parent_path, create=True)
        assert parent is not None and parent.children is not None
        changes = self.layers[self._layer]
        layer = self._layer
        old = parent.children.get(name)
        if entry.type == DIR:
            if old is not None and old.kind == DIR:
                old.layer = layer
                old.mode = entry.mode
                return
            if old is not None:
                self._replace(old, path, changes)
                if old.layer < layer:
                    changes.removed.add(path)
                else:
                    changes.added.discard(path)
                    changes.changed.discard(path)
            parent.children[name] = Node(DIR, layer, entry.mode)
            return
        node = Node(entry.type, layer, entry.mode, entry.linkname)
        if entry.type == FILE:
            blob = Blob(
                layer,
                entry.size,
                entry.digest,
                entry.head,
                crc=entry.crc,
                mtime=entry.mtime,
                uid=entry.uid,
                gid=entry.gid,
            )
            node.blob = blob
            changes.content_bytes += entry.size
            self.content_bytes += entry.size
        elif entry.type == HARDLINK:
            node.blob = self._link_target(entry.linkname, path)
        if node.blob is not None:
            node.blob.links += 1
        if old is not None:
            self._replace(old, path, changes, _how(old, node, layer))
        parent.children[name] = node
        if changes.written is not None:
            changes.written[path] = (entry.type, entry.size)
        if path in changes.removed:
            changes.removed.discard(path)
            changes.changed.add(path)
        elif path in changes.gone_dirs:
            changes.changed.add(path)
        elif old is None:
            changes.added.add(path)
        elif old.layer < layer and path not in changes.added:
            changes.changed.add(path)

    def _parent(self, parent_path: str, *, create: bool) -> Node | None:
        node = self.root
        if not parent_path:
            return node
        for part in parent_path.split("/"):
            assert node.children is not None
            child = node.children.get(part)
            if child is None:
                if not create:
                    return None
                child = Node(DIR, self._layer, 0o755)
                node.children[part] = child
            elif child.kind == SYMLINK:
                raise ImageError(
                    f"{self._what}: {parent_path!r} passes through the symlink {part!r} "
                    "(an entry must not be written through a symlink)"
                )
            elif child.kind != DIR:
                raise ImageError(
                    f"{self._what}: parent {parent_path!r} of an entry is not a directory"
                )
            node = child
        return node

    def _link_target(self, target: str, path: str) -> Blob | None:
        parent_path, _, name = target.rpartition("/")
        parent = self._parent(parent_path, create=False)
        node = parent.children.get(name) if parent is not None and parent.children else None
        if node is None:
            raise ImageError(f"{self._what}: hardlink {path!r} points to missing {target!r}")
        if node.kind == DIR:
            raise ImageError(f"{self._what}: hardlink {path!r} points to directory {target!r}")
        return node.blob

    def _replace(self, old: Node, path: str, changes: LayerChanges, how: str = OVERWRITTEN) -> None:
        """``old`` at ``path`` is replaced by a new entry of the current layer."""
        if old.kind == DIR:
            assert old.children is not None
            for name, child in old.children.items():
                self._release(child, f"{path}/{name}", removed=changes.removed)
                if child.kind == DIR:
                    changes.gone_dirs.add(f"{path}/{name}")
        else:
            self._release(old, path, removed=None, how=how)

    def _release(
        self, node: Node, path: str, *, removed: set[str] | None, how: str = OVERWRITTEN
    ) -> None:
        """``node`` (and its subtree) leaves the visible tree, hidden by the current layer."""
        if node.kind == DIR:
            assert node.children is not None
            for name, child in node.children.items():
                self._release(child, f"{path}/{name}", removed=removed, how=how)
                if removed is not None and child.kind == DIR:
                    self.layers[self._layer].gone_dirs.add(f"{path}/{name}")
            return
        if removed is not None:
            removed.add(path)
        blob = node.blob
        if blob is None:
            return
        blob.links -= 1
        if blob.links == 0 and blob.size:
            self.wasted_bytes += blob.size
            self.waste.append(Waste(path, blob.size, blob.layer, self._layer, how))

    def _whiteout(self, parent_path: str, name: str) -> None:
        if name == OPAQUE:
            directory = self._parent(parent_path, create=True)
            assert directory is not None and directory.children is not None
            if directory is not self.root and directory.layer < self._layer:
                directory.layer = self._layer
            prefix = f"{parent_path}/" if parent_path else ""
            for child_name, child in list(directory.children.items()):
                if not self._hide(child, prefix + child_name):
                    del directory.children[child_name]
            return
        if name.startswith(WHITEOUT + WHITEOUT):
            return  # other aufs metadata (.wh..wh.plnk, ...): not part of the file system
        target = name[len(WHITEOUT) :]
        parent = self._parent(parent_path, create=False)
        if parent is None or parent.children is None or target not in parent.children:
            return
        path = f"{parent_path}/{target}" if parent_path else target
        if not self._hide(parent.children[target], path):
            del parent.children[target]

    def _hide(self, node: Node, path: str) -> bool:
        """Remove what lower layers wrote under ``node``; whether ``node`` stays."""
        layer = self._layer
        if node.kind == DIR:
            assert node.children is not None
            for name, child in list(node.children.items()):
                if not self._hide(child, f"{path}/{name}"):
                    del node.children[name]
            if node.children:
                node.layer = max(node.layer, layer)
                return True
            if node.layer >= layer:
                return True
            self.layers[layer].gone_dirs.add(path)
            return False
        if node.layer >= layer:
            return True
        self._release(node, path, removed=self.layers[layer].removed, how=DELETED)
        return False

    # -- results ---------------------------------------------------------------------------

    @property
    def visible_bytes(self) -> int:
        return self.content_bytes - self.wasted_bytes

    def walk(self) -> Iterator[Visible]:
        """Every path of the final file system (directories included), depth first."""
        stack: list[tuple[str, Node]] = [("", self.root)]
        while stack:
            prefix, directory = stack.pop()
            assert directory.children is not None
            for name, node in directory.children.items():
                path = f"{prefix}{name}"
                blob = node.blob
                size = blob.size if blob is not None else 0
                yield Visible(path, node.kind, node.layer, size, node.mode, blob, node.link)
                if node.kind == DIR:
                    stack.append((path + "/", node))

    def lookup(self, path: str) -> Node | None:
        """The node at ``path`` in the current tree (symlinks not followed), or None."""
        node = self.root
        for part in path.split("/"):
            if node.children is None:
                return None
            child = node.children.get(part)
            if child is None:
                return None
            node = child
        return node


def _how(old: Node, new: Node, layer: int) -> str:
    """How ``new`` (an entry of ``layer``) hides ``old``'s copy: :data:`REWRITTEN` when it
    stores the copy of an earlier layer again with the same content and modification time
    but another owner or mode, :data:`UNCHANGED` when nothing differs, else
    :data:`OVERWRITTEN`."""
    before, after = old.blob, new.blob
    if before is None or after is None or new.kind != FILE or old.kind not in (FILE, HARDLINK):
        return OVERWRITTEN
    if before.layer >= layer or before.mtime != after.mtime or not before.same_content(after):
        return OVERWRITTEN
    same_owner = (before.uid, before.gid) == (after.uid, after.gid)
    return UNCHANGED if same_owner and old.mode == new.mode else REWRITTEN
