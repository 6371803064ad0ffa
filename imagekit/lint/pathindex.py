"""Paths filed for look-up by cover: what lies at or below a directory, what covers a path.

A path covers another when it is that path or one of its directories, as ``path_covers``
decides: ``parent`` covers ``path`` when ``path == parent`` or ``path`` starts with
``parent.rstrip("/") + "/"``. Paths are filed in a tree of their ``/``-separated parts, so
a look-up costs the length of the path asked about, however many paths are filed. This
keeps the checks that follow paths across instructions linear in the size of a Dockerfile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("below", "children")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        self.below: dict[T, None] = {}
        """Values filed at paths that lie below this node (insertion-ordered set)."""

    def find(self, parts: Iterable[str]) -> _Node[T] | None:
        node = self
        for part in parts:
            child = node.children.get(part)
            if child is None:
                return None
            node = child
        return node


class PathIndex(Generic[T]):
    """Values filed at paths, in the order they were added (a value is filed once)."""

    def __init__(self) -> None:
        self._filed: dict[T, tuple[str, int]] = {}
        self._exact: dict[str, dict[T, None]] = {}
        self._root: _Node[T] = _Node()
        self._log: list[T] = []
        """Every value as filed, in order (position == filing number)."""
        self._asked: dict[str, tuple[int, list[T]]] = {}
        """Per ``matching`` key: how much of the log it has seen, and what matched."""

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._filed))

    def add(self, value: T, path: str) -> None:
        """File ``value`` at ``path``; nothing happens when it is filed already."""
        if value in self._filed:
            return
        self._filed[value] = (path, len(self._log))
        self._log.append(value)
        self._exact.setdefault(path, {})[value] = None
        node = self._root
        for part in path.split("/")[:-1]:
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node()
            node = child
            node.below[value] = None

    def remove(self, value: T) -> None:
        path, _ = self._filed.pop(value)
        same = self._exact[path]
        del same[value]
        if not same:
            del self._exact[path]
        node = self._root
        for part in path.split("/")[:-1]:
            node = node.children[part]
            del node.below[value]

    def under(self, parent: str) -> list[T]:
        """The values ``parent`` covers, in the order they were added."""
        if not parent:
            return []
        found = dict(self._exact.get(parent, {}))
        node = self._root.find(parent.rstrip("/").split("/"))
        if node is not None:
            found.update(node.below)
        return self.ordered(found)

    def matching(self, key: str, prefix: str, match: Callable[[str], bool]) -> list[T]:
        """The values whose path starts with ``prefix`` and satisfies ``match``, in order.

        ``match`` must give the same answer whenever it is asked with the same ``key`` (a
        glob pattern, say): a value that failed it once is not tried again, so asking
        again costs only the values filed since (or those under ``prefix``, if fewer).
        """
        slash = prefix.rfind("/")
        pool: dict[T, None] | dict[T, tuple[str, int]] | None
        if slash < 0:
            pool = self._filed
        else:
            node = self._root.find(prefix[:slash].split("/"))
            pool = node.below if node is not None else None
        seen, matched = self._asked.get(key, (0, []))
        candidates: Iterable[T]
        if pool is None:
            candidates, matched = (), []
        elif len(pool) <= len(self._log) - seen:
            candidates, matched = pool, []
        else:
            # Still filed as when they matched (a value filed again is in the log again).
            matched = [v for v in matched if self._filed.get(v, ("", seen))[1] < seen]
            candidates = (
                v
                for i, v in enumerate(self._log[seen:], start=seen)
                if self._filed.get(v, ("", -1))[1] == i
            )
        for value in candidates:
            path = self._filed[value][0]
            if path.startswith(prefix) and match(path):
                matched.append(value)
        found = self.ordered(matched)
        self._asked[key] = (len(self._log), found)
        return found

    def ordered(self, values: Iterable[T]) -> list[T]:
        """``values`` (filed ones) in the order they were added, each once."""
        return sorted(set(values), key=lambda v: self._filed[v][1])


class _MarkNode:
    __slots__ = ("below", "children", "stem")

    def __init__(self) -> None:
        self.children: dict[str, _MarkNode] = {}
        self.below: int | None = None
        """Mark kept among the paths below this node."""
        self.stem: int | None = None
        """Mark kept among the paths that are this node (trailing slashes aside)."""


class Marks:
    """Integer marks (positions, orders) filed at paths; ``keep`` (max, min) combines them."""

    def __init__(self, keep: Callable[[int, int], int] = max) -> None:
        self._keep = keep
        self._exact: dict[str, int] = {}
        self._root = _MarkNode()

    def _kept(self, old: int | None, new: int | None) -> int | None:
        if old is None:
            return new
        return old if new is None else self._keep(old, new)

    def add(self, path: str, mark: int) -> None:
        if not path:
            return  # the empty path covers nothing and nothing covers it
        old = self._exact.get(path)
        self._exact[path] = mark if old is None else self._keep(old, mark)
        node = self._root
        for part in path.split("/")[:-1]:
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _MarkNode()
            node = child
            node.below = self._kept(node.below, mark)
        node = self._root
        for part in path.rstrip("/").split("/"):
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _MarkNode()
            node = child
        node.stem = self._kept(node.stem, mark)

    def under(self, parent: str) -> int | None:
        """The mark kept among the paths ``parent`` covers; None when it covers none."""
        if not parent:
            return None
        found = self._exact.get(parent)
        node = self._root
        for part in parent.rstrip("/").split("/"):
            child = node.children.get(part)
            if child is None:
                return found
            node = child
        return self._kept(found, node.below)

    def over(self, path: str) -> int | None:
        """The mark kept among the paths that cover ``path``; None when none does."""
        if not path:
            return None
        found = self._exact.get(path)
        node = self._root
        for part in path.split("/")[:-1]:
            child = node.children.get(part)
            if child is None:
                break
            node = child
            found = self._kept(found, node.stem)
        return found
