"""Image references: ``HOST[:PORT]/REPO[:TAG][@DIGEST]`` and Docker Hub's short forms.

The grammar is the distribution project's: a repository is lowercase path components
(``[a-z0-9]+`` joined by ``.``, ``_``, ``__`` or runs of ``-``) separated by ``/``; a tag is
``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``. The first component names a registry host when it
holds a ``.`` or a ``:``, or is ``localhost``; otherwise the reference is on Docker Hub
(``docker.io``), where a one-component repository lives under ``library/``. A reference
without tag and digest gets the tag ``latest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imagekit.errors import ImageError, UsageError
from imagekit.oci.digest import Digest

DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io"})
DEFAULT_TAG = "latest"
MAX_NAME = 255

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = re.compile(
    rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])(?::[0-9]{{1,5}})?$"
)
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed reference; ``str()`` gives the canonical form, which parses back to it."""

    registry: str
    repository: str
    tag: str = ""
    digest: Digest | None = None

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def name(self) -> str:
        """``HOST/REPO`` without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def identifier(self) -> str:
        """What the manifest endpoint takes: the digest when there is one, else the tag."""
        if self.digest is not None:
            return str(self.digest)
        return self.tag or DEFAULT_TAG

    def with_identifier(self, *, tag: str = "", digest: Digest | None = None) -> Reference:
        return Reference(self.registry, self.repository, tag, digest)


def parse(text: str) -> Reference:
    """A Reference from ``text``; UsageError saying what is wrong otherwise."""
    if not text or text != text.strip():
        raise UsageError(f"invalid image reference {text!r}: empty or surrounded by spaces")
    rest, at, digest_text = text.partition("@")
    digest: Digest | None = None
    if at:
        try:
            digest = Digest.parse(digest_text)
        except ImageError as exc:
            raise UsageError(f"invalid image reference {text!r}: {exc.message}") from None
    name, tag = rest, ""
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        name, tag = rest[:colon], rest[colon + 1 :]
        if not _TAG.match(tag):
            raise UsageError(
                f"invalid image reference {text!r}: tag {tag!r} must match "
                "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
            )
    registry, repository = split_registry(name, text)
    if not tag and digest is None:
        tag = DEFAULT_TAG
    return Reference(registry, repository, tag, digest)


def split_registry(name: str, text: str) -> tuple[str, str]:
    """``(registry, repository)`` of a name without tag and digest, validated."""
    first, slash, remainder = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.match(first):
            raise UsageError(f"invalid image reference {text!r}: bad registry host {first!r}")
        registry, repository = first, remainder
    else:
        registry, repository = DOCKER_HUB, name
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in repository:
            repository = f"library/{repository}"
    for component in repository.split("/"):
        if not _COMPONENT.match(component):
            raise UsageError(
                f"invalid image reference {text!r}: repository component {component!r} must be "
                "lowercase letters and digits separated by '.', '_', '__' or '-'"
            )
    if len(repository) > MAX_NAME:
        raise UsageError(
            f"invalid image reference {text!r}: the repository is longer than {MAX_NAME} characters"
        )
    return registry, repository
