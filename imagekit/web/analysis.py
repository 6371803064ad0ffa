"""The inspect analysis of registry images, computed on demand and cached by digest.

An image's analysis streams every layer from the registry once (seconds to minutes for a
big image), so a page never computes it in its own request: :meth:`AnalysisStore.state`
starts it on a small pool of worker threads, waits a little (small images are done by
then) and otherwise tells the page it is still running, so the page can say so and
refresh. A manifest digest names the same bytes for ever, so a finished analysis is kept
on disk under its digest (:mod:`imagekit.web.analysisfile`) and in memory for the
images viewed last. A failure (a layer that 404s, a malformed layer) is kept in memory
with its one-line message until someone asks again with ``retry``.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from imagekit.analyze.report import Analysis
from imagekit.errors import ImagekitError
from imagekit.oci.digest import Digest
from imagekit.web import analysisfile

#: Analyses run at once; each streams one image's layers.
WORKERS = 2
#: Analyses kept in memory (the images viewed last).
MEMORY = 32

Analyse = Callable[[str, Digest], Analysis]


@dataclass(frozen=True, slots=True)
class AnalysisState:
    """Where the analysis of one image is: done, running (since when), or failed."""

    analysis: Analysis | None = None
    running_for: float | None = None
    """Seconds since it started, while it runs."""
    error: str | None = None


class AnalysisStore:
    """Analyses by manifest digest: on disk under ``directory``, the last ones in memory.

    ``analyse(repository, digest)`` computes one (in a worker thread); it raises an
    :class:`~imagekit.errors.ImagekitError` for what the page should show.
    """

    def __init__(
        self,
        directory: Path,
        analyse: Analyse,
        *,
        workers: int = WORKERS,
        memory: int = MEMORY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = Path(directory)
        self._analyse = analyse
        self._memory_size = memory
        self._clock = clock
        self._lock = threading.Lock()
        self._memory: OrderedDict[Digest, Analysis] = OrderedDict()
        self._running: dict[Digest, tuple[float, Future[None]]] = {}
        self._failed: dict[Digest, str] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ik-analysis")

    def close(self) -> None:
        """Stop taking work; analyses already running finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def path(self, digest: Digest) -> Path:
        return self.directory / digest.algorithm / f"{digest.hex}.json"

    def cached(self, digest: Digest) -> Analysis | None:
        """The analysis of ``digest`` if it was computed before (memory, then disk)."""
        with self._lock:
            found = self._memory.get(digest)
            if found is not None:
                self._memory.move_to_end(digest)
                return found
        try:
            raw = self.path(digest).read_bytes()
            analysis = analysisfile.load(raw)
        except (OSError, ValueError):
            return None
        self._remember(digest, analysis)
        return analysis

    def state(
        self, repository: str, digest: Digest, *, wait: float = 0.0, retry: bool = False
    ) -> AnalysisState:
        """The analysis of ``digest`` (an image of ``repository``), starting it if needed and
        waiting up to ``wait`` seconds for it."""
        found = self.cached(digest)
        if found is not None:
            return AnalysisState(found)
        with self._lock:
            if retry:
                self._failed.pop(digest, None)
            if digest in self._failed:
                return AnalysisState(error=self._failed[digest])
            running = self._running.get(digest)
            if running is None:
                future = self._pool.submit(self._run, repository, digest)
                running = (self._clock(), future)
                self._running[digest] = running
        started, future = running
        if wait > 0:
            done = threading.Event()
            future.add_done_callback(lambda _: done.set())
            done.wait(wait)
        found = self.cached(digest)
        if found is not None:
            return AnalysisState(found)
        with self._lock:
            if digest in self._failed:
                return AnalysisState(error=self._failed[digest])
        return AnalysisState(running_for=max(0.0, self._clock() - started))

    def _run(self, repository: str, digest: Digest) -> None:
        try:
            analysis = self._analyse(repository, digest)
            self._store(digest, analysis)
        except ImagekitError as exc:
            self._fail(digest, exc.message)
        except Exception as exc:  # a bug must still end the page's wait with a message
            self._fail(digest, f"the analysis failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._running.pop(digest, None)

    def _fail(self, digest: Digest, message: str) -> None:
        with self._lock:
            self._failed[digest] = " ".join(message.split())

    def _store(self, digest: Digest, analysis: Analysis) -> None:
        path = self.path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(analysisfile.dump(analysis))
            os.replace(scratch, path)
        except OSError:
            Path(scratch).unlink(missing_ok=True)  # kept in memory only; disk may be full
        self._remember(digest, analysis)

    def _remember(self, digest: Digest, analysis: Analysis) -> None:
        with self._lock:
            self._memory[digest] = analysis
            self._memory.move_to_end(digest)
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)
