"""The state of one UI server: its settings, and the parts the pages read through — the
registry client, the accounting, the documents, the analyses and the size ledger.

Everything is passed in or made here from what is passed in (the CLI makes the client,
the ledger and the walker); nothing is global, so a test makes as many as it wants.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from imagekit.analyze.report import Analysis
from imagekit.catalog import Catalog, load_catalog
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.doccache import DocumentCache
from imagekit.registry.reference import Reference
from imagekit.registry.walk import RegistryWalker
from imagekit.report.ledger import Ledger
from imagekit.report.record import LedgerRecord
from imagekit.web.accounting import Accounting, registry_reader
from imagekit.web.analysis import AnalysisStore
from imagekit.web.auth import Htpasswd
from imagekit.web.documents import Documents
from imagekit.web.growth import TREND, trend_svg


@dataclass(frozen=True)
class UiSettings:
    """How the UI serves."""

    registry: str
    """``HOST:PORT`` of the registry, as the ``docker pull`` lines name it."""
    allow_delete: bool = False
    prefix: str = ""
    """Only the repositories under this namespace (``team`` or ``team/``); "" for all."""
    max_age: float = 60.0
    """Seconds a reading of the registry (and of the ledger) serves before a new one."""
    wait: float = 3.0
    """Seconds a page waits for the first reading, or for an analysis, before it says
    that it is still running and refreshes itself."""
    page_size: int = 50
    title: str = "imagekit registry"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    """Signs the CSRF tokens; new with each server process."""
    users: Htpasswd | None = None
    """``--auth htpasswd FILE``; None: no sign-in (loopback only)."""
    trusted_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")
    """Host headers answered (DNS rebinding); ``("*",)`` for any."""


class Trends:
    """A repository's recent ledger records and its chart, kept ``max_age`` seconds."""

    def __init__(
        self,
        ledger: Ledger | None,
        registry: str,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ledger = ledger
        self.registry = registry
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float, tuple[LedgerRecord, ...], tuple[str, ...]]] = {}
        self._charts: dict[tuple[str, ...], bytes | None] = {}

    def records(self, repository: str) -> tuple[tuple[LedgerRecord, ...], tuple[str, ...]]:
        """The newest :data:`~imagekit.web.growth.TREND` records (oldest first) and the
        ledger's warnings; PublishError when the ledger cannot be read."""
        if self.ledger is None:
            return (), ()
        with self._lock:
            found = self._records.get(repository)
        if found is not None and self._clock() - found[0] <= self.max_age:
            return found[1], found[2]
        read = self.ledger.records(self.registry, repository, None, TREND)
        with self._lock:
            self._records[repository] = (self._clock(), read.records, read.warnings)
            if len(self._records) > 512:
                self._records.clear()
        return read.records, read.warnings

    def chart(self, repository: str) -> bytes | None:
        records, _ = self.records(repository)
        key = (repository, *(f"{r.time}:{r.digest}" for r in records))
        with self._lock:
            if key in self._charts:
                return self._charts[key]
        svg = trend_svg(records)
        with self._lock:
            if len(self._charts) > 128:
                self._charts.clear()
            self._charts[key] = svg
        return svg

    def forget(self, repository: str) -> None:
        with self._lock:
            self._records.pop(repository, None)


@dataclass
class Browser:
    settings: UiSettings
    client: RegistryClient
    accounting: Accounting
    documents: Documents
    analyses: AnalysisStore
    trends: Trends
    catalog: Catalog

    def close(self) -> None:
        self.analyses.close()


def make_browser(
    settings: UiSettings,
    client: RegistryClient,
    cache_dir: Path,
    *,
    ledger: Ledger | None = None,
    workers: int = 8,
) -> Browser:
    """A Browser over ``client``'s registry; manifests, configs and analyses are cached
    under ``cache_dir`` (``documents/``, ``analysis/``)."""
    from imagekit.analyze import analyze
    from imagekit.registry.source import RegistryImage

    walker = RegistryWalker(client, cache_dir / "documents", workers)
    read = registry_reader(client, walker, prefix=settings.prefix, ledger=ledger)

    def analyse(repository: str, digest: Digest) -> Analysis:
        image = RegistryImage(client, Reference(client.registry, repository, digest=digest))
        return analyze(image)

    return Browser(
        settings=settings,
        client=client,
        accounting=Accounting(read, max_age=settings.max_age),
        documents=Documents(client, DocumentCache(cache_dir / "documents")),
        analyses=AnalysisStore(cache_dir / "analysis", analyse),
        trends=Trends(ledger, client.registry, settings.max_age),
        catalog=load_catalog(),
    )
