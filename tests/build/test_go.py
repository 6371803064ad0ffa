"""``imagekit build go``: the image starts and answers, trusts exactly the CA bundle it was
given, is the same byte for byte from two directories, changes only its app layer in a
release, and sits on busybox, scratch, the runtime root or any image."""

from __future__ import annotations

import datetime
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from imagekit.build.assemble import Built, BuiltImage, BuiltIndex
from imagekit.build.blobs import BlobStore
from imagekit.build.busybox import elf_platform
from imagekit.build.goimage import GoEnvironment, GoImageRequest, build_go_image
from imagekit.build.outputs import load_into_engine, parse_output, write_output
from imagekit.build.roots import RootRequest, build_root
from imagekit.errors import BuildError
from imagekit.oci.layout import open_layout
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import open_image
from tests.build.conftest import EPOCH, PROBE

AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "go-service"


def build(module: Path, where: Path, cache: Path, *, opener: Any = None, **options: Any) -> Built:
    request = GoImageRequest(module, options.pop("platforms", (AMD64,)), epoch=EPOCH, **options)
    environment = GoEnvironment(cache, os.environ["PATH"])
    return build_go_image(request, BlobStore(where), environment, opener=opener)


def image_of(built: Built) -> BuiltImage:
    assert isinstance(built, BuiltImage)
    return built


def copy_probe(where: Path) -> Path:
    return Path(shutil.copytree(PROBE, where))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(engine: Any, tag: str, command: list[str]) -> str:
    """The container's stdout, read once it has exited (ContainerError for a non-zero exit).

    Not the SDK's ``containers.run``: it follows the log stream while the container runs,
    and a last line without a newline (``200 secure``) is now and then lost that way.
    """
    container = engine.containers.run(tag, command, detach=True, network_mode="host")
    try:
        status = container.wait()["StatusCode"]
        if status != 0:
            stderr = container.logs(stdout=False, stderr=True)
            raise docker.errors.ContainerError(container, status, command, tag, stderr)
        output = container.logs(stdout=True, stderr=False)
    finally:
        container.remove(force=True)
    assert isinstance(output, bytes)
    return output.decode()


