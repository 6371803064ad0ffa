"""Detached service processes: start one with its log file, recognise it later by its pid
and exact command line, stop it only while it is still the process we started.

A pid alone proves nothing after a while: the process may have exited and the number
been given to another program. So every record keeps the command line, and a process is
"ours" only while ``/proc/PID/cmdline`` still reads exactly that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagekit.errors import ServiceError

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Process:
    """A service process we started: its name, pid, exact argv and log file."""

    name: str
    pid: int
    argv: tuple[str, ...]
    log: Path

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "argv": list(self.argv), "log": str(self.log)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Process:
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            argv=tuple(str(arg) for arg in data["argv"]),
            log=Path(str(data["log"])),
        )


def spawn(
    name: str, argv: Sequence[str], *, log: Path, env: Mapping[str, str], cwd: Path
) -> Process:
    """Start ``argv`` in a session of its own (it outlives us, and a Ctrl+C in our
    terminal does not reach it), stdin from /dev/null, stdout and stderr appended to
    ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log.open("ab") as sink:
            child = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
                close_fds=True,
            )
    except OSError as exc:
        raise ServiceError(
            f"cannot start {name} ({argv[0]}): {exc.strerror or exc}",
            hint=f"check that {argv[0]} is an executable for this machine",
        ) from None
    return Process(name=name, pid=child.pid, argv=tuple(argv), log=log)


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is a child of ours that has exited."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def cmdline(pid: int) -> tuple[str, ...] | None:
    """The argv of the live process ``pid``; None when there is none (or a zombie)."""
    _reap(pid)
    for _ in range(20):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            return None
        if raw:
            return tuple(
                arg.decode("utf-8", "surrogateescape") for arg in raw.rstrip(b"\0").split(b"\0")
            )
        if stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"]):
            return None
        # Empty while the process is in the middle of an exec: look again.
        time.sleep(0.005)
    return None


def is_running(process: Process) -> bool:
    """Whether ``process.pid`` is alive and still runs exactly ``process.argv``."""
    return cmdline(process.pid) == process.argv


def stop(
    process: Process,
    *,
    timeout: float = 15.0,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> bool:
    """Stop ``process`` with SIGTERM (SIGKILL after ``timeout`` seconds) if it is still the
    process we started; a pid now used by another program is left alone. True when it
    was running and has stopped."""
    if not is_running(process):
        return False
    _signal(process, signal.SIGTERM)
    deadline = clock() + timeout
    while is_running(process):
        if clock() >= deadline:
            _signal(process, signal.SIGKILL)
            deadline = clock() + 5.0
            while is_running(process) and clock() < deadline:
                sleep(0.05)
            break
        sleep(0.05)
    if is_running(process):
        raise ServiceError(
            f"{process.name} (pid {process.pid}) does not stop",
            hint=f"stop it by hand: kill -KILL {process.pid}",
        )
    return True


def _signal(process: Process, signum: signal.Signals) -> None:
    try:
        os.kill(process.pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError:
        raise ServiceError(
            f"not permitted to stop {process.name} (pid {process.pid})",
            hint="run this as the user who started it",
        ) from None


def log_tail(log: Path, lines: int = 1) -> str:
    """The last non-empty ``lines`` lines of ``log``, joined with " | " ("" when none)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:])
