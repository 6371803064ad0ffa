"""Garbage collection of the embedded registry, the way distribution wants it: the
registry restarted in read-only maintenance mode (``storage.maintenance.readonly``: pulls
work, pushes and deletes are refused), distribution's own ``docker-registry
garbage-collect`` run over the storage, then the registry restarted as it was. The bytes
reclaimed are measured in the bucket: the blob data files under
``ROOT/docker/registry/v2/blobs/`` before and after.

The read-only config is ``DATA_DIR/registry-readonly.yml``, the registry's own config
with the maintenance switch added, so ``ps`` and ``state.json`` show which mode runs.
Each restart goes through the data directory's lock and records the new process in the
state; the normal config comes back even when the collection fails.

``--delete-untagged`` in distribution 2.8 also deletes the untagged platform manifests
of a tagged multi-platform index (distribution issue 3004). The caller passes a
``guard``: it sees the manifests a dry run would delete, while the registry is read-only,
and raises to stop before anything is deleted.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from imagekit.errors import ServiceError
from imagekit.services.configfile import render
from imagekit.services.datadir import Layout, check_dir, locked, write_private
from imagekit.services.embedded import EmbeddedRegistry, all_running, child_environment, load
from imagekit.services.embedded import registry_of as registry_from
from imagekit.services.network import http_status, wait_until
from imagekit.services.processes import spawn, stop
from imagekit.services.state import load_state, save_state

READONLY_CONFIG = "registry-readonly.yml"
GC_LOG = "gc.log"
Progress = Callable[[str], None]
#: (repository, digest) pairs of manifests a ``--delete-untagged`` run would delete.
Guard = Callable[[Sequence[tuple[str, str]]], None]
_MARKING = re.compile(r"^(\S+): marking (?:manifest|blob) ")
_UNTAGGED = re.compile(r"manifest eligible for deletion: (\S+)")
_ELIGIBLE = re.compile(r"^blob eligible for deletion: (\S+)")
_SUMMARY = re.compile(r"(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion")


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class StoredBlobs:
    """The blob data files under the registry's root in the bucket: digest -> size."""

    sizes: dict[str, int]

    @property
    def count(self) -> int:
        return len(self.sizes)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


#: Uploads untouched this long are abandoned (distribution's own purger default: a week).
UPLOAD_AGE = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Uploads:
    count: int
    bytes: int


@dataclass(frozen=True)
class GcResult:
    before: StoredBlobs
    after: StoredBlobs
    #: Manifests and blobs distribution said it would delete (or deleted).
    manifests_deleted: int
    blobs_deleted: int
    delete_untagged: bool
    dry_run: bool
    log: Path
    seconds: float
    #: The blobs distribution named for deletion, and their bytes in the bucket.
    eligible: tuple[str, ...] = ()
    eligible_bytes: int = 0
    #: Abandoned uploads (untouched for UPLOAD_AGE) removed, or that would be, and bytes.
    uploads: Uploads = field(default_factory=lambda: Uploads(0, 0))

    @property
    def reclaimed_bytes(self) -> int:
        return self.before.total - self.after.total

    @property
    def reclaimed_blobs(self) -> int:
        return self.before.count - self.after.count


