"""``imagekit build go PATH`` at run time: the compile starts first, and what the outputs
need (the docker SDK and a connection to the engine, the pusher) is made ready in a thread
while it runs. The command's options are in :mod:`imagekit.cli.build`."""

from __future__ import annotations

import contextlib
import importlib
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imagekit.cli.build import (
    DELIVERY_MODULES,
    deliver,
    opener_of,
    pairs,
    source_date_epoch,
    work_store,
)
from imagekit.cli.common import err
from imagekit.cli.gostart import EarlyGo, compile_plan
from imagekit.config import Config
from imagekit.errors import UsageError


class Preload:
    """Imports what the outputs will need (the writers, the pusher, the engine's client),
    connects to the engine and opens the load of the first ``docker-daemon:`` output
    (:class:`~imagekit.build.engineload.EarlyLoad`) in a thread, started once the compile
    runs: a Go build spends most of its time in the compiler with the interpreter idle,
    and this would be time of a release's own otherwise. A failure here is left for the
    output itself to meet and report."""

    def __init__(self, outputs: Sequence[str], pushes: Sequence[str], docker_host: str) -> None:
        self._engine_output = next((o for o in outputs if o.startswith("docker-daemon:")), None)
        self._pusher = bool(pushes)
        self._docker_host = docker_host
        self._thread: threading.Thread | None = None
        self.client: Any = None
        self.early_load: Any = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="imagekit-preload")
            self._thread.start()

    def _load(self) -> None:
        with contextlib.suppress(Exception):
            for module in DELIVERY_MODULES:
                importlib.import_module(module)
            if self._pusher:
                importlib.import_module("imagekit.cli.push")
            if self._engine_output is not None:
                from imagekit.build.engineload import EarlyLoad
                from imagekit.build.outputs import parse_output
                from imagekit.oci.engineapi import SocketEngine, engine_api

                self.client = engine_api(self._docker_host)
                if isinstance(self.client, SocketEngine):
                    self.client.connect()
                reference = parse_output(self._engine_output).location
                self.early_load = EarlyLoad(self.client, reference)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def close(self) -> None:
        self.join()
        if self.early_load is not None:
            self.early_load.cancel()
        if self.client is not None:
            self.client.close()


def run_go(
    config: Config,
    path: str,
    options: dict[str, Any],
    outputs: Sequence[str],
    fmt: str,
    early: EarlyGo | None = None,
) -> None:
    """The compile starts as soon as the arguments are checked, before the rest of the
    builder is imported: what follows it costs a release no time of its own. ``early``
    holds the compile :mod:`imagekit.cli.gostart` started before the command line was
    parsed; it is taken when it is the one asked for."""
    from imagekit.build.gocompile import start_compiles

    builds, name = compile_plan(
        path, options["platform"], options["package"], options["name"] or "", options["tags"] or ""
    )
    chosen = tuple(build.platform for build in builds)
    tags = builds[0].tags
    module_dir = Path(path)
    labels = pairs(options["label"], "--label")
    env = tuple(f"{k}={v}" for k, v in pairs(options["env"], "--env"))
    annotations = pairs(options["annotation"], "--annotation")
    if options["ca_bundle"] and not options["ca_certificates"]:
        raise UsageError("--ca-bundle and --no-ca-certificates contradict each other")
    epoch = source_date_epoch(config)
    err(f"building {module_dir} for {', '.join(str(p) for p in chosen)} on {options['base']}")
    preload = Preload(outputs, options["pushes"], config.docker_host)
    started = early.adopt(builds, name) if early is not None else None
    with contextlib.ExitStack() as stack:
        if started is not None and early is not None:
            scratch = str(early.scratch)
        else:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="imagekit-build-"))
        cache_dir = Path(config.cache_dir)
        compiles = started or start_compiles(
            builds, Path(scratch) / "bin", name, cache_dir=cache_dir, path=config.path
        )
        preload.start()
        try:
            from imagekit.build.goimage import (
                GoEnvironment,
                GoImageRequest,
                build_go_image,
                source_revision,
            )

            request = GoImageRequest(
                module_dir,
                chosen,
                package=options["package"],
                name=name,
                base=options["base"],
                ca_certificates=options["ca_certificates"],
                ca_bundle=Path(options["ca_bundle"]) if options["ca_bundle"] else None,
                tzdata=options["tzdata"],
                user=options["user"],
                env=env,
                labels=labels,
                annotations=annotations,
                version=options["image_version"] or "",
                revision="" if options["no_git"] else source_revision(module_dir),
                tags=tags,
                epoch=epoch,
            )
            with work_store(config, scratch) as store:
                built = build_go_image(
                    request,
                    store,
                    GoEnvironment(cache_dir, config.path),
                    opener=opener_of(options["insecure_registry"]),
                    compiles=compiles,
                )
                preload.join()
                deliver(
                    built,
                    outputs,
                    fmt,
                    platform=chosen[0] if len(chosen) == 1 else None,
                    pushes=options["pushes"],
                    config=config,
                    insecure=options["insecure_registry"],
                    docker_client=preload.client,
                    early_load=preload.early_load,
                )
        finally:
            for compile_ in compiles:
                compile_.cancel()
            preload.close()
