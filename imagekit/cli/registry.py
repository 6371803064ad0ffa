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
    """``login`` and ``logout``: credentials stored as the docker CLI stores them."""
