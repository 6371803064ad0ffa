"""The registry's storage accounting as the pages show it, read in the background.

Reading a registry (catalog, tag lists, a HEAD per tag; manifests and configs from the
walker's disk cache) takes from a second to minutes, so no page waits for it longer than
it chooses to: :class:`Accounting` keeps the last :class:`Reading` in memory and serves
it to every page; one thread re-reads the registry when the reading is older than
``max_age`` (the pages meanwhile show the older one and say how old it is), or at once
after a delete. The first reading is waited for a little; a page that finds none yet says
the accounting is being computed and refreshes itself.

A reading that fails as a whole (the registry is down) keeps the last good reading and
reports the failure beside it; failures of single items are in the usage's own errors.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imagekit.errors import ImagekitError
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import Snapshot

if TYPE_CHECKING:
    from imagekit.registry.client import RegistryClient
    from imagekit.registry.walk import RegistryWalker
    from imagekit.report.ledger import Ledger
    from imagekit.report.usage import RepositoryUsage, TagUsage, Usage
    from imagekit.web.growth import Growth


@dataclass(frozen=True)
class Reading:
    """One complete reading of the registry (or of the repositories under the prefix)."""

    snapshot: Snapshot
    usage: Usage
    growth: tuple[Growth, ...] = ()
    """The repositories that grew most in their last pushes (from the size ledger)."""
    warnings: tuple[str, ...] = ()
    """What could not be read beside the registry (the size ledger)."""
    finished: float = 0.0
    """When the reading finished (seconds since the epoch)."""
    seconds: float = 0.0
    sharing: Mapping[Digest, frozenset[str]] = field(default_factory=dict, repr=False)
    """Blob digest → the repositories whose tags reach it."""
    _repositories: dict[str, RepositoryUsage] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._repositories.update({r.name: r for r in self.usage.repositories})

    def repository(self, name: str) -> RepositoryUsage | None:
        return self._repositories.get(name)

    def tag(self, repository: str, tag: str) -> TagUsage | None:
        found = self.repository(repository)
        if found is None:
            return None
        return next((t for t in found.tags if t.tag == tag), None)

    @property
    def tag_count(self) -> int:
        return sum(len(r.tags) for r in self.usage.repositories)


def sharing_of(snapshot: Snapshot) -> dict[Digest, frozenset[str]]:
    """For every blob the tags reach (manifests, configs, layers): the repositories whose
    tags reach it."""
    found: dict[Digest, set[str]] = defaultdict(set)
    for repository in snapshot.repositories:
        for digest in {t.digest for t in repository.tags}:
            for blob in snapshot.blobs_of(digest):
                found[blob].add(repository.name)
    return {digest: frozenset(names) for digest, names in found.items()}


@dataclass(frozen=True, slots=True)
class Status:
    """What a page gets: the last reading (None before the first), whether a new one is
    being read and for how long, and why the last attempt failed (None when it did not)."""

    reading: Reading | None
    refreshing: bool
    running_for: float | None
    failure: str | None

    @property
    def age(self) -> float | None:
        """Seconds since the reading finished."""
        return None if self.reading is None else max(0.0, time.time() - self.reading.finished)


class Accounting:
    """The last reading of ``read()``, refreshed in one background thread at a time."""

    def __init__(
        self,
        read: Callable[[], Reading],
        *,
        max_age: float = 60.0,
        retry_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self.max_age = max_age
        #: Seconds after a failed reading before a page starts another.
        self.retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._reading: Reading | None = None
        self._read_at: float | None = None
        self._failure: str | None = None
        self._started: float | None = None
        self._done = threading.Event()
        self._stale = False

    def status(self, *, wait: float = 0.0) -> Status:
        """The current status; starts a refresh when there is no reading, it is older
        than ``max_age`` or was invalidated; waits up to ``wait`` seconds for a refresh
        when there is no reading yet."""
        with self._lock:
            old = self._read_at is not None and self._clock() - self._read_at > self.max_age
            if self._started is None and (self._reading is None or old or self._stale):
                self._start()
            done = self._done
            missing = self._reading is None
        if missing and wait > 0:
            done.wait(wait)
        return self._status()

    def refresh(self, *, wait: float = 0.0) -> Status:
        """Read the registry again now (after a delete), waiting up to ``wait`` seconds."""
        with self._lock:
            self._stale = True
            if self._started is None:
                self._start()
            done = self._done
        if wait > 0:
            done.wait(wait)
        return self._status()

    def _status(self) -> Status:
        with self._lock:
            running = None if self._started is None else max(0.0, self._clock() - self._started)
            return Status(self._reading, self._started is not None, running, self._failure)

    def _start(self) -> None:
        """Start a reading (the lock is held)."""
        self._started = self._clock()
        self._stale = False
        self._done = threading.Event()
        thread = threading.Thread(target=self._run, args=(self._done,), daemon=True)
        thread.name = "ik-accounting"
        thread.start()

    def _run(self, done: threading.Event) -> None:
        reading: Reading | None = None
        failure: str | None = None
        try:
            reading = self._read()
        except ImagekitError as exc:
            failure = " ".join(exc.message.split())
            if exc.hint:
                failure += f" ({exc.hint})"
        except Exception as exc:  # the page says so instead of waiting for ever
            failure = f"reading the registry failed: {type(exc).__name__}: {exc}"
        with self._lock:
            if reading is not None:
                self._reading, self._read_at = reading, self._clock()
            else:  # tried again after a few seconds, not on every page
                self._read_at = self._clock() - max(0.0, self.max_age - self.retry_after)
            self._failure = failure
            self._started = None
        done.set()


def registry_reader(
    client: RegistryClient,
    walker: RegistryWalker,
    *,
    prefix: str = "",
    ledger: Ledger | None = None,
    clock: Callable[[], float] = time.time,
) -> Callable[[], Reading]:
    """The ``read`` of :class:`Accounting`: a snapshot of the registry (of the repositories
    under ``prefix`` when given), its usage, who shares each blob, and the growth the size
    ledger recorded."""
    from imagekit.report.usage import usage
    from imagekit.web.growth import repository_growth

    def read() -> Reading:
        started = clock()
        names = repositories_under(client.repositories(), prefix) if prefix else None
        snapshot = walker.snapshot(names)
        found = usage(snapshot)
        growth: tuple[Growth, ...] = ()
        warnings: tuple[str, ...] = ()
        if ledger is not None:
            repositories = [r.name for r in snapshot.repositories]
            growth, warnings = repository_growth(ledger, client.registry, repositories)
        return Reading(
            snapshot,
            found,
            growth,
            warnings,
            finished=clock(),
            seconds=clock() - started,
            sharing=sharing_of(snapshot),
        )

    return read


def repositories_under(names: Sequence[str], prefix: str) -> list[str]:
    """The names under ``prefix`` (``team/`` or ``team``: ``team`` itself and ``team/...``)."""
    if not prefix:
        return list(names)
    root = prefix.rstrip("/")
    return [n for n in names if n == root or n.startswith(root + "/")]
