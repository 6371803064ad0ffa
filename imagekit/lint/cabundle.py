"""What makes a stage trust HTTPS: CA bundles in base images, copies, installs and mounts.

Shared by IK301 (a program shipped without a bundle) and IK302 (a fetch without one).
"""

import fnmatch
import posixpath
from collections.abc import Mapping
from typing import Any, NamedTuple

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import parse_assignments, split_words
from imagekit.lint.context import Context, normalize_path, path_covers
from imagekit.lint.shellfacts import has_option, option_values, positionals, subcommand

BUNDLE_FILES = frozenset(
    {
        "ca-certificates.crt",
        "ca-bundle.crt",
        "ca-bundle.pem",
        "tls-ca-bundle.pem",
        "cacert.pem",
        "cert.pem",
    }
)


BUNDLE_DIRS = ("/etc/ssl", "/etc/pki")


BUNDLE_ENV = frozenset({"SSL_CERT_FILE", "SSL_CERT_DIR"})


# Packages that pull in ca-certificates through Depends (so even with
# --no-install-recommends), and those that only recommend it (Debian bookworm).
_DEPENDS_ON_CA = (
    "ca-certificates",
    "ca-certificates-bundle",
    "ca-certificates-java",
    "python3-pip",
    "python3-certifi",
    "python3-requests",
    "software-properties-common",
    "nodejs",
    "npm",
    "openjdk-*-jre*",
    "openjdk-*-jdk*",
)


_RECOMMENDS_CA = frozenset({"curl", "wget", "git", "libcurl4", "libcurl3-gnutls"})


_VALUE_OPTIONS = (
    "-o",
    "-c",
    "-t",
    "--target-release",
    "--option",
    "--config-file",
    "--virtual",
    "-X",
    "--repository",
)


_INSTALLERS = {
    "apt-get": ("install",),
    "apt": ("install",),
    "aptitude": ("install",),
    "apk": ("add",),
    "yum": ("install",),
    "dnf": ("install",),
    "microdnf": ("install",),
    "tdnf": ("install",),
    "zypper": ("install", "in"),
}


class BaseBundle(NamedTuple):
    """What the table says about the image at the root of a stage's lineage."""

    name: str
    """The base as written after ARG substitution, e.g. ``debian:bookworm-slim``."""
    repository: str
    """The name the table matches: no registry, no ``library/``, e.g. ``debian``."""
    ca_bundle: bool
    runtime_roots: bool


def base_bundle(ctx: Context, stage: Stage) -> BaseBundle | None:
    """The CA-bundle entry of the stage's external base; None when the base is unresolved."""
    root = ctx.lineage(stage)[0]
    if not root.base_resolved:
        return None
    if root.is_scratch:
        name, tag = "scratch", "latest"
    elif root.image is not None:
        name = root.image.repository.lower().removeprefix("library/")
        tag = (root.image.tag or "latest").lower()
    else:
        return None
    for entry in _entries(ctx.data("ca-bundles")):
        if table_match(name, str(entry.get("name", ""))) and table_match(
            tag, str(entry.get("tag", "*"))
        ):
            return BaseBundle(
                root.base,
                name,
                bool(entry.get("ca_bundle", True)),
                bool(entry.get("runtime_roots", False)),
            )
    return BaseBundle(root.base, name, True, False)


def table_match(value: str, pattern: str) -> bool:
    """``fnmatch.fnmatchcase(value, pattern)`` for the patterns of the base-image tables,
    without compiling a pattern that has no wildcard (most are plain names)."""
    if pattern == "*":
        return True
    if not _WILDCARDS.intersection(pattern):
        return value == pattern
    return fnmatch.fnmatchcase(value, pattern)


_WILDCARDS = frozenset("*?[")


def _entries(table: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = table.get("image", [])
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


class Copy(NamedTuple):
    instruction: Instruction
    sources: tuple[str, ...]
    dest: str
    source_stage: str | None
    """The ``--from`` value, if any."""


def copy_of(ctx: Context, instruction: Instruction) -> Copy | None:
    """Sources and destination of a COPY or ADD (heredoc sources keep their ``<<``)."""
    if instruction.keyword not in ("COPY", "ADD"):
        return None
    if instruction.exec_form is not None:
        words = list(instruction.exec_form)
    else:
        words = [w.value for w in split_words(instruction.args, ctx.dockerfile.escape)]
    if len(words) < 2:
        return None
    from_values = instruction.flag_values("from")
    return Copy(instruction, tuple(words[:-1]), words[-1], from_values[0] if from_values else None)


def copies_bundle(copy: Copy) -> bool:
    """True when a COPY/ADD brings a CA bundle: by file name, from or into /etc/ssl, /etc/pki."""
    dest = normalize_path(copy.dest)
    if any(path_covers(d, dest) for d in BUNDLE_DIRS):
        return True
    for source in copy.sources:
        if source.startswith("<<"):
            continue
        path = normalize_path(source)
        if posixpath.basename(path) in BUNDLE_FILES:
            return True
        if path.startswith("/") and any(
            path_covers(d, path) or path_covers(path, d) for d in BUNDLE_DIRS
        ):
            return True
    return False


def installed_packages(command: Command) -> list[str] | None:
    """Package names an install command names (versions and architectures stripped)."""
    verbs = _INSTALLERS.get(command.name)
    if verbs is None or subcommand(command, _VALUE_OPTIONS) not in verbs:
        return None
    names = positionals(command, _VALUE_OPTIONS)[1:]
    return [n.split("=", 1)[0].split(":", 1)[0].lower() for n in names]


def installs_bundle(command: Command) -> bool:
    """True when the command installs ca-certificates, directly or as a dependency.

    curl, wget and git only recommend it on Debian and Ubuntu, so they bring it only when
    installed without --no-install-recommends.
    """
    packages = installed_packages(command)
    if not packages:
        return False
    if any(fnmatch.fnmatchcase(p, pattern) for p in packages for pattern in _DEPENDS_ON_CA):
        return True
    if command.name not in ("apt-get", "apt", "aptitude"):
        return False
    if not _RECOMMENDS_CA.intersection(packages):
        return False
    return not _no_recommends(command)


def _no_recommends(command: Command) -> bool:
    if has_option(command, "--no-install-recommends", "--without-recommends"):
        return True
    for value in option_values(command, "-o") + option_values(command, "--option"):
        key, _, setting = value.partition("=")
        if key.lower() == "apt::install-recommends" and setting.strip("'\"").lower() in (
            "0",
            "false",
            "no",
            "off",
        ):
            return True
    return False


def mounts_bundle(ctx: Context, instruction: Instruction) -> bool:
    """True when a ``RUN --mount`` puts something at /etc/ssl or /etc/pki for that RUN."""
    for mount in ctx.mounts(instruction):
        target = normalize_path(mount.target)
        if any(path_covers(d, target) or path_covers(target, d) for d in BUNDLE_DIRS):
            return True
    return False


def bundle_env(ctx: Context, instruction: Instruction) -> dict[str, str]:
    """SSL_CERT_FILE / SSL_CERT_DIR set by an ENV instruction."""
    if instruction.keyword != "ENV":
        return {}
    return {
        key: value
        for key, value, _ in parse_assignments(instruction.args, ctx.dockerfile.escape)
        if key in BUNDLE_ENV and value
    }
