"""``imagekit report``: size reports without pushing (compare), the size trend from the
ledger (history), and the pull-request comment (pr)."""

from __future__ import annotations

import click

from imagekit.cli.common import group_class


def register(cli: click.Group) -> None:
    """Add the ``report`` group to ``cli``."""

    @cli.group(cls=group_class())
    def report() -> None:
        """Size reports: compare images, show the size trend, comment on pull requests."""

    _size_commands(report)
    _comment_commands(report)


def _size_commands(group: click.Group) -> None:
    """``compare`` and ``history``: size deltas between images, and their trend."""
    from imagekit.cli.sizes import add_size_commands

    add_size_commands(group)


def _comment_commands(group: click.Group) -> None:
    """``pr``: the size report as one sticky comment on a pull or merge request."""
