"""``imagekit registry``: the embedded S3-backed registry (up, down, status, config) and
registry credentials (login, logout)."""

from __future__ import annotations

import click

from imagekit.cli.common import group_class


def register(cli: click.Group) -> None:
    """Add the ``registry`` group to ``cli``."""

    @cli.group(cls=group_class())
    def registry() -> None:
        """Run the embedded S3-backed registry, and log in to registries."""

    _service_commands(registry)
    _login_commands(registry)
    _ui_commands(registry)
    _cleanup_commands(registry)


def _service_commands(group: click.Group) -> None:
    """``up``, ``down``, ``status`` and ``config``: the embedded registry and its deployment."""
    import json
    from pathlib import Path
    from typing import Any

    from imagekit.cli.common import config_of, err, format_option, out
    from imagekit.errors import ServiceError, UsageError

    def data_dir_option(function: Any) -> Any:
        return click.option(
            "--data-dir",
            type=click.Path(file_okay=False),
            help="The registry's data directory (default: IMAGEKIT_REGISTRY_DIR, else "
            "~/.local/share/imagekit/registry).",
        )(function)

    def data_dir_of(ctx: click.Context, given: str | None) -> Path:
        return Path(given or config_of(ctx).registry_dir)

    def htpasswd_of(given: str | None) -> tuple[str, str | None] | None:
        if given is None:
            return None
        user, sep, password = given.partition(":")
        return (user, password if sep else None)

    @group.command()
    @click.option("--port", type=int, default=5000, show_default=True, help="Registry port.")
    @data_dir_option
    @click.option(
        "--htpasswd",
        metavar="USER[:PASSWORD]",
        help="Require this user (basic auth, bcrypt); without a password one is generated "
        "and shown once on stderr (or the user's earlier one kept).",
    )
    @click.option("--tls", is_flag=True, help="Serve HTTPS with a local CA's certificate.")
    @format_option(("text", "json"), "text")
    @click.pass_context
    def up(
        ctx: click.Context,
        port: int,
        data_dir: str | None,
        htpasswd: str | None,
        tls: bool,
        fmt: str,
    ) -> None:
        """Start the embedded registry (distribution on a local S3 endpoint); images pushed
        earlier to the same data directory are still there. Prints the address (and with
        --tls the CA certificate's path)."""
        from imagekit.services import Settings
        from imagekit.services import up as start

        config = config_of(ctx)
        settings = Settings(
            data_dir=data_dir_of(ctx, data_dir),
            port=port,
            htpasswd=htpasswd_of(htpasswd),
            tls=tls,
            weed=config.weed,
            path=config.path,
        )
        registry = start(settings, progress=err)
        if registry.generated_password is not None:
            err(
                f"imagekit: the password of {registry.username} is "
                f"{registry.generated_password} (shown only this once)"
            )
        if fmt == "json":
            ca = str(registry.ca_cert) if registry.ca_cert else None
            out(
                json.dumps(
                    {
                        "address": registry.address,
                        "url": registry.url,
                        "ca_cert": ca,
                        "bucket": registry.bucket,
                        "s3_endpoint": registry.s3_endpoint,
                        "data_dir": str(registry.data_dir),
                        "username": registry.username,
                    },
                    indent=2,
                )
            )
            return
        out(registry.address)
        if registry.ca_cert is not None:
            out(str(registry.ca_cert))

    @group.command()
    @data_dir_option
    @click.pass_context
    def down(ctx: click.Context, data_dir: str | None) -> None:
        """Stop the embedded registry (its data stays for the next `up`)."""
        from imagekit.services import down as stop

        root = data_dir_of(ctx, data_dir)
        stopped = stop(root)
        if not stopped:
            raise ServiceError(
                f"no embedded registry runs from {root}",
                hint="nothing to stop; `imagekit registry status` shows what runs",
            )
        for line in stopped:
            err(f"stopped the {line}")

    @group.command()
    @data_dir_option
    @format_option(("text", "json"), "text")
    @click.pass_context
    def status(ctx: click.Context, data_dir: str | None, fmt: str) -> None:
        """Show the registry's processes, address, bucket and stored bytes; exit 5 unless
        both processes run."""
        from imagekit.report.sizes import human_size
        from imagekit.services import status as inspect

        found = inspect(data_dir_of(ctx, data_dir))
        if fmt == "json":
            document = {
                "data_dir": str(found.data_dir),
                "running": found.running,
                "address": found.address,
                "url": found.url,
                "bucket": found.bucket,
                "s3_endpoint": found.s3_endpoint,
                "processes": [
                    {"name": p.name, "pid": p.pid, "running": p.running} for p in found.processes
                ],
                "stored_objects": found.stored_objects,
                "stored_bytes": found.stored_bytes,
            }
            out(json.dumps(document, indent=2))
        else:
            lines = [f"data dir   {found.data_dir}"]
            if not found.processes:
                lines.append("never started from this data directory")
            for process in found.processes:
                state = "running" if process.running else "stopped"
                pid = f" (pid {process.pid})" if process.pid is not None and process.running else ""
                lines.append(f"{process.name:<10} {state}{pid}")
            if found.address:
                lines.append(f"address    {found.address} ({found.url})")
            if found.bucket:
                lines.append(f"bucket     {found.bucket} on {found.s3_endpoint}")
            if found.stored_bytes is not None:
                lines.append(
                    f"stored     {human_size(found.stored_bytes)} in {found.stored_objects} objects"
                )
            out("\n".join(lines))
        if not found.running:
            ctx.exit(ServiceError.exit_code)

    @group.command()
    @click.option("--s3-bucket", "bucket", required=True, help="The bucket every replica shares.")
    @click.option("--s3-region", "region", help="The bucket's region (needed for the config).")
    @click.option("--s3-endpoint", "endpoint", help="An S3-compatible endpoint URL (not AWS).")
    @click.option(
        "--redirect/--no-redirect",
        default=True,
        show_default=True,
        help="Send clients to pre-signed S3 URLs for blobs.",
    )
    @click.option("--http-secret", help="The shared http.secret (generated when not given).")
    @click.option(
        "--root-directory", default="/registry", show_default=True, help="Key prefix in the bucket."
    )
    @click.option(
        "--iam-policy", is_flag=True, help="Print the IAM policy the S3 driver needs instead."
    )
    def config(
        bucket: str,
        region: str | None,
        endpoint: str | None,
        redirect: bool,
        http_secret: str | None,
        root_directory: str,
        iam_policy: bool,
    ) -> None:
        """Print the registry config for production: stateless replicas behind a load
        balancer on one S3 bucket with one http.secret, keys from an IAM role or the
        environment. With --iam-policy, the least-privilege IAM policy for the bucket."""
        from imagekit.services import generate_http_secret, production_config
        from imagekit.services import iam_policy as policy

        if iam_policy:
            out(json.dumps(policy(bucket), indent=2))
            return
        if not region:
            raise UsageError(
                "--s3-region is needed for the config", hint="e.g. --s3-region us-east-1"
            )
        generated = http_secret is None
        text = production_config(
            bucket=bucket,
            region=region,
            http_secret=http_secret or generate_http_secret(),
            endpoint=endpoint,
            redirect=redirect,
            root_directory=root_directory,
        )
        if generated:
            err("imagekit: generated a new http.secret: give every replica this same config")
        out(text)


