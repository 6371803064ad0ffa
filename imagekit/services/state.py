"""The embedded registry's state: DATA_DIR/state.json.

What must survive a restart (the S3 keys, the bucket, the registry's ``http.secret``,
weed's ports) and what runs now (the processes with their exact command lines, the
address, TLS, the user). Written atomically (a temporary file renamed over it), mode 0600:
it holds the S3 secret key.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from imagekit.errors import ServiceError
from imagekit.services.datadir import write_private
from imagekit.services.processes import Process

STATE_FILE = "state.json"
VERSION = 1


@dataclass(frozen=True)
class State:
    bucket: str
    region: str
    access_key: str
    secret_key: str = field(repr=False)
    http_secret: str = field(repr=False)
    #: weed's HTTP ports by component (s3, master, filer, volume, admin); gRPC is +10000.
    s3_ports: dict[str, int] = field(default_factory=dict)
    host: str = ""
    port: int = 0
    tls: bool = False
    username: str | None = None
    processes: dict[str, Process] = field(default_factory=dict)

    @classmethod
    def new(cls, *, bucket: str, region: str) -> State:
        return cls(
            bucket=bucket,
            region=region,
            access_key="IK" + secrets.token_hex(9).upper(),
            secret_key=secrets.token_urlsafe(30),
            http_secret=secrets.token_urlsafe(32),
        )

    def stopped(self) -> State:
        """The state with nothing running (what must survive is kept)."""
        return replace(self, processes={})

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "bucket": self.bucket,
            "region": self.region,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "http_secret": self.http_secret,
            "s3_ports": dict(self.s3_ports),
            "host": self.host,
            "port": self.port,
            "tls": self.tls,
            "username": self.username,
            "processes": {name: p.to_json() for name, p in self.processes.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(
            bucket=str(data["bucket"]),
            region=str(data["region"]),
            access_key=str(data["access_key"]),
            secret_key=str(data["secret_key"]),
            http_secret=str(data["http_secret"]),
            s3_ports={str(k): int(v) for k, v in dict(data.get("s3_ports", {})).items()},
            host=str(data.get("host", "")),
            port=int(data.get("port", 0)),
            tls=bool(data.get("tls", False)),
            username=None if data.get("username") is None else str(data["username"]),
            processes={
                str(name): Process.from_json(p)
                for name, p in dict(data.get("processes", {})).items()
            },
        )


def load_state(data_dir: Path) -> State | None:
    """The state kept in ``data_dir``; None when there is none yet."""
    path = data_dir / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ServiceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a version 1 state")
        return State.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(
            f"{path} is not a state file imagekit can read ({type(exc).__name__})",
            hint="it holds the S3 keys of the stored images: restore it, or use another --data-dir",
        ) from None


def save_state(data_dir: Path, state: State) -> None:
    text = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
    write_private(data_dir / STATE_FILE, text)
