"""Building a Dockerfile on the docker engine: the classic builder through the docker SDK,
or BuildKit through Debian's docker CLI when the Dockerfile needs it.

The SDK's build API is the classic builder: it knows no ``RUN --mount``, ``--network``,
``--security``, ``COPY --chmod``/``--link`` or heredocs. The caller says what in the
Dockerfile needs BuildKit (:class:`BuildKitNeed`, found on the Dockerfile model); such a
Dockerfile goes to ``/usr/bin/docker build`` with ``DOCKER_BUILDKIT=1`` (Debian's CLI has
BuildKit built in; a newer CLI without buildx does not), or fails with a :class:`BuildError`
saying why it cannot be built here. Heredocs need the Dockerfile frontend 1.4, built into
Docker Engine 23 and later; on an older engine they fail before anything is sent (its
frontend would read the heredoc's body as instructions, and the ``docker/dockerfile`` image
that has the newer frontend cannot be pulled offline). Never a silent wrong build.

Builds run on the host network (the test engine has no bridge; apt reaches the machine's
mirror that way), without pulling, and remove their intermediate containers.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.errors import BuildError
from imagekit.oci.engine import HINT, client_from

#: Debian's docker CLI (docker.io): ``docker build`` with BuildKit built in.
DOCKER_CLI = Path("/usr/bin/docker")
#: The first Docker Engine whose built-in Dockerfile frontend reads heredocs.
HEREDOC_ENGINE = (23, 0)
LOG_TAIL = 12
_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class BuildKitNeed:
    """Something in a Dockerfile the classic builder cannot build: ``feature`` (e.g.
    ``RUN --mount``, ``heredoc``) on ``line``."""

    line: int
    feature: str

    def __str__(self) -> str:
        return f"{self.feature} (line {self.line})"


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """One build: ``dockerfile`` (any path; the SDK sends one outside ``context`` along)."""

    context: Path
    dockerfile: Path
    tags: tuple[str, ...]
    target: str | None = None
    build_args: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    buildkit: tuple[BuildKitNeed, ...] = ()
    """Why the classic builder cannot build it; empty: the SDK builds it."""
    no_cache: bool = False
    what: str = ""
    """How messages name the build (the definition or Dockerfile)."""

    @property
    def name(self) -> str:
        return self.what or str(self.dockerfile)


@dataclass(frozen=True, slots=True)
class EngineBuild:
    """What a build made: the engine's image ID (the config digest) and which builder."""

    image_id: str
    builder: str
    log: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Engine:
    """Where builds go: ``base_url`` (the config's DOCKER_HOST; None: the SDK's default),
    the docker CLI for BuildKit, and the environment that CLI runs with."""

    base_url: str | None = None
    docker_cli: Path = DOCKER_CLI
    cli_env: Mapping[str, str] = field(default_factory=dict)

    def client(self) -> Any:
        return client_from(self.base_url)


def build(
    request: BuildRequest, engine: Engine, on_line: Callable[[str], None] | None = None
) -> EngineBuild:
    """Build ``request`` on the engine; BuildError with the end of the log when it fails."""
    if request.buildkit:
        return _buildkit(request, engine, on_line)
    return _classic(request, engine, on_line)


def _failure(request: BuildRequest, reason: str, log: Sequence[str]) -> BuildError:
    lines = (_ESCAPE.sub("", line).strip() for line in log[-LOG_TAIL:])
    tail = " | ".join(line for line in lines if line)
    detail = f"; log: {tail}" if tail else ""
    return BuildError(
        f"building {request.name} failed: {reason}{detail}",
        hint="fix the Dockerfile (the log's last lines say where), then build again",
    )


