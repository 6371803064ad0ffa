"""The embedded registry for real: weed and docker-registry on loopback, images kept
across down and up, htpasswd and TLS, idempotent up, down stopping only what up started."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from imagekit.errors import ServiceError, UsageError
from imagekit.services import EmbeddedRegistry, Settings, down, load, status, up
from imagekit.services.network import GRPC_OFFSET
from imagekit.services.state import load_state
from tests.support.embedded import Http, assert_pulled, free_port, listeners, push_image


def decoy(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    """A process called ``name`` (a copy of sleep) that is not ours."""
    binary = tmp_path / "decoys" / name
    binary.parent.mkdir(exist_ok=True)
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    return subprocess.Popen([str(binary), "120"])


def test_listeners_are_all_on_loopback_and_all_configured(
    shared_registry: EmbeddedRegistry,
) -> None:
    state = load_state(shared_registry.data_dir)
    assert state is not None
    weed = listeners(shared_registry.pids["s3"])
    configured = {p for port in state.s3_ports.values() for p in (port, port + GRPC_OFFSET)}
    assert weed == {("127.0.0.1", port) for port in configured}
    registry_port = int(shared_registry.address.rsplit(":", 1)[1])
    assert listeners(shared_registry.pids["registry"]) == {("127.0.0.1", registry_port)}


def test_weed_runs_without_telemetry_and_with_its_own_ports(
    shared_registry: EmbeddedRegistry,
) -> None:
    argv = Path(f"/proc/{shared_registry.pids['s3']}/cmdline").read_bytes().split(b"\0")
    assert b"-master.telemetry=false" in argv
    assert b"-ip.bind=127.0.0.1" in argv and b"-webdav=false" in argv
    assert b"-s3.port.iceberg=0" in argv and b"-s3.port.lance=0" in argv


def test_up_again_with_the_same_settings_returns_the_running_one(
    shared_registry: EmbeddedRegistry,
) -> None:
    port = int(shared_registry.address.rsplit(":", 1)[1])
    started = time.monotonic()
    again = up(Settings(data_dir=shared_registry.data_dir, port=port))
    assert time.monotonic() - started < 5
    assert again == shared_registry
    assert load(shared_registry.data_dir) == shared_registry
    with pytest.raises(UsageError, match=r"already runs with other settings \(address") as info:
        up(Settings(data_dir=shared_registry.data_dir, port=free_port()))
    assert info.value.hint is not None and "registry down --data-dir" in info.value.hint
    with pytest.raises(UsageError, match=r"other settings \(no TLS, no htpasswd\)"):
        up(Settings(data_dir=shared_registry.data_dir, port=port, tls=True, htpasswd=("a", "b")))


def test_status_counts_what_the_bucket_holds(shared_registry: EmbeddedRegistry) -> None:
    before = status(shared_registry.data_dir)
    assert before.running and before.address == shared_registry.address
    assert [(p.name, p.pid) for p in before.processes] == [
        ("s3", shared_registry.pids["s3"]),
        ("registry", shared_registry.pids["registry"]),
    ]
    pushed = push_image(Http(shared_registry.url), "status/app", layer=b"z" * 300_000)
    after = status(shared_registry.data_dir)
    assert after.stored_bytes is not None and before.stored_bytes is not None
    assert after.stored_bytes - before.stored_bytes >= sum(len(b) for b in pushed.blobs.values())
    assert after.stored_objects is not None and before.stored_objects is not None
    assert after.stored_objects > before.stored_objects


def test_secrets_stay_out_of_logs_and_reprs(shared_registry: EmbeddedRegistry) -> None:
    push_image(Http(shared_registry.url), "secrets/app")
    secret = shared_registry.s3_secret_key
    assert secret not in repr(shared_registry)
    assert shared_registry.http_secret not in repr(shared_registry)
    for log in shared_registry.logs.values():
        text = log.read_text(errors="replace")
        assert text and secret not in text and shared_registry.http_secret not in text


def test_images_survive_down_and_up_and_down_stops_only_what_up_started(tmp_path: Path) -> None:
    data_dir = tmp_path / "registry"
    port = free_port()
    decoys = [decoy(tmp_path, "weed"), decoy(tmp_path, "docker-registry")]
    try:
        first = up(Settings(data_dir=data_dir, port=port))
        pushed = push_image(Http(first.url), "keep/app")
        stopped = down(data_dir)
        assert stopped == [
            f"registry (pid {first.pids['registry']})",
            f"S3 endpoint (pid {first.pids['s3']})",
        ]
        assert all(d.poll() is None for d in decoys)
        assert load(data_dir) is None and not status(data_dir).running
        assert down(data_dir) == []

        # The same data directory again, now with htpasswd and TLS: yesterday's image is
        # still there, byte for byte.
        second = up(Settings(data_dir=data_dir, port=port, htpasswd=("alice", None), tls=True))
        assert second.pids != first.pids and second.s3_endpoint == first.s3_endpoint
        assert second.url == f"https://127.0.0.1:{port}" and second.ca_cert is not None
        password = second.generated_password
        assert password is not None and password not in repr(second)
        assert Http(second.url, ca=second.ca_cert).request("GET", "/v2/")[0] == 401
        assert (
            Http(second.url, "alice", "wrong", ca=second.ca_cert).request("GET", "/v2/")[0] == 401
        )
        authorised = Http(second.url, "alice", password, ca=second.ca_cert)
        assert authorised.request("GET", "/v2/")[0] == 200
        assert_pulled(authorised, pushed)
        assert password not in (data_dir / "htpasswd").read_text()

        # Asked again (password given, or kept): the running one, no new password.
        same = up(Settings(data_dir=data_dir, port=port, htpasswd=("alice", password), tls=True))
        assert same.pids == second.pids and same.generated_password is None
        kept = up(Settings(data_dir=data_dir, port=port, htpasswd=("alice", None), tls=True))
        assert kept.pids == second.pids and kept.generated_password is None
        with pytest.raises(UsageError, match=r"another password"):
            up(Settings(data_dir=data_dir, port=port, htpasswd=("alice", "nope"), tls=True))

        # A pid that now runs another program is not stopped: the state names the decoys'
        # pids with the command lines our processes had.
        down(data_dir)
        state_file = data_dir / "state.json"
        state = json.loads(state_file.read_text())
        state["processes"] = {
            name: {
                "name": name,
                "pid": d.pid,
                "argv": ["/usr/bin/docker-registry", "serve", "config.yml"],
                "log": "x",
            }
            for name, d in zip(("s3", "registry"), decoys, strict=True)
        }
        state_file.write_text(json.dumps(state))
        assert down(data_dir) == []
        assert all(d.poll() is None for d in decoys)
    finally:
        down(data_dir)
        for d in decoys:
            d.kill()
            d.wait()


def test_a_busy_registry_port_fails_before_anything_starts(
    shared_registry: EmbeddedRegistry, tmp_path: Path
) -> None:
    port = int(shared_registry.address.rsplit(":", 1)[1])
    with pytest.raises(ServiceError, match=rf"port {port} on 127.0.0.1 is already in use"):
        up(Settings(data_dir=tmp_path, port=port))
    assert not (tmp_path / "state.json").exists()


def test_a_registry_that_cannot_start_leaves_nothing_running(tmp_path: Path) -> None:
    fake = tmp_path / "docker-registry"
    fake.write_text("#!/bin/sh\necho 'panic: this registry cannot start' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(
        ServiceError,
        match=r"the registry \(pid \d+\) exited before it answered: panic: this registry cannot start",
    ):
        up(
            Settings(
                data_dir=tmp_path / "d",
                port=free_port(),
                registry_binary=str(fake),
                htpasswd=("alice", None),
            )
        )
    state = load_state(tmp_path / "d")
    assert state is not None and state.processes == {}
    assert not status(tmp_path / "d").running
    # The generated password was never shown: it is not left behind either.
    assert not (tmp_path / "d" / "htpasswd").exists()


def test_missing_binaries_are_service_errors_with_a_hint(tmp_path: Path) -> None:
    from imagekit.services.distribution import find_registry
    from imagekit.services.s3 import find_weed

    with pytest.raises(ServiceError) as info:
        find_weed(
            "", path=str(tmp_path), executable=str(tmp_path / "python"), scripts=str(tmp_path)
        )
    assert info.value.hint == "pip install 'imagekit[registry]'"
    with pytest.raises(ServiceError, match="IMAGEKIT_WEED"):
        find_weed(str(tmp_path / "nowhere"))
    with pytest.raises(ServiceError) as info:
        find_registry(path=str(tmp_path))
    assert info.value.hint == "apt-get install docker-registry"


def test_the_s3_endpoint_refuses_requests_without_the_keys(
    shared_registry: EmbeddedRegistry,
) -> None:
    anonymous = Http(shared_registry.s3_endpoint)
    assert anonymous.request("GET", f"/{shared_registry.bucket}/")[0] == 403
    assert anonymous.request("PUT", "/another-bucket")[0] == 403
    names = [b["Name"] for b in shared_registry.s3_client().list_buckets()["Buckets"]]
    assert shared_registry.bucket in names and "another-bucket" not in names
