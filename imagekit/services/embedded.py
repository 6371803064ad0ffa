"""The embedded registry as a whole: its settings, what a running one offers
(:class:`EmbeddedRegistry`), and finding, inspecting and stopping the one of a data
directory. Starting it is :func:`imagekit.services.startup.up`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.services.datadir import Layout, check_dir, locked
from imagekit.services.distribution import ROOT_DIRECTORY
from imagekit.services.processes import is_running, stop
from imagekit.services.s3 import LOOPBACK, Endpoint, bucket_usage, s3_client
from imagekit.services.state import State, load_state, save_state

#: The processes of an embedded registry, in the order they start (stopped in reverse).
PROCESSES = ("s3", "registry")
DEFAULT_BUCKET = "imagekit-registry"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Settings:
    """What ``up`` is asked for. ``htpasswd`` is (user, password); a password of None
    keeps the user's password from an earlier ``up``, or generates one."""

    data_dir: Path
    port: int = 5000
    host: str = LOOPBACK
    htpasswd: tuple[str, str | None] | None = field(default=None, repr=False)
    tls: bool = False
    bucket: str = DEFAULT_BUCKET
    region: str = DEFAULT_REGION
    #: Seconds to wait for each process to answer, and to stop.
    start_timeout: float = 60.0
    stop_timeout: float = 30.0
    #: The weed binary (Config.weed; "" to look beside the interpreter, then on ``path``).
    weed: str = ""
    #: The docker-registry binary ("" to look on ``path``).
    registry_binary: str = ""
    #: PATH for finding binaries and for the processes' environment ("": os.defpath).
    path: str = ""

    @property
    def username(self) -> str | None:
        return None if self.htpasswd is None else self.htpasswd[0]


@dataclass(frozen=True)
class EmbeddedRegistry:
    """A running embedded registry and its S3 side."""

    address: str
    url: str
    data_dir: Path
    bucket: str
    s3_endpoint: str
    s3_region: str
    s3_access_key: str
    s3_secret_key: str = field(repr=False)
    ca_cert: Path | None = None
    username: str | None = None
    pids: Mapping[str, int] = field(default_factory=dict)
    #: The key prefix of the registry's files in the bucket.
    root_directory: str = ROOT_DIRECTORY
    #: The registry's ``http.secret``: a second replica on the same bucket needs it.
    http_secret: str = field(default="", repr=False)
    config_path: Path | None = None
    logs: Mapping[str, Path] = field(default_factory=dict)
    #: The htpasswd password ``up`` generated just now (None otherwise): shown once.
    generated_password: str | None = field(default=None, repr=False, compare=False)

    def endpoint(self) -> Endpoint:
        return Endpoint(
            url=self.s3_endpoint,
            region=self.s3_region,
            access_key=self.s3_access_key,
            secret_key=self.s3_secret_key,
        )

    def s3_client(self) -> Any:
        """A boto3 S3 client for the registry's S3 endpoint (imports boto3)."""
        return s3_client(self.endpoint())


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    pid: int | None
    running: bool


@dataclass(frozen=True)
class Status:
    """What ``status`` reports; ``stored_bytes`` is None when S3 is not running."""

    data_dir: Path
    address: str | None
    url: str | None
    bucket: str | None
    s3_endpoint: str | None
    processes: tuple[ProcessStatus, ...]
    stored_objects: int | None = None
    stored_bytes: int | None = None

    @property
    def running(self) -> bool:
        return bool(self.processes) and all(p.running for p in self.processes)


def client_host(host: str) -> str:
    """The host clients dial for a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return LOOPBACK
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def s3_url(state: State) -> str:
    return f"http://{LOOPBACK}:{state.s3_ports['s3']}"


def registry_of(state: State, layout: Layout) -> EmbeddedRegistry:
    address = f"{client_host(state.host)}:{state.port}"
    return EmbeddedRegistry(
        address=address,
        url=f"{'https' if state.tls else 'http'}://{address}",
        data_dir=layout.root,
        bucket=state.bucket,
        s3_endpoint=s3_url(state),
        s3_region=state.region,
        s3_access_key=state.access_key,
        s3_secret_key=state.secret_key,
        ca_cert=(layout.tls / "ca.crt") if state.tls else None,
        username=state.username,
        pids={name: p.pid for name, p in state.processes.items()},
        http_secret=state.http_secret,
        config_path=layout.registry_config,
        logs={name: p.log for name, p in state.processes.items()},
    )


def all_running(state: State) -> bool:
    return all(name in state.processes and is_running(state.processes[name]) for name in PROCESSES)


def load(data_dir: Path) -> EmbeddedRegistry | None:
    """The registry running from ``data_dir``; None unless both its processes run."""
    root = check_dir(Path(data_dir))
    state = load_state(root) if root.is_dir() else None
    if state is None or not all_running(state):
        return None
    return registry_of(state, Layout(root))


def status(data_dir: Path) -> Status:
    """Both processes (pid, running), the address, the bucket and what it stores."""
    root = check_dir(Path(data_dir))
    state = load_state(root) if root.is_dir() else None
    if state is None:
        return Status(root, None, None, None, None, ())
    processes = tuple(
        ProcessStatus(
            name,
            state.processes[name].pid if name in state.processes else None,
            name in state.processes and is_running(state.processes[name]),
        )
        for name in PROCESSES
    )
    registry = registry_of(state, Layout(root)) if state.port else None
    objects = size = None
    s3_running = processes[0].running
    if s3_running:
        objects, size = bucket_usage(s3_client(_endpoint(state)), state.bucket)
    return Status(
        data_dir=root,
        address=registry.address if registry else None,
        url=registry.url if registry else None,
        bucket=state.bucket,
        s3_endpoint=s3_url(state) if state.s3_ports else None,
        processes=processes,
        stored_objects=objects,
        stored_bytes=size,
    )


def _endpoint(state: State) -> Endpoint:
    return Endpoint(s3_url(state), state.region, state.access_key, state.secret_key)


def stop_processes(state: State, timeout: float) -> list[str]:
    """Stop the processes of ``state`` that still run as started, last started first."""
    stopped: list[str] = []
    for name in reversed(PROCESSES):
        process = state.processes.get(name)
        if process is not None and stop(process, timeout=timeout):
            stopped.append(f"{process.name} (pid {process.pid})")
    return stopped


def down(data_dir: Path, *, timeout: float = 30.0) -> list[str]:
    """Stop what ``up`` started from ``data_dir``: only processes whose pid still runs the
    command line ``up`` recorded. Returns what it stopped ([] when nothing ran); the data
    and the keys stay for the next ``up``."""
    root = check_dir(Path(data_dir))
    if not root.is_dir():
        return []
    layout = Layout(root)
    with locked(layout):
        state = load_state(root)
        if state is None or not state.processes:
            return []
        stopped = stop_processes(state, timeout)
        save_state(root, state.stopped())
    return stopped


def child_environment(path: str, home: Path) -> dict[str, str]:
    """The environment of the service processes: nothing of the caller's (no AWS_* or
    REGISTRY_* variables change their config; the registry's AWS SDK panics when
    AWS_CA_BUNDLE is set), a PATH, and HOME in the data directory."""
    return {"PATH": path or os.defpath, "HOME": str(home), "LANG": "C.UTF-8"}
