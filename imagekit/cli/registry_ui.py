"""``imagekit registry ui``: the registry browser (:mod:`imagekit.web`) on uvicorn.

The command wires what the web wing may not import itself: the configuration, the
embedded registry (the default), the credential store and the size ledger. Starlette,
Jinja2 and uvicorn (the ``ui`` extra) are imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from imagekit.cli.common import config_of, err, out
from imagekit.errors import UsageError


def add_command(group: click.Group) -> None:
    @group.command()
    @click.option(
        "--registry",
        metavar="HOST:PORT",
        help="The registry to browse (default: the embedded one, `imagekit registry up`).",
    )
    @click.option(
        "--listen",
        default="127.0.0.1:8080",
        show_default=True,
        metavar="HOST:PORT",
        help="Where to serve; anything but loopback needs --auth. Port 0 picks a free one.",
    )
    @click.option(
        "--auth",
        nargs=2,
        metavar="htpasswd FILE",
        help="Require a user of this htpasswd file (bcrypt entries, `htpasswd -B`; the "
        "embedded registry's is DATA_DIR/htpasswd).",
    )
    @click.option(
        "--allow-delete",
        is_flag=True,
        help="Offer deleting tags and repositories (confirmed, CSRF-protected) and the "
        "prune preview.",
    )
    @click.option(
        "--ledger",
        metavar="s3://BUCKET/PREFIX",
        help="The size ledger for trends and growth (default: the embedded registry's).",
    )
    @click.option("--s3-endpoint", metavar="URL", help="The ledger's S3 endpoint (default: AWS).")
    @click.option(
        "--prefix",
        metavar="NAMESPACE",
        default="",
        help="Show only the repositories under NAMESPACE/.",
    )
    @click.option(
        "--refresh",
        type=click.FloatRange(1, 86400),
        default=60.0,
        show_default=True,
        help="Seconds a reading of the registry serves the pages before a new one.",
    )
    @click.option("--insecure", is_flag=True, help="Reach the registry over plain HTTP.")
    @click.option("--quiet", is_flag=True, help="No access log lines on stderr.")
    @click.pass_context
    def ui(ctx: click.Context, /, **options: Any) -> None:
        """Browse the registry in a web browser: storage per repository and tag (shared
        layers counted once), size trends, images with their layers, config and waste
        analysis, diffs, and (with --allow-delete) deletes and a prune preview.

        Prints the address on stdout, then serves until interrupted. Binds to loopback
        unless told otherwise; serving others needs --auth.
        """
        run_ui(ctx, **options)


def run_ui(
    ctx: click.Context,
    *,
    registry: str | None,
    listen: str,
    auth: tuple[str, str] | None,
    allow_delete: bool,
    ledger: str | None,
    s3_endpoint: str | None,
    prefix: str,
    refresh: float,
    insecure: bool,
    quiet: bool,
) -> None:
    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(
            "`imagekit registry ui` needs Starlette, Jinja2 and uvicorn, which are not installed",
            hint="pip install 'imagekit[ui]'",
        ) from None
    from imagekit.cli.sizes import ledger_for
    from imagekit.registry.client import RegistryClient
    from imagekit.registry.credentials import CredentialStore
    from imagekit.registry.transport import RetryPolicy, Transport
    from imagekit.services import load
    from imagekit.web.app import create_app
    from imagekit.web.auth import Htpasswd
    from imagekit.web.browser import UiSettings, make_browser
    from imagekit.web.server import bind, is_loopback, parse_listen, serve, url_of

    config = config_of(ctx)
    host, port = parse_listen(listen)
    users = None
    if auth is not None:
        kind, path = auth
        if kind != "htpasswd":
            raise UsageError(
                f"--auth {kind}: the only kind is htpasswd", hint="--auth htpasswd FILE"
            )
        users = Htpasswd.read(Path(path))
    if users is None and not is_loopback(host):
        raise UsageError(
            f"--listen {listen}: serving beyond this machine needs --auth htpasswd FILE",
            hint="keep the default 127.0.0.1, or give an htpasswd file of bcrypt entries",
        )
    if registry is None:
        embedded = load(Path(config.registry_dir))
        if embedded is None:
            raise UsageError(
                "no --registry, and no embedded registry runs",
                hint="start one with `imagekit registry up`, or name one with --registry HOST:PORT",
            )
        registry = embedded.address
    if not registry or "/" in registry:
        raise UsageError(f"--registry {registry!r}: expected HOST[:PORT]")
    store = CredentialStore(Path(config.docker_config), path=config.path)
    transport = Transport(timeout=15.0, retry=RetryPolicy(attempts=2, backoff=0.25, max_delay=1.0))
    client = RegistryClient(
        registry, insecure=insecure, credentials=store.get(registry), transport=transport
    )
    found_ledger = ledger_for(config, [registry], ledger=ledger, s3_endpoint=s3_endpoint)
    settings = UiSettings(
        registry=registry,
        allow_delete=allow_delete,
        prefix=prefix.strip("/"),
        max_age=refresh,
        users=users,
        trusted_hosts=("127.0.0.1", "localhost", "::1", "[::1]") if is_loopback(host) else ("*",),
    )
    browser = make_browser(settings, client, Path(config.cache_dir) / "ui", ledger=found_ledger)
    app = create_app(browser)
    sock = bind(host, port)
    url = url_of(sock)
    out(url)
    where = f"the size ledger {found_ledger.url}" if found_ledger is not None else "no size ledger"
    err(
        f"imagekit: serving {registry} at {url} ({where}; deletes {'on' if allow_delete else 'off'})"
    )
    try:
        serve(app, sock, access_log=not quiet)
    finally:
        sock.close()
        browser.close()
