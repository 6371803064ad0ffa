"""docker-daemon outputs: a release loaded under the tag of the previous one sends only the
layers above those the engine holds; the engine's own refusal of an archive that lacks a
layer it does not have (what the fallback to a whole archive answers); the stream is a
tar the engine and tarfile read; a load opened before the image exists finishes with it,
or is cut short and leaves nothing, or gives way to a request of its own, or is sent anew
when its connection broke. Each engine test runs over the engine's unix socket (imagekit's
own client) and through the docker SDK (an engine DOCKER_HOST names otherwise)."""

from __future__ import annotations

import io
import socket
import tarfile
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from imagekit.build.assemble import (
    BuiltImage,
    RunConfig,
    assemble,
    base_history,
    created_at,
    history_entry,
)
from imagekit.build.blobs import BlobStore
from imagekit.build.engineload import (
    ARCHIVE_START,
    EarlyLoad,
    archive_chunks,
    engine_layers,
    load_into_engine,
    send_archive,
    shared_bottom,
)
from imagekit.build.layer import Entry, file
from imagekit.build.roots import RootRequest, build_root
from imagekit.oci.engineapi import EngineApi, EngineRefused, SdkEngine, SocketEngine
from tests.support.docker import engine_socket


def on_busybox(tmp_path: Path, top: list[Entry], epoch: int = 0) -> BuiltImage:
    """The busybox root with one layer of ``top`` above it."""
    store = BlobStore(tmp_path)
    root = build_root(RootRequest("busybox", epoch=epoch), store)
    layer = store.add_layer(top, mtime=epoch)
    created = created_at(epoch)
    history = [*base_history(root.config.raw, 1, created), history_entry("test: top", created)]
    return assemble(
        "test",
        root.platform,
        [*root.layers, layer],
        history,
        RunConfig(env=("PATH=/bin",), cmd=("cat", "/release")),
        created=created,
    )


@pytest.fixture(params=["socket", "sdk"])
def api(request: pytest.FixtureRequest, engine: Any) -> Any:
    """The test engine as an EngineApi: over its socket, or through the SDK client."""
    if request.param == "sdk":
        yield SdkEngine(engine)
        return
    client = SocketEngine(engine_socket())
    yield client
    client.close()


def members(image: BuiltImage, tag: str, skip: int) -> list[str]:
    data = b"".join(archive_chunks(image, tag, skip))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [member.name for member in tar.getmembers()]


def test_a_release_sends_only_its_new_layer(
    engine: Any, api: EngineApi, engine_tags: Any, tmp_path: Path
) -> None:
    tag = engine_tags.name("imagekit-test/engineload:release")
    first = on_busybox(tmp_path / "1", [file("release", b"one\n")])
    assert load_into_engine(first, tag, client=api) == str(first.config.digest)
    second = on_busybox(tmp_path / "2", [file("release", b"two\n")])
    ours = [layer.diff_id for layer in second.layers]
    held = engine_layers(api, tag)
    assert held == tuple(layer.diff_id for layer in first.layers)
    assert shared_bottom(ours, held) == 1
    top = second.layers[-1].diff_id.hex
    assert members(second, tag, 1) == [
        ".",  # ARCHIVE_START
        f"{second.config.digest.hex}.json",
        top,  # tarfile names a directory without its slash
        f"{top}/layer.tar",
        "manifest.json",
    ]
    assert load_into_engine(second, tag, client=api) == str(second.config.digest)
    output = engine.containers.run(tag, remove=True, network_mode="host")
    assert output == b"two\n"


def test_the_engine_refuses_an_archive_without_a_layer_it_lacks(
    engine: Any, api: EngineApi, engine_tags: Any, tmp_path: Path
) -> None:
    kind = "socket" if isinstance(api, SocketEngine) else "sdk"
    tag = engine_tags.name(f"imagekit-test/engineload:lacking-{kind}")
    # another SOURCE_DATE_EPOCH (and so a busybox layer) for each client: one the engine
    # has never seen
    epoch = 1234567 if kind == "socket" else 1234568
    image = on_busybox(tmp_path, [file("release", b"new\n")], epoch=epoch)
    assert engine_layers(api, tag) == ()
    with pytest.raises(EngineRefused, match=r"layer\.tar"):
        send_archive(api, image, tag, 1)
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get(tag)
    assert load_into_engine(image, tag, client=api) == str(image.config.digest)
    assert engine.containers.run(tag, remove=True, network_mode="host") == b"new\n"


