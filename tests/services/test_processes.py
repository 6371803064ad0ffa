"""Service processes are recognised by pid and exact command line, and only then stopped."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from imagekit.errors import ServiceError
from imagekit.services.processes import Process, cmdline, is_running, log_tail, spawn, stop


def sleeper(tmp_path: Path, name: str) -> list[str]:
    """The argv of a program called ``name`` (a copy of sleep) that runs a minute."""
    binary = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    return [str(binary), "60"]


def test_spawned_process_is_detached_logged_and_stopped(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "echo.log"
    argv = ["/bin/sh", "-c", "echo started; echo to-stderr >&2; exec sleep 60"]
    process = spawn("sleeper", argv, log=log, env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    try:
        assert cmdline(process.pid) is not None
        deadline = time.monotonic() + 5
        while "to-stderr" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.read_text().split() == ["started", "to-stderr"]
        assert log_tail(log) == "to-stderr"
        # exec replaced the shell: the recorded command line no longer matches.
        assert not is_running(process)
        running = Process("sleeper", process.pid, cmdline(process.pid) or (), log)
        assert is_running(running)
        assert stop(running, timeout=5)
        assert not is_running(running) and cmdline(process.pid) is None
        assert not stop(running)
    finally:
        subprocess.run(["kill", "-KILL", str(process.pid)], check=False, capture_output=True)


def test_a_pid_now_running_another_program_is_left_alone(tmp_path: Path) -> None:
    other = subprocess.Popen(sleeper(tmp_path, "other-program"))
    try:
        stale = Process("registry", other.pid, ("/usr/bin/docker-registry", "serve", "x"), tmp_path)
        assert not is_running(stale)
        assert stop(stale, timeout=1) is False
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_process_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    argv = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    process = spawn(
        "stubborn", argv, log=tmp_path / "log", env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path
    )
    time.sleep(0.2)
    started = time.monotonic()
    assert stop(process, timeout=0.5)
    assert time.monotonic() - started < 5
    assert not is_running(process)


def test_a_binary_that_cannot_run_is_a_service_error(tmp_path: Path) -> None:
    not_executable = tmp_path / "weed"
    not_executable.write_text("not a program")
    with pytest.raises(ServiceError, match=r"cannot start S3 endpoint"):
        spawn("S3 endpoint", [str(not_executable)], log=tmp_path / "log", env={}, cwd=tmp_path)


def test_process_records_round_trip_through_json(tmp_path: Path) -> None:
    process = Process("registry", 42, ("a", "b c"), tmp_path / "log")
    assert Process.from_json(process.to_json()) == process
