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


def _service_commands(group: click.Group) -> None:
    """``up``, ``down``, ``status`` and ``config``: the embedded registry and its deployment."""


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
