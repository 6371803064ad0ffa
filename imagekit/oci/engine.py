"""``docker-daemon:NAME[:TAG]``: an image in the docker engine, through the docker SDK.

The engine's save stream is spooled into a file in a private temporary directory and
read as a ``docker save`` archive: in the legacy format it puts manifest.json after the
layers, so a single pass over the stream could not serve layers on demand. The directory
is removed when the image is closed. The docker SDK is imported only here, and only when
an engine image is opened.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from imagekit.errors import ImageError, InputError
from imagekit.oci.archive import ArchiveImage, open_archive
from imagekit.oci.digest import CHUNK

_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")
HINT = (
    "is the docker engine running? Start it (in this repository: `make services`) or point "
    "DOCKER_HOST at one"
)


def save_reference(name: str) -> str:
    """What to ask the engine to save: ``NAME`` alone means ``NAME:latest`` (not every tag)."""
    if _ID.match(name) or "@" in name:
        return name
    if ":" in name.rsplit("/", 1)[-1]:
        return name
    return f"{name}:latest"


def client_from(base_url: str | None = None) -> Any:
    """A docker SDK client: for ``base_url``, else as the environment says (DOCKER_HOST)."""
    import docker
    import docker.errors

    try:
        if base_url:
            return docker.DockerClient(base_url=base_url)
        return docker.from_env()
    except docker.errors.DockerException as exc:
        raise InputError(f"cannot reach the docker engine ({exc})", hint=HINT) from None


def open_engine(
    name: str,
    *,
    client: Any = None,
    base_url: str | None = None,
    temp_dir: str | None = None,
) -> ArchiveImage:
    """The engine's image ``name`` (a name, ``name:tag``, ``name@digest`` or an image ID).

    ``client`` is a docker SDK client (made from ``base_url`` or the environment when None).
    ``temp_dir`` is where the spool directory is made (the system's default when None).
    """
    import docker.errors
    import requests.exceptions

    what = f"docker-daemon:{name}"
    owned = client is None
    if client is None:
        client = client_from(base_url)
    reference = save_reference(name)
    spool = Path(tempfile.mkdtemp(prefix="imagekit-engine-", dir=temp_dir))
    try:
        path = spool / "image.tar"
        try:
            client.api.inspect_image(reference)
            with open(path, "wb") as out:
                for chunk in client.api.get_image(reference, chunk_size=CHUNK):
                    out.write(chunk)
        except docker.errors.ImageNotFound:
            raise ImageError(
                f"{what}: no such image in the docker engine",
                hint="build or pull it first, or name another source",
            ) from None
        except docker.errors.APIError as exc:
            raise InputError(f"{what}: the docker engine refused: {exc.explanation}") from None
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise InputError(f"{what}: cannot reach the docker engine ({exc})", hint=HINT) from None
        return open_archive(
            path, name=what, on_close=lambda: shutil.rmtree(spool, ignore_errors=True)
        )
    except BaseException:
        shutil.rmtree(spool, ignore_errors=True)
        raise
    finally:
        if owned:
            client.close()