def _classic(
    request: BuildRequest, engine: Engine, on_line: Callable[[str], None] | None
) -> EngineBuild:
    import docker.errors
    import requests.exceptions

    log: list[str] = []
    image_id = ""
    client = engine.client()
    try:
        stream = client.api.build(
            path=str(request.context),
            dockerfile=str(request.dockerfile),
            tag=request.tags[0] if request.tags else None,
            rm=True,
            forcerm=True,
            pull=False,
            nocache=request.no_cache,
            network_mode="host",
            target=request.target,
            buildargs=dict(request.build_args) or None,
            labels=dict(request.labels) or None,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise _failure(request, str(chunk["error"]).strip(), log)
            text = chunk.get("stream")
            if isinstance(text, str):
                for line in text.splitlines():
                    log.append(line)
                    if on_line is not None and line.strip():
                        on_line(line)
            aux = chunk.get("aux")
            if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
                image_id = aux["ID"]
        if not image_id:
            raise _failure(request, "the engine named no image", log)
        for tag in request.tags[1:]:
            repository, _, version = tag.rpartition(":")
            client.api.tag(image_id, repository, version)
    except docker.errors.APIError as exc:
        raise _failure(request, str(exc.explanation or exc), log) from None
    except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
        raise BuildError(
            f"building {request.name}: cannot reach the docker engine ({exc})", hint=HINT
        ) from None
    finally:
        client.close()
    return EngineBuild(image_id, "classic", tuple(log))


def engine_version(engine: Engine) -> tuple[int, int]:
    """The engine's (major, minor) version, e.g. (20, 10)."""
    client = engine.client()
    try:
        text = str(client.version().get("Version", "0.0"))
    finally:
        client.close()
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in text.split(".")[:2]]
    major, minor, *_ = [*parts, 0, 0]
    return major, minor


def check_buildkit(request: BuildRequest, engine: Engine) -> None:
    """BuildError when the BuildKit build ``request`` needs cannot be done here."""
    needs = ", ".join(str(need) for need in request.buildkit)
    if not os.access(engine.docker_cli, os.X_OK):
        raise BuildError(
            f"{request.name} needs BuildKit for {needs}: the docker SDK builds with the classic "
            f"builder, and {engine.docker_cli} (Debian's docker CLI, BuildKit built in) is "
            "not installed",
            hint="apt-get install docker.io, or write the Dockerfile without those features",
        )
    heredocs = [need for need in request.buildkit if need.feature == "heredoc"]
    if heredocs:
        version = engine_version(engine)
        if version < HEREDOC_ENGINE:
            lines = ", ".join(str(need.line) for need in heredocs)
            raise BuildError(
                f"{request.name} uses heredocs (line {lines}): they need BuildKit's "
                f"Dockerfile frontend 1.4, built into Docker Engine 23 and later; this engine "
                f"is {version[0]}.{version[1]} and the docker/dockerfile frontend image cannot "
                "be pulled here, so it cannot be built here",
                hint="write the script as RUN lines joined with &&, or build on a newer engine "
                "(DOCKER_HOST)",
            )


def _buildkit(
    request: BuildRequest, engine: Engine, on_line: Callable[[str], None] | None
) -> EngineBuild:
    check_buildkit(request, engine)
    with tempfile.TemporaryDirectory(prefix="imagekit-buildkit-") as scratch:
        iidfile = Path(scratch) / "iid"
        command = [str(engine.docker_cli), "build", "--network", "host", "--progress", "plain"]
        command += ["--iidfile", str(iidfile), "--file", str(request.dockerfile)]
        for tag in request.tags:
            command += ["--tag", tag]
        if request.target:
            command += ["--target", request.target]
        for key, value in request.build_args:
            command += ["--build-arg", f"{key}={value}"]
        for key, value in request.labels:
            command += ["--label", f"{key}={value}"]
        if request.no_cache:
            command.append("--no-cache")
        command.append(str(request.context))
        env = {**engine.cli_env, "DOCKER_BUILDKIT": "1"}
        log: list[str] = []
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise BuildError(
                f"building {request.name}: cannot run {engine.docker_cli}: {exc}"
            ) from None
        assert process.stdout is not None
        with process:
            for raw in process.stdout:
                line = raw.rstrip("\n")
                log.append(line)
                if on_line is not None and line.strip():
                    on_line(line)
        if process.returncode != 0:
            raise _failure(request, f"docker build (BuildKit) exited {process.returncode}", log)
        image_id = iidfile.read_text(encoding="utf-8").strip() if iidfile.exists() else ""
    if not image_id:
        raise _failure(request, "docker build (BuildKit) named no image", log)
    return EngineBuild(image_id, "buildkit", tuple(log))