def test_the_example_service_starts_and_answers(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path
) -> None:
    image = image_of(build(EXAMPLE, tmp_path, go_cache))
    tag = engine_tags.name("imagekit-test/go-example:1")
    load_into_engine(image, tag, client=engine)
    port = free_port()
    container = engine.containers.run(
        tag, detach=True, network_mode="host", environment={"ADDR": f"127.0.0.1:{port}"}
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.read() == b"ok\n"
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        config = engine.images.get(tag).attrs["Config"]
        assert config["User"] == "65532:65532"
        assert config["Entrypoint"] == ["/usr/local/bin/hello"]
        assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in config["Env"]
        assert config["Labels"]["org.opencontainers.image.title"] == "hello"
    finally:
        container.remove(force=True)


class Https:
    """A local HTTPS server whose certificate is signed by a CA made for the test."""

    def __init__(self, directory: Path) -> None:
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagekit test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        chain = directory / "server.pem"
        chain.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secure")

            def log_message(self, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def https(tmp_path: Path) -> Iterator[Https]:
    server = Https(tmp_path)
    yield server
    server.close()


def test_tls_succeeds_with_the_ca_in_the_bundle_and_fails_without_a_bundle(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path, https: Https
) -> None:
    trusting = image_of(build(PROBE, tmp_path / "a", go_cache, ca_bundle=https.ca_file))
    tag = engine_tags.name("imagekit-test/go-probe:trusting")
    load_into_engine(trusting, tag, client=engine)
    assert run(engine, tag, ["fetch", https.url]) == "200 secure"

    bare = image_of(build(PROBE, tmp_path / "b", go_cache, ca_certificates=False))
    tag = engine_tags.name("imagekit-test/go-probe:no-ca")
    load_into_engine(bare, tag, client=engine)
    with pytest.raises(docker.errors.ContainerError) as failure:
        run(engine, tag, ["fetch", https.url])
    assert b"x509: certificate signed by unknown authority" in failure.value.stderr
    # the app layer is the same binary: only the support layer and the config differ
    assert trusting.layers[-1].diff_id == bare.layers[-1].diff_id
    assert trusting.layers[-2].diff_id != bare.layers[-2].diff_id


def test_two_directories_give_one_digest_and_no_path_in_any_blob(
    go_cache: Path, tmp_path: Path
) -> None:
    first = copy_probe(tmp_path / "checkout-one" / "src")
    second = copy_probe(tmp_path / "elsewhere-two" / "src")
    one = image_of(build(first, tmp_path / "s1", go_cache))
    two = image_of(build(second, tmp_path / "s2", go_cache))
    assert one.digest == two.digest
    assert one.manifest.raw == two.manifest.raw
    for layer in one.layers:
        with layer.open() as tar:
            data = tar.read()
        host = os.uname().nodename
        for leak in (str(tmp_path), str(go_cache), "checkout-one", host if len(host) > 5 else ""):
            assert not leak or leak.encode() not in data, leak
    assert b"checkout-one" not in one.config.raw


def test_a_release_changes_only_the_app_layer(go_cache: Path, tmp_path: Path) -> None:
    source = copy_probe(tmp_path / "src")
    before = image_of(build(source, tmp_path / "s1", go_cache, version="1.0.0"))
    main = source / "main.go"
    main.write_text(main.read_text().replace('"probe %s', '"probe v2 %s'))
    after = image_of(build(source, tmp_path / "s2", go_cache, version="1.0.1"))
    old = [layer.descriptor.digest for layer in before.layers]
    new = [layer.descriptor.digest for layer in after.layers]
    assert old[:-1] == new[:-1] and old[-1] != new[-1]
    annotations = dict(after.manifest.annotations)
    assert annotations["org.opencontainers.image.version"] == "1.0.1"
    assert "org.opencontainers.image.base.digest" in annotations


def test_on_scratch_the_image_is_the_binary_and_a_few_kilobytes(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path
) -> None:
    image = image_of(build(PROBE, tmp_path, go_cache, base="scratch"))
    assert len(image.layers) == 2
    binary = image.layers[-1].uncompressed_size
    assert image.uncompressed_size <= binary + 300_000
    tag = engine_tags.name("imagekit-test/go-probe:scratch")
    load_into_engine(image, tag, client=engine)
    assert run(engine, tag, ["zone", "UTC"]) == "UTC 0\n"


def test_on_busybox_the_base_layer_is_the_busybox_root_unchanged(
    go_cache: Path, tmp_path: Path
) -> None:
    image = image_of(build(PROBE, tmp_path / "go", go_cache))
    root = build_root(RootRequest("busybox", epoch=EPOCH), BlobStore(tmp_path / "root"))
    assert image.layers[0].descriptor.digest == root.layers[0].descriptor.digest
    binary = image.layers[-1].uncompressed_size
    assert image.uncompressed_size <= binary + 2_500_000


def test_tzdata_is_added_when_asked_for(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path
) -> None:
    with_zones = image_of(build(PROBE, tmp_path / "a", go_cache, base="scratch", tzdata=True))
    tag = engine_tags.name("imagekit-test/go-probe:tzdata")
    load_into_engine(with_zones, tag, client=engine)
    assert run(engine, tag, ["zone", "Europe/Paris"]) == ("Europe/Paris 3600\n")
    without = image_of(build(PROBE, tmp_path / "b", go_cache, base="scratch"))
    tag = engine_tags.name("imagekit-test/go-probe:no-tzdata")
    load_into_engine(without, tag, client=engine)
    with pytest.raises(docker.errors.ContainerError) as failure:
        run(engine, tag, ["zone", "Europe/Paris"])
    assert b"unknown time zone" in failure.value.stderr


def test_on_the_runtime_root(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path, https: Https
) -> None:
    image = image_of(build(PROBE, tmp_path, go_cache, base="runtime"))
    tag = engine_tags.name("imagekit-test/go-probe:runtime")
    load_into_engine(image, tag, client=engine)
    output = run(engine, tag, ["zone", "Asia/Tokyo"])
    assert output == "Asia/Tokyo 32400\n"
    # the runtime root is kept in the cache: a second build finds it unchanged
    again = image_of(build(PROBE, tmp_path / "again", go_cache, base="runtime"))
    assert again.digest == image.digest


def test_on_an_engine_image_its_accounts_are_kept_and_nonroot_added(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path
) -> None:
    def opener(text: str, platform: Platform) -> Any:
        return open_image(text, platform=platform, docker_client=engine)

    image = image_of(
        build(PROBE, tmp_path, go_cache, base="docker-daemon:debian:bookworm-slim", opener=opener)
    )
    base_layers = engine.images.get("debian:bookworm-slim").attrs["RootFS"]["Layers"]
    assert [str(d) for d in image.config.diff_ids[: len(base_layers)]] == base_layers
    annotations = dict(image.manifest.annotations)
    assert annotations["org.opencontainers.image.base.name"] == "docker-daemon:debian:bookworm-slim"
    tag = engine_tags.name("imagekit-test/go-probe:debian")
    load_into_engine(image, tag, client=engine)
    passwd = engine.containers.run(
        tag, ["/etc/passwd"], entrypoint="cat", remove=True, network_mode="host"
    ).decode()
    assert "\n_apt:" in passwd and passwd.startswith("root:x:0:0:root:/root:/bin/bash\n")
    assert passwd.endswith("nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n")


def test_several_platforms_give_an_index(
    engine: Any, engine_tags: Any, go_cache: Path, tmp_path: Path
) -> None:
    module = tmp_path / "tiny"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/tiny\n\ngo 1.19\n")
    (module / "main.go").write_text(
        'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("tiny\\n") }\n'
    )
    built = build(module, tmp_path / "store", go_cache, base="scratch", platforms=(AMD64, ARM64))
    assert isinstance(built, BuiltIndex)
    layout = tmp_path / "layout"
    write_output(built, parse_output(f"oci:{layout}:tiny"))
    arm = open_layout(layout, "tiny", platform=ARM64)
    assert arm.config.platform == ARM64
    with arm.layers[-1].open() as stream:
        import tarfile

        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.name == "usr/local/bin/tiny":
                    data = tar.extractfile(member)
                    assert data is not None
                    assert elf_platform(data.read(20), "tiny") == ARM64
    tag = engine_tags.name("imagekit-test/go-tiny:amd64")
    write_output(built, parse_output(f"docker-daemon:{tag}"), platform=AMD64, docker_client=engine)
    assert run(engine, tag, []) == "tiny\n"
    with pytest.raises(BuildError, match="busybox"):
        build(module, tmp_path / "s2", go_cache, platforms=(ARM64,))


def test_the_collector_setting_leaves_the_binary_as_go_s_defaults_make_it(
    go_cache: Path, tmp_path: Path
) -> None:
    from imagekit.build.gocompile import GOGC, GoBuild, compile_go, go_command, go_env

    target = GoBuild(EXAMPLE, AMD64)
    ours = compile_go(target, tmp_path / "ours", cache_dir=go_cache, path=os.environ["PATH"])
    env = go_env(target, go_cache, os.environ["PATH"])
    assert env["GOGC"] == GOGC != "100"
    env["GOGC"] = "100"
    defaults = tmp_path / "defaults"
    subprocess.run(go_command(target, defaults), cwd=EXAMPLE, env=env, check=True)
    assert ours.read_bytes() == defaults.read_bytes()


def test_a_module_that_needs_the_network_says_to_vendor(go_cache: Path, tmp_path: Path) -> None:
    module = tmp_path / "needs"
    module.mkdir()
    (module / "go.mod").write_text(
        "module example.com/needs\n\ngo 1.19\n\nrequire golang.org/x/text v0.3.8\n"
    )
    (module / "main.go").write_text(
        'package main\n\nimport _ "golang.org/x/text/language"\n\nfunc main() {}\n'
    )
    with pytest.raises(BuildError) as failure:
        build(module, tmp_path / "store", go_cache)
    assert failure.value.hint is not None and "go mod vendor" in failure.value.hint


def test_the_busybox_root_is_kept_per_binary_in_the_cache(tmp_path: Path) -> None:
    from imagekit.build.base import resolve_base

    cache = tmp_path / "cache"
    store = BlobStore(tmp_path / "blobs")
    options: dict[str, Any] = {"epoch": EPOCH, "created": "", "cache_dir": cache}
    first = resolve_base("busybox", AMD64, store, **options)
    (kept,) = (cache / "roots").iterdir()
    assert kept.name.startswith("busybox-") and (kept / "index.json").is_file()
    second = resolve_base("busybox", AMD64, store, **options)
    assert [layer.descriptor.digest for layer in second.layers] == [
        layer.descriptor.digest for layer in first.layers
    ]
    # another binary is another root, not the one kept for the first
    other = tmp_path / "busybox"
    shutil.copy("/bin/busybox", other)
    with open(other, "ab") as binary:
        binary.write(b"\0")
    from imagekit.build.base import _root_key

    assert _root_key(RootRequest("busybox", epoch=EPOCH), AMD64) == kept.name
    assert _root_key(RootRequest("busybox", epoch=EPOCH, busybox=other), AMD64) != kept.name
