"""The error family of imagekit.

Every failure the user can act on is an :class:`ImagekitError`. Each class carries the
process exit code it maps to and a stable kebab-case reference that scripts and docs can
rely on. Domain code raises these; only the CLI turns them into output and an exit code.
"""

from __future__ import annotations

from typing import ClassVar


class ImagekitError(Exception):
    """Base class: a failure with a message, an optional hint, an exit code and a reference."""

    exit_code: ClassVar[int] = 1
    ref: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        """One line for stderr: ``imagekit: error[<ref>]: <message> (hint: <hint>)``."""
        line = f"imagekit: error[{self.ref}]: {self.message}"
        if self.hint:
            line += f" (hint: {self.hint})"
        return " ".join(line.splitlines())


class UsageError(ImagekitError):
    """The command line asks for something that does not exist or does not fit together."""

    exit_code = 2
    ref = "usage"


class InputError(ImagekitError):
    """An input file cannot be read (missing, a directory, not permitted, ...)."""

    exit_code = 2
    ref = "unreadable-input"


class ImageError(InputError):
    """An image, manifest, config or layer is malformed or does not match its digests."""

    ref = "bad-image"


class PolicyFailure(ImagekitError):
    """Findings at or above the failure threshold, or a size budget exceeded."""

    exit_code = 1
    ref = "policy-failure"


class ConfigError(ImagekitError):
    """A configuration or catalogue file is malformed."""

    exit_code = 2
    ref = "config"


class RegistryError(ImagekitError):
    """A container registry refused or failed a request."""

    exit_code = 3
    ref = "registry"


class BuildError(ImagekitError):
    """An image build failed."""

    exit_code = 4
    ref = "build"


class ServiceError(ImagekitError):
    """The embedded S3 endpoint or registry could not be started, stopped or reached."""

    exit_code = 5
    ref = "service"


class PublishError(ImagekitError):
    """A report could not be published: the size ledger, or a pull-request comment."""

    exit_code = 6
    ref = "publish"


class InternalError(ImagekitError):
    """A bug in imagekit: something that should not happen did."""

    exit_code = 70
    ref = "internal"


#: Every error class, for documentation and tests.
ALL_ERRORS: tuple[type[ImagekitError], ...] = (
    UsageError,
    InputError,
    ImageError,
    PolicyFailure,
    ConfigError,
    RegistryError,
    BuildError,
    ServiceError,
    PublishError,
    InternalError,
)
