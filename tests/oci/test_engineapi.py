"""The engine's API over its unix socket (imagekit's own client), against the real engine:
an image it has and one it has not, a refused load, a socket no engine listens on, which
DOCKER_HOST values the socket client serves; and the progress stream's reading."""

from __future__ import annotations

import io
import json
import socket
import tarfile
from pathlib import Path
from typing import Any

import pytest

from imagekit.oci.engineapi import (
    DEFAULT_SOCKET,
    EngineRefused,
    EngineUnreachable,
    SdkEngine,
    SocketEngine,
    engine_api,
    messages,
    socket_path,
    stream_error,
)
from tests.support.docker import engine_socket


def test_socket_path_is_the_unix_socket_docker_host_names() -> None:
    assert socket_path("") == DEFAULT_SOCKET
    assert socket_path("unix:///run/user/1000/docker.sock") == "/run/user/1000/docker.sock"
    assert socket_path("unix://") == DEFAULT_SOCKET
    assert socket_path("tcp://127.0.0.1:2375") is None
    assert socket_path("ssh://builder@ci") is None


def test_engine_api_serves_a_socket_itself_and_wraps_an_sdk_client(engine: Any) -> None:
    assert isinstance(engine_api("unix:///nowhere.sock"), SocketEngine)
    wrapped = engine_api(client=engine)
    assert isinstance(wrapped, SdkEngine) and wrapped.client is engine
    own = SocketEngine(engine_socket())
    assert engine_api(client=own) is own


def test_inspect_finds_an_image_and_not_a_missing_one(engine: Any) -> None:
    api = SocketEngine(engine_socket())
    try:
        found = api.inspect_image("busybox:latest")
        assert found is not None
        assert found["Id"] == engine.images.get("busybox:latest").id
        assert api.inspect_image("imagekit-test/engineapi:never-made") is None
        # the connection is kept: a second call on the same socket
        assert api.inspect_image("busybox:latest") == found
    finally:
        api.close()


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_load_the_engine_refuses_raises_its_message() -> None:
    api = SocketEngine(engine_socket())
    manifest = [{"Config": "missing.json", "Layers": [], "RepoTags": ["imagekit-test/x:1"]}]
    body = _archive({"manifest.json": json.dumps(manifest).encode()})
    try:
        with pytest.raises(EngineRefused, match=r"missing\.json"):
            api.load([body])
        # the connection still serves (or is opened again)
        assert api.inspect_image("imagekit-test/engineapi:never-made") is None
    finally:
        api.close()


def test_a_body_that_fails_midway_leaves_nothing_behind(engine: Any) -> None:
    api = SocketEngine(engine_socket())

    def chunks() -> Any:
        yield b"\0" * 512
        raise OSError("the layer could not be read")

    try:
        with pytest.raises(OSError, match="could not be read"):
            api.load(chunks())
        assert api.inspect_image("busybox:latest") is not None
    finally:
        api.close()


def test_a_socket_no_engine_listens_on_is_unreachable(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    api = SocketEngine(str(path))
    with pytest.raises(EngineUnreachable, match=str(path)):
        api.inspect_image("busybox:latest")
    with pytest.raises(EngineUnreachable):
        api.connect()
    # a socket that accepts and closes at once
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        api = SocketEngine(str(path), timeout=5)
        api.connect()
        conn, _ = server.accept()
        conn.close()
        with pytest.raises(EngineUnreachable):
            api.inspect_image("busybox:latest")
    finally:
        server.close()


def test_messages_reads_values_with_and_without_line_breaks() -> None:
    assert messages(b"") == []
    assert messages(b'{"stream":"a"}\r\n{"stream":"b"}\n') == [{"stream": "a"}, {"stream": "b"}]
    assert messages(b'{"a":1}{"b":2}  ') == [{"a": 1}, {"b": 2}]


def test_stream_error_finds_the_engine_error_in_either_form() -> None:
    assert stream_error([{"stream": "Loaded image: x:1\n"}]) is None
    assert (
        stream_error([{"errorDetail": {"message": "no space"}, "error": "no space"}]) == "no space"
    )
    assert stream_error([{"stream": "x"}, {"error": "broken"}]) == "broken"
    assert stream_error(["text", 3]) is None


def test_a_load_whose_connection_breaks_midway_is_unreachable(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    api = SocketEngine(str(path), timeout=5)
    try:
        api.connect()
        conn, _ = server.accept()

        def chunks() -> Any:
            yield b"\0" * 512
            conn.recv(65536)  # the request's start arrived; then the engine goes away
            conn.close()
            for _ in range(64):  # more than the socket buffers before the send fails
                yield b"\0" * 65536

        with pytest.raises(EngineUnreachable, match=str(path)):
            api.load(chunks())
    finally:
        api.close()
        server.close()
