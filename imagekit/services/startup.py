"""``up``: start the embedded registry of a data directory, or return the one running.

Order: the S3 endpoint (weed) on its loopback ports, the bucket, then the registry on
``host:port``. State is saved as soon as a process starts, so ``down`` can stop it even
when a later step fails; a failed ``up`` stops what it started itself.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from imagekit.errors import UsageError
from imagekit.services import htpasswd as htpasswd_file
from imagekit.services import tls as tls_files
from imagekit.services.datadir import Layout, locked, prepare, write_private
from imagekit.services.distribution import Tls, embedded_config, find_registry, registry_argv
from imagekit.services.embedded import (
    EmbeddedRegistry,
    Settings,
    all_running,
    child_environment,
    registry_of,
    s3_url,
    stop_processes,
)
from imagekit.services.network import (
    GRPC_OFFSET,
    check_port,
    http_status,
    pick_ports,
    port_free,
    require_free,
    wait_until,
)
from imagekit.services.processes import spawn
from imagekit.services.s3 import (
    COMPONENTS,
    Endpoint,
    ensure_bucket,
    find_weed,
    s3_client,
    weed_argv,
    write_identities,
)
from imagekit.services.state import State, load_state, save_state

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def up(settings: Settings, *, progress: Progress = _quiet) -> EmbeddedRegistry:
    """Start the registry of ``settings.data_dir`` (data kept from earlier runs), or return
    the one already running there with the same settings. Other settings while it runs
    are a UsageError: ``down`` comes first."""
    check_port(settings.port)
    if settings.htpasswd is not None:
        htpasswd_file.check_user(*settings.htpasswd)
    layout = prepare(settings.data_dir)
    with locked(layout):
        state = load_state(layout.root)
        if state is not None and state.processes:
            if all_running(state):
                _check_same(state, settings, layout)
                progress(f"the registry from {layout.root} already runs")
                return registry_of(state, layout)
            stopped = stop_processes(state, settings.stop_timeout)
            for line in stopped:
                progress(f"stopped the leftover {line}")
            if stopped:
                _wait_for_ports(state, settings)
            state = state.stopped()
            save_state(layout.root, state)
        return _start(settings, layout, state, progress)


def _wait_for_ports(state: State, settings: Settings) -> None:
    """Give the ports of processes just stopped a moment to be released (a process whose
    command line has gone may still be closing its listeners)."""
    ports = [*state.s3_ports.values(), *(p + GRPC_OFFSET for p in state.s3_ports.values())]
    if state.port:
        ports.append(state.port)
    deadline = time.monotonic() + settings.stop_timeout
    host = state.host or settings.host
    while any(not port_free(host, p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.1)


def _check_same(state: State, settings: Settings, layout: Layout) -> None:
    differences = []
    if (state.host, state.port) != (settings.host, settings.port):
        differences.append(f"address {state.host}:{state.port}")
    if state.tls != settings.tls:
        differences.append("TLS" if state.tls else "no TLS")
    if state.username != settings.username:
        differences.append(f"user {state.username}" if state.username else "no htpasswd")
    else:
        user, password = settings.htpasswd or ("", None)
        if password is not None and not htpasswd_file.verify(layout.htpasswd, user, password):
            differences.append("another password")
    if state.bucket != settings.bucket:
        differences.append(f"bucket {state.bucket}")
    if differences:
        raise UsageError(
            f"the registry from {layout.root} already runs with other settings "
            f"({', '.join(differences)})",
            hint=f"stop it first: imagekit registry down --data-dir {layout.root}",
        )


def _ports(state: State, settings: Settings) -> dict[str, int]:
    """weed's ports: the data directory's own (weed keeps its master metadata by port), or
    new free ones for a new data directory."""
    if state.s3_ports:
        for component, port in state.s3_ports.items():
            for taken in (port, port + GRPC_OFFSET):
                require_free(
                    "127.0.0.1",
                    taken,
                    f"the S3 endpoint's {component} port, fixed for this data directory",
                )
        return dict(state.s3_ports)
    return dict(
        zip(
            COMPONENTS, pick_ports("127.0.0.1", len(COMPONENTS), avoid={settings.port}), strict=True
        )
    )


def _start(
    settings: Settings, layout: Layout, previous: State | None, progress: Progress
) -> EmbeddedRegistry:
    weed = find_weed(settings.weed, path=settings.path)
    registry_binary = find_registry(settings.registry_binary, path=settings.path)
    require_free(settings.host, settings.port, "wanted for the registry")
    state = previous or State.new(bucket=settings.bucket, region=settings.region)
    if previous is not None and previous.bucket != settings.bucket:
        raise UsageError(
            f"the data directory {layout.root} keeps its images in the bucket {previous.bucket}",
            hint="use another --data-dir for another bucket",
        )
    state = replace(
        state,
        s3_ports=_ports(state, settings),
        host=settings.host,
        port=settings.port,
        tls=settings.tls,
        username=settings.username,
    )
    current = [state]

    def record(new: State) -> None:
        current[0] = new
        save_state(layout.root, new)

    record(state)
    env = child_environment(settings.path, layout.root)
    generated: str | None = None
    try:
        endpoint = _start_s3(weed, layout, current[0], env, settings, record, progress)
        generated = _htpasswd(settings, layout)
        _start_registry(
            registry_binary, layout, current[0], endpoint, env, settings, record, progress
        )
    except BaseException:
        stop_processes(current[0], settings.stop_timeout)
        save_state(layout.root, current[0].stopped())
        if generated is not None:  # nobody was told that password: forget it
            layout.htpasswd.unlink(missing_ok=True)
        raise
    return replace(registry_of(current[0], layout), generated_password=generated)


Record = Callable[[State], None]


def _start_s3(
    weed: Path,
    layout: Layout,
    state: State,
    env: dict[str, str],
    settings: Settings,
    record: Record,
    progress: Progress,
) -> Endpoint:
    """Start weed, wait until S3 answers, create the bucket when missing."""
    progress(f"starting the S3 endpoint on {s3_url(state)} ...")
    write_identities(layout, state.access_key, state.secret_key)
    argv = weed_argv(weed, layout, state.s3_ports)
    s3 = spawn("S3 endpoint", argv, log=layout.logs / "weed.log", env=env, cwd=layout.root)
    record(replace(state, processes={**state.processes, "s3": s3}))
    wait_until(
        lambda: http_status(s3_url(state)) is not None,
        process=s3,
        what="the S3 endpoint",
        timeout=settings.start_timeout,
        secrets=(state.secret_key,),
    )
    endpoint = Endpoint(s3_url(state), state.region, state.access_key, state.secret_key)
    ensure_bucket(s3_client(endpoint), state.bucket, timeout=settings.start_timeout)
    return endpoint


def _start_registry(
    binary: Path,
    layout: Layout,
    state: State,
    endpoint: Endpoint,
    env: dict[str, str],
    settings: Settings,
    record: Record,
    progress: Progress,
) -> None:
    """Render the registry's config (TLS certificates made when asked), start it, wait
    until ``/v2/`` answers (401 with htpasswd). On its own, this restarts the registry over
    a running S3 endpoint, e.g. with another config for maintenance."""
    certificates = (
        tls_files.ensure(layout.tls, tls_files.names_for(settings.host)) if settings.tls else None
    )
    config = embedded_config(
        addr=f"{settings.host}:{settings.port}",
        endpoint=endpoint,
        bucket=state.bucket,
        http_secret=state.http_secret,
        htpasswd=layout.htpasswd if settings.htpasswd is not None else None,
        tls=Tls(certificates.certificate, certificates.key) if certificates else None,
    )
    write_private(layout.registry_config, config)
    url = registry_of(state, layout).url
    progress(f"starting the registry on {url} ...")
    registry = spawn(
        "registry",
        registry_argv(binary, layout.registry_config),
        log=layout.logs / "registry.log",
        env=env,
        cwd=layout.root,
    )
    record(replace(state, processes={**state.processes, "registry": registry}))
    context = ssl.create_default_context(cafile=str(certificates.ca)) if certificates else None
    wanted = {401} if settings.htpasswd is not None else {200}
    wait_until(
        lambda: http_status(f"{url}/v2/", context=context) in wanted,
        process=registry,
        what="the registry",
        timeout=settings.start_timeout,
        secrets=(state.secret_key, state.http_secret),
    )


def _htpasswd(settings: Settings, layout: Layout) -> str | None:
    """Write the htpasswd file for ``settings``; the password when one was generated."""
    if settings.htpasswd is None:
        return None
    user, password = settings.htpasswd
    if password is None:
        if user in htpasswd_file.users(layout.htpasswd):
            return None
        generated = htpasswd_file.generate_password()
        htpasswd_file.write(layout.htpasswd, user, generated)
        return generated
    if not htpasswd_file.verify(layout.htpasswd, user, password):
        htpasswd_file.write(layout.htpasswd, user, password)
    return None
