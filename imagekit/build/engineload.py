"""``docker-daemon:NAME[:TAG]``: a built image loaded into the docker engine, sending only
the layers the engine lacks.

The engine's load API takes a ``docker save`` archive, uncompressed layer tars and all, and
unpacks it whole before it reads manifest.json; it then opens a layer's tar only when the
layer store has no layer of that chain ID (the layer and all below it). A release loaded
under the tag of the previous one has the same base and support layers: the archive
streamed here lists every layer in its manifest but carries the tars of the layers above
the longest run of bottom layers the image now at that tag shares with ours. When the
engine does lack one of them after all (the image was removed meanwhile), the load fails
before anything is tagged and is sent once more with every layer.

The archive is streamed into the request as it is made (no file is written): each layer is
decompressed from its blob and checked against its diff ID on the way. The image ID the
engine reports must be the config's digest.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator, Sequence
from typing import Any

from imagekit.build.assemble import BuiltImage
from imagekit.build.blobs import uncompressed_size
from imagekit.errors import BuildError, ImageError, InputError
from imagekit.oci.archive import normal_reference
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.engine import HINT, save_reference
from imagekit.oci.engineapi import EngineApi, EngineRefused, EngineUnreachable, engine_api


def engine_layers(engine: EngineApi, reference: str) -> tuple[Digest, ...]:
    """The diff IDs of the image the engine holds as ``reference`` (none when it holds no
    such image, or says them in a form not understood)."""
    attrs = engine.inspect_image(reference) or {}
    layers = (attrs.get("RootFS") or {}).get("Layers") or []
    try:
        return tuple(Digest.parse(str(layer)) for layer in layers)
    except ImageError:
        return ()


def shared_bottom(ours: Sequence[Digest], theirs: Sequence[Digest]) -> int:
    """How many bottom layers of ``ours`` form a chain the engine has (``theirs`` are the
    diff IDs of one of its images)."""
    count = 0
    for mine, held in zip(ours, theirs, strict=False):
        if mine != held:
            break
        count += 1
    return count


def _header(name: str, size: int, kind: bytes = tarfile.REGTYPE, mode: int = 0o644) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mode, info.mtime = size, kind, mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def _member(name: str, data: bytes) -> bytes:
    return _header(name, len(data)) + data + _padding(len(data))


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def archive_chunks(image: BuiltImage, tag: str, skip: int = 0) -> Iterator[bytes]:
    """A ``docker save`` archive of ``image`` tagged ``tag``, in pieces, with the tars of
    every layer but its ``skip`` bottom ones (which the engine has)."""
    config_name = f"{image.config.digest.hex}.json"
    names = [f"{layer.diff_id.hex}/layer.tar" for layer in image.layers]
    manifest = [{"Config": config_name, "Layers": names, "RepoTags": [normal_reference(tag)]}]
    yield _member(config_name, image.config.raw)
    sent = {layer.diff_id for layer in image.layers[:skip]}
    for i, layer in enumerate(image.layers):
        if layer.diff_id in sent:
            continue
        sent.add(layer.diff_id)
        size = uncompressed_size(layer)
        yield _header(layer.diff_id.hex + "/", 0, tarfile.DIRTYPE, 0o755)
        yield _header(names[i], size)
        hasher = Hasher()
        with layer.open() as source:
            while hasher.size < size and (chunk := source.read(min(CHUNK, size - hasher.size))):
                hasher.update(chunk)
                yield chunk
        if hasher.size != size or hasher.digest != layer.diff_id:
            raise BuildError(
                f"{image.name} layer {i}: its tar hashes to {hasher.digest} "
                f"({hasher.size} bytes), not its diff_id {layer.diff_id} ({size} bytes)"
            )
        yield _padding(size)
    yield _member("manifest.json", json.dumps(manifest, separators=(",", ":")).encode())
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


def send_archive(engine: EngineApi, image: BuiltImage, tag: str, skip: int) -> None:
    """One load request; the engine's refusal (in its answer or its progress stream) raised
    as EngineRefused."""
    engine.load(archive_chunks(image, tag, skip))


def load_into_engine(
    image: BuiltImage,
    reference: str,
    *,
    client: Any = None,
    base_url: str | None = None,
    full: bool = False,
) -> str:
    """Load ``image`` into the docker engine as ``reference``; the engine's image ID (the
    config digest). ``client`` is an :class:`~imagekit.oci.engineapi.EngineApi` or a docker
    SDK client; else the engine ``base_url`` names (DOCKER_HOST as the configuration has
    it, "" for the default socket, None for the SDK's reading of the environment) is
    asked and the connection closed afterwards. ``full`` sends every layer's tar whatever
    the engine has."""
    tag = save_reference(reference)
    what = f"docker-daemon:{reference}"
    try:
        engine = engine_api(base_url, client=client)
    except InputError as exc:
        raise BuildError(f"{what}: {exc.message}", hint=exc.hint) from None
    try:
        ours = [layer.diff_id for layer in image.layers]
        skip = 0 if full else shared_bottom(ours, engine_layers(engine, tag))
        try:
            send_archive(engine, image, tag, skip)
        except EngineRefused:
            if not skip:
                raise
            send_archive(engine, image, tag, 0)  # the engine lost a layer since it was asked
        loaded = str((engine.inspect_image(tag) or {}).get("Id", ""))
    except EngineRefused as exc:
        raise BuildError(f"{what}: the docker engine refused the image: {exc}") from None
    except EngineUnreachable as exc:
        raise BuildError(f"{what}: cannot reach the docker engine ({exc})", hint=HINT) from None
    finally:
        if client is None:
            engine.close()
    expected = str(image.config.digest)
    if loaded != expected:
        raise BuildError(f"{what}: the engine holds image {loaded or 'none'}, not {expected}")
    return expected