def test_the_whole_archive_lists_each_layer_once(tmp_path: Path) -> None:
    image = on_busybox(tmp_path, [file("release", b"x\n")])
    names = members(image, "imagekit-test/whole:1", 0)
    tars = [name for name in names if name.endswith("/layer.tar")]
    assert tars == [f"{layer.diff_id.hex}/layer.tar" for layer in image.layers]
    assert names[-1] == "manifest.json"


def test_no_image_at_the_tag_shares_nothing(api: EngineApi) -> None:
    assert engine_layers(api, "imagekit-test/engineload:never-made") == ()
    assert shared_bottom([], []) == 0


def test_a_load_opened_before_the_image_exists_finishes_with_it(
    engine: Any, api: EngineApi, engine_tags: Any, tmp_path: Path
) -> None:
    tag = engine_tags.name("imagekit-test/engineload:early")
    first = on_busybox(tmp_path / "1", [file("release", b"one\n")])
    load_into_engine(first, tag, client=api)
    early = EarlyLoad(api, tag)  # the request is open, the image not yet made
    assert early.held == tuple(layer.diff_id for layer in first.layers)
    second = on_busybox(tmp_path / "2", [file("release", b"two\n")])
    assert load_into_engine(second, tag, early=early) == str(second.config.digest)
    assert engine.containers.run(tag, remove=True, network_mode="host") == b"two\n"
    early.cancel()  # nothing once finished
    assert engine.images.get(tag).id == str(second.config.digest)


def test_a_load_cut_short_leaves_nothing(engine: Any, api: EngineApi, engine_tags: Any) -> None:
    tag = engine_tags.name("imagekit-test/engineload:cut-short")
    early = EarlyLoad(api, tag)
    early.cancel()
    early.cancel()
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get(tag)
    assert api.inspect_image(tag) is None  # the engine (and the client) still answer


def test_a_load_opened_for_another_tag_gives_way(
    engine: Any, api: EngineApi, engine_tags: Any, tmp_path: Path
) -> None:
    opened = engine_tags.name("imagekit-test/engineload:opened")
    wanted = engine_tags.name("imagekit-test/engineload:wanted")
    early = EarlyLoad(api, opened)
    image = on_busybox(tmp_path, [file("release", b"other\n")])
    assert load_into_engine(image, wanted, client=api, early=early) == str(image.config.digest)
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get(opened)
    assert engine.containers.run(wanted, remove=True, network_mode="host") == b"other\n"


def test_a_load_whose_connection_broke_is_sent_anew(
    engine: Any, engine_tags: Any, tmp_path: Path
) -> None:
    tag = engine_tags.name("imagekit-test/engineload:broken")
    client = SocketEngine(engine_socket())
    try:
        early = EarlyLoad(client, tag)
        # the engine goes away while the image is made (a restart): the open request dies
        sock = client._connection.sock
        assert sock is not None
        sock.shutdown(socket.SHUT_RDWR)
        image = on_busybox(tmp_path, [file("release", b"anew\n")])
        assert not early.finish(image, 0)
        assert load_into_engine(image, tag, early=early) == str(image.config.digest)
    finally:
        client.close()
    assert engine.containers.run(tag, remove=True, network_mode="host") == b"anew\n"


def test_the_archive_starts_with_its_top_directory(tmp_path: Path) -> None:
    image = on_busybox(tmp_path, [file("release", b"x\n")])
    tag = "imagekit-test/start:1"
    chunks = list(archive_chunks(image, tag, 1))
    assert chunks[0] == ARCHIVE_START
    assert b"".join(archive_chunks(image, tag, 1, start=False)) == b"".join(chunks[1:])
    with tarfile.open(fileobj=io.BytesIO(ARCHIVE_START + b"\0" * 1024)) as tar:
        (top,) = tar.getmembers()
    assert (top.name, top.isdir(), top.mode, top.mtime, top.uid) == (".", True, 0o755, 0, 0)
