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

Much of a load's time is fixed whatever its size: the engine unpacks the archive in a
process of its own, started (a re-execution of the engine's binary) once the archive's
first bytes arrive, and applies each new layer in another. :class:`EarlyLoad` opens the
request before the image exists (while a Go release compiles) and sends the archive's
first member, ``./`` (which the engine's unpacking passes over), so the first of those
processes starts meanwhile; the rest of the archive follows once the image is made, or
the request is cut short and the engine keeps nothing.
"""

from __future__ import annotations

import contextlib
import json
import queue
import tarfile
import threading
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


#: The archive's first member: its top directory, ``./``, as ``tar -C DIR -c .`` writes it.
ARCHIVE_START = _header("./", 0, tarfile.DIRTYPE, 0o755)


def archive_chunks(
    image: BuiltImage, tag: str, skip: int = 0, *, start: bool = True
) -> Iterator[bytes]:
    """A ``docker save`` archive of ``image`` tagged ``tag``, in pieces, with the tars of
    every layer but its ``skip`` bottom ones (which the engine has); without ``start``
    its first member (:data:`ARCHIVE_START`, sent already) left out."""
    if start:
        yield ARCHIVE_START
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


class _Withdrawn(Exception):
    """The image an early load waited for will not come: its request is cut short."""


class EarlyLoad:
    """A load into the engine opened before the image is made.

    Made with an engine (whose connection it holds until :meth:`finish` or :meth:`cancel`)
    and the reference the image is to have, it asks which layers the engine holds at that
    tag (:attr:`held`), then opens the load request in a thread and sends
    :data:`ARCHIVE_START`; the request then waits for the rest of the archive.
    """

    def __init__(self, engine: EngineApi, reference: str) -> None:
        """EngineUnreachable or EngineRefused when the engine cannot be asked."""
        self.engine = engine
        self.tag = save_reference(reference)
        self.held = engine_layers(engine, self.tag)
        self._rest: queue.Queue[Iterator[bytes] | None] = queue.Queue(maxsize=1)
        self._taken = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._send, name="imagekit-load", daemon=True)
        self._thread.start()

    def _body(self) -> Iterator[bytes]:
        yield ARCHIVE_START
        rest = self._rest.get()
        if rest is None:
            raise _Withdrawn
        self._taken = True
        yield from rest

    def _send(self) -> None:
        try:
            self.engine.load(self._body())
        except BaseException as exc:  # raised again by finish
            self._error = exc

    def finish(self, image: BuiltImage, skip: int) -> bool:
        """Send the rest of the archive, ``image`` with the tars of all but its ``skip``
        bottom layers, and wait for the engine's answer: True once loaded; False when the
        request failed before it took the image or lost its connection (the engine then
        keeps nothing of it: the caller loads the image anew). Raises what else the load
        raised (EngineRefused, BuildError)."""
        if self._thread.is_alive():
            self._rest.put(archive_chunks(image, self.tag, skip, start=False))
        self._thread.join()
        if self._error is None:
            return self._taken
        if not self._taken or isinstance(self._error, EngineUnreachable):
            return False
        raise self._error

    def cancel(self) -> None:
        """Cut the request short (the engine keeps nothing of it); nothing once finished."""
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._rest.put_nowait(None)
            self._thread.join()


def load_into_engine(
    image: BuiltImage,
    reference: str,
    *,
    client: Any = None,
    base_url: str | None = None,
    full: bool = False,
    early: EarlyLoad | None = None,
) -> str:
    """Load ``image`` into the docker engine as ``reference``; the engine's image ID (the
    config digest). ``client`` is an :class:`~imagekit.oci.engineapi.EngineApi` or a docker
    SDK client; else the engine ``base_url`` names (DOCKER_HOST as the configuration has
    it, "" for the default socket, None for the SDK's reading of the environment) is
    asked and the connection closed afterwards. ``full`` sends every layer's tar whatever
    the engine has. ``early`` is a load opened for this reference on the engine meant
    (and then its engine serves); one opened for another tag is cut short."""
    tag = save_reference(reference)
    what = f"docker-daemon:{reference}"
    if early is not None and early.tag != tag:
        early.cancel()
        early = None
    try:
        engine = early.engine if early is not None else engine_api(base_url, client=client)
    except InputError as exc:
        raise BuildError(f"{what}: {exc.message}", hint=exc.hint) from None
    try:
        ours = [layer.diff_id for layer in image.layers]
        held = early.held if early is not None else engine_layers(engine, tag)
        skip = 0 if full else shared_bottom(ours, held)
        try:
            if early is None or not early.finish(image, skip):
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
        if early is not None:
            early.cancel()
        elif client is None:
            engine.close()
    expected = str(image.config.digest)
    if loaded != expected:
        raise BuildError(f"{what}: the engine holds image {loaded or 'none'}, not {expected}")
    return expected