def _login_commands(group: click.Group) -> None:
    """``login`` and ``logout``: credentials stored as the docker CLI stores them.

    Nothing goes to stdout; "Login Succeeded" and the other messages go to stderr.
    """
    import sys
    from pathlib import Path
    from typing import TYPE_CHECKING

    from imagekit.cli.common import config_of, err
    from imagekit.errors import InputError, UsageError

    if TYPE_CHECKING:
        from imagekit.registry.credentials import CredentialStore

    def store_of(ctx: click.Context) -> CredentialStore:
        from imagekit.registry.credentials import CredentialStore

        config = config_of(ctx)
        return CredentialStore(Path(config.docker_config), path=config.path)

    def password_of(given: str | None, from_stdin: bool) -> str:
        if given is not None and from_stdin:
            raise UsageError("--password and --password-stdin exclude each other")
        if from_stdin:
            password = sys.stdin.read().removesuffix("\n").removesuffix("\r")
        elif given is not None:
            err(
                "imagekit: warning: --password shows the password to other users of this "
                "machine and keeps it in the shell's history; use --password-stdin"
            )
            password = given
        elif sys.stdin.isatty():
            password = str(click.prompt("Password", hide_input=True, err=True))
        else:
            raise UsageError(
                "no password: stdin is not a terminal to ask on",
                hint="pipe it in with --password-stdin",
            )
        if not password:
            raise UsageError("the password is empty")
        return password

    @group.command()
    @click.argument("host")
    @click.option("-u", "--username", help="The user name (asked for on a terminal if not given).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    @click.option(
        "-p", "--password", help="The password (discouraged: others can see it; a warning)."
    )
    @click.option("--insecure", is_flag=True, help="Reach HOST over plain HTTP.")
    @click.option(
        "--ca-cert",
        type=click.Path(dir_okay=False),
        help="Trust the CA certificates in this PEM file for HOST's HTTPS.",
    )
    @click.pass_context
    def login(
        ctx: click.Context,
        host: str,
        username: str | None,
        password_stdin: bool,
        password: str | None,
        insecure: bool,
        ca_cert: str | None,
    ) -> None:
        """Log in to the registry HOST: check the credentials against it, then store them
        where the docker CLI would (a credential helper, else config.json)."""
        import ssl

        from imagekit.registry.auth import Credentials
        from imagekit.registry.dockerconfig import hostname
        from imagekit.registry.login import check_credentials
        from imagekit.registry.transport import Transport

        registry = hostname(host)
        if not registry:
            raise UsageError(f"no registry host in {host!r}")
        transport = Transport()
        if ca_cert is not None:
            try:
                transport = Transport(ssl_context=ssl.create_default_context(cafile=ca_cert))
            except (OSError, ssl.SSLError) as exc:
                raise InputError(f"--ca-cert {ca_cert}: not a readable PEM file ({exc})") from None
        if username is None:
            if password_stdin or not sys.stdin.isatty():
                raise UsageError("--username is needed when there is no terminal to ask on")
            username = click.prompt("Username", err=True)
        secret = password_of(password, password_stdin)
        credentials = Credentials(str(username), secret)
        check_credentials(registry, credentials, insecure=insecure, transport=transport)
        store = store_of(ctx)
        where = store.where(registry)
        store.store(registry, credentials)
        if where == str(store.config_file):
            err(
                f"imagekit: warning: the password is stored unencrypted in {where}; "
                "a credential helper (credsStore) keeps it safer"
            )
        err("Login Succeeded")

    @group.command()
    @click.argument("host")
    @click.pass_context
    def logout(ctx: click.Context, host: str) -> None:
        """Forget the stored credentials for the registry HOST."""
        from imagekit.registry.dockerconfig import hostname

        registry = hostname(host)
        if not registry:
            raise UsageError(f"no registry host in {host!r}")
        if store_of(ctx).erase(registry):
            err(f"Removing login credentials for {registry}")
        else:
            err(f"Not logged in to {registry}")


def _cleanup_commands(group: click.Group) -> None:
    """``usage``, ``prune`` and ``gc``: storage accounting, retention and garbage
    collection (:mod:`imagekit.cli.registry_cleanup`)."""
    from imagekit.cli.registry_cleanup import add_commands

    add_commands(group)


def _ui_commands(group: click.Group) -> None:
    """``ui``: the registry browser in a web browser (:mod:`imagekit.cli.registry_ui`)."""
    from imagekit.cli.registry_ui import add_command

    add_command(group)
