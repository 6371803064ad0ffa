"""Push progress on stderr: a rich progress bar per blob on a terminal, one plain line per
step in CI or when stderr is not a terminal. rich is imported only when bars are drawn."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import err
from imagekit.config import Config

if TYPE_CHECKING:
    from imagekit.registry.push import PushEvent


class PlainProgress:
    """One line per step on stderr, for CI and logs."""

    def __init__(self, write: Callable[[str], None] = err) -> None:
        self._write = write
        self._lock = threading.Lock()

    def __call__(self, event: PushEvent) -> None:
        from imagekit.report.sizes import human_size

        line = None
        digest = event.digest.short if event.digest is not None else ""
        if event.kind == "compress":
            line = f"compressing {event.role}"
        elif event.kind == "blob-done":
            line = (
                f"{event.role} {digest} ({human_size(event.size)}): {event.action} "
                f"in {event.repository}"
            )
        elif event.kind == "manifest":
            line = f"pushed {event.reference}"
        if line is not None:
            with self._lock:
                self._write(line)

    def close(self) -> None:
        pass


class BarProgress:
    """A rich progress bar per blob with bytes and rate, on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._progress.start()

    def _task(self, event: PushEvent) -> Any:
        key = (event.role, event.repository)
        with self._lock:
            if key not in self._tasks:
                label = f"{event.role} {event.digest.short if event.digest else ''}"
                self._tasks[key] = self._progress.add_task(label, total=event.size or None)
            return self._tasks[key]

    def __call__(self, event: PushEvent) -> None:
        if event.kind == "compress":
            self._progress.console.print(f"compressing {event.role}")
        elif event.kind == "blob":
            self._task(event)
        elif event.kind == "progress":
            self._progress.update(self._task(event), completed=event.done)
        elif event.kind == "blob-done":
            task = self._task(event)
            self._progress.update(
                task,
                completed=event.size,
                total=event.size,
                description=f"{event.role} {event.digest.short if event.digest else ''} "
                f"{event.action}",
            )
        elif event.kind == "manifest":
            self._progress.console.print(f"pushed {event.reference}")

    def close(self) -> None:
        self._progress.stop()


def progress_for(config: Config) -> PlainProgress | BarProgress:
    """Bars on a terminal; plain lines in CI or when stderr is not a terminal."""
    if config.ci or not sys.stderr.isatty():
        return PlainProgress()
    return BarProgress()