def purge_uploads(
    client: Any,
    bucket: str,
    root_directory: str,
    *,
    now: float,
    age: float = UPLOAD_AGE,
    dry_run: bool = False,
) -> Uploads:
    """Remove the uploads under ``repositories/*/_uploads/ID/`` whose every object is older
    than ``age`` seconds: what distribution's upload purger does, which cannot run on this
    S3 endpoint (see :data:`imagekit.services.configfile.NO_PURGING`)."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    prefix = f"{root_directory.strip('/')}/docker/registry/v2/repositories/".lstrip("/")
    uploads: dict[str, list[tuple[str, int, float]]] = {}
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = str(item["Key"])
                head, marker, rest = key.partition("/_uploads/")
                if not marker or not rest.split("/", 1)[0]:
                    continue
                upload = f"{head}/_uploads/{rest.split('/', 1)[0]}"
                stamp = float(item["LastModified"].timestamp())
                uploads.setdefault(upload, []).append((key, int(item["Size"]), stamp))
        old = {
            u: objects for u, objects in uploads.items() if all(now - t >= age for *_, t in objects)
        }
        if not dry_run:
            keys = [{"Key": key} for objects in old.values() for key, *_ in objects]
            for start in range(0, len(keys), 1000):
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000]})
    except (BotoCoreError, ClientError) as exc:
        raise ServiceError(f"cannot purge the uploads in {bucket}: {type(exc).__name__}") from None
    return Uploads(len(old), sum(size for objects in old.values() for _, size, _ in objects))


def stored_blobs(client: Any, bucket: str, root_directory: str) -> StoredBlobs:
    """Every ``.../blobs/ALGORITHM/XX/HEX/data`` object under ``root_directory`` and its size."""
    from botocore.exceptions import BotoCoreError, ClientError

    prefix = f"{root_directory.strip('/')}/docker/registry/v2/blobs/".lstrip("/")
    sizes: dict[str, int] = {}
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                parts = str(item["Key"])[len(prefix) :].split("/")
                if len(parts) == 4 and parts[3] == "data":
                    sizes[f"{parts[0]}:{parts[2]}"] = int(item["Size"])
    except (BotoCoreError, ClientError) as exc:
        raise ServiceError(f"cannot list the bucket {bucket}: {type(exc).__name__}") from None
    return StoredBlobs(sizes)


def running(data_dir: Path) -> EmbeddedRegistry:
    """The embedded registry of ``data_dir``; a ServiceError unless it runs."""
    found = load(Path(data_dir))
    if found is None:
        root = check_dir(Path(data_dir))
        raise ServiceError(
            f"no embedded registry runs from {root}",
            hint=f"start it with `imagekit registry up --data-dir {root}`; gc works only on "
            "the embedded registry",
        )
    return found


def readonly_config(normal: str) -> str:
    """The registry config text ``normal`` with read-only maintenance mode switched on."""
    tree = yaml.safe_load(normal)
    if not isinstance(tree, dict) or not isinstance(tree.get("storage"), dict):
        raise ServiceError("the registry config has no storage section")
    maintenance = tree["storage"].setdefault("maintenance", {})
    maintenance["# Read-only while garbage is collected (imagekit registry gc)."] = None
    maintenance["readonly"] = {"enabled": True}
    return render(tree)


def restart_registry(
    data_dir: Path, *, readonly: bool, timeout: float = 60.0, stop_timeout: float = 15.0
) -> EmbeddedRegistry:
    """Restart the registry process of ``data_dir`` (S3 keeps running) with its normal
    config, or with the read-only one; the state records the new process."""
    current = running(data_dir)
    layout = Layout(current.data_dir)
    with locked(layout):
        state = load_state(layout.root)
        if state is None or not all_running(state):
            raise ServiceError(f"the embedded registry from {layout.root} stopped meanwhile")
        old = state.processes["registry"]
        config = layout.registry_config
        if readonly:
            config = layout.root / READONLY_CONFIG
            write_private(config, readonly_config(layout.registry_config.read_text("utf-8")))
        stop(old, timeout=stop_timeout)
        argv = [old.argv[0], "serve", str(config)]
        env = child_environment(_path_of(old.argv[0]), layout.root)
        process = spawn("registry", argv, log=old.log, env=env, cwd=layout.root)
        state = replace(state, processes={**state.processes, "registry": process})
        save_state(layout.root, state)
        found = registry_from(state, layout)
        context = ssl.create_default_context(cafile=str(found.ca_cert)) if found.ca_cert else None
        wanted = {401} if state.username else {200}
        wait_until(
            lambda: http_status(f"{found.url}/v2/", context=context) in wanted,
            process=process,
            what="the registry",
            timeout=timeout,
            secrets=(state.secret_key, state.http_secret),
        )
    return found


def _path_of(binary: str) -> str:
    """PATH for the registry's environment: its own directory is enough (it runs no
    other program)."""
    return str(Path(binary).parent)


def collect_garbage(
    data_dir: Path,
    *,
    delete_untagged: bool = False,
    dry_run: bool = False,
    guard: Guard | None = None,
    progress: Progress = _quiet,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
    upload_age: float = UPLOAD_AGE,
) -> GcResult:
    """Collect the garbage of the embedded registry of ``data_dir`` while it serves
    read-only, then restart it as it was; bytes before and after from the bucket.

    ``dry_run`` only asks distribution what it would delete (the registry keeps serving
    as it is) and sums those blobs' sizes in the bucket. Uploads untouched for
    ``upload_age`` seconds are removed too (:func:`purge_uploads`)."""
    started = clock()
    registry = running(data_dir)
    client = registry.s3_client()
    layout = Layout(registry.data_dir)
    log = layout.logs / GC_LOG
    before = stored_blobs(client, registry.bucket, registry.root_directory)
    if dry_run:
        flags = ["--dry-run"] + (["--delete-untagged"] if delete_untagged else [])
        output = _garbage_collect(registry, layout, log, flags)
        uploads = purge_uploads(
            client,
            registry.bucket,
            registry.root_directory,
            now=wall(),
            age=upload_age,
            dry_run=True,
        )
        return _result(
            output, before, before, delete_untagged, True, log, clock() - started, uploads
        )
    progress(f"restarting the registry on {registry.address} read-only ...")
    restart_registry(registry.data_dir, readonly=True)
    try:
        if delete_untagged and guard is not None:
            output = _garbage_collect(registry, layout, log, ["--dry-run", "--delete-untagged"])
            guard(untagged_candidates(output))
        progress("collecting garbage ...")
        flags = ["--delete-untagged"] if delete_untagged else []
        output = _garbage_collect(registry, layout, log, flags)
        uploads = purge_uploads(
            client, registry.bucket, registry.root_directory, now=wall(), age=upload_age
        )
    finally:
        progress("restarting the registry in normal mode ...")
        restart_registry(registry.data_dir, readonly=False)
    after = stored_blobs(client, registry.bucket, registry.root_directory)
    return _result(output, before, after, delete_untagged, False, log, clock() - started, uploads)


def _result(
    output: str,
    before: StoredBlobs,
    after: StoredBlobs,
    delete_untagged: bool,
    dry_run: bool,
    log: Path,
    seconds: float,
    uploads: Uploads,
) -> GcResult:
    summary = _SUMMARY.search(output)
    eligible = tuple(
        m.group(1) for line in output.splitlines() if (m := _ELIGIBLE.match(line.strip()))
    )
    return GcResult(
        before=before,
        after=after,
        manifests_deleted=int(summary.group(3)) if summary else 0,
        blobs_deleted=int(summary.group(2)) if summary else len(eligible),
        delete_untagged=delete_untagged,
        dry_run=dry_run,
        log=log,
        seconds=seconds,
        eligible=eligible,
        eligible_bytes=sum(before.sizes.get(d, 0) for d in eligible),
        uploads=uploads,
    )


def _garbage_collect(
    registry: EmbeddedRegistry, layout: Layout, log: Path, flags: list[str]
) -> str:
    """distribution's ``garbage-collect`` with ``flags``: its output. A registry that holds
    no blob yet has nothing to collect (and distribution fails on its missing blobs/)."""
    client = registry.s3_client()
    if not stored_blobs(client, registry.bucket, registry.root_directory).count:
        return ""
    state = load_state(layout.root)
    binary = state.processes["registry"].argv[0] if state and "registry" in state.processes else ""
    argv = [binary or "docker-registry", "garbage-collect", str(layout.registry_config), *flags]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=child_environment(_path_of(argv[0]), layout.root),
            cwd=layout.root,
            check=False,
        )
    except OSError as exc:
        raise ServiceError(f"cannot run {argv[0]} garbage-collect: {exc.strerror or exc}") from None
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"$ {' '.join(argv[1:])}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        last = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        secret = registry.s3_secret_key
        words = (last[-1] if last else f"exit status {done.returncode}").replace(secret, "***")
        raise ServiceError(f"garbage-collect failed: {words[-300:]}", hint=f"see {log}")
    return done.stdout


def untagged_candidates(output: str) -> list[tuple[str, str]]:
    """(repository, digest) of each "manifest eligible for deletion" line of a
    ``garbage-collect --delete-untagged`` run (the repository is the section's)."""
    found: list[tuple[str, str]] = []
    repository = ""
    for line in output.splitlines():
        text = line.strip()
        marking = _MARKING.match(text)
        untagged = _UNTAGGED.search(text)
        if untagged:
            found.append((repository, untagged.group(1)))
        elif marking:
            repository = marking.group(1)
        elif text and " " not in text and ":" not in text:
            repository = text
    return found
