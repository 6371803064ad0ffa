"""IK301 executable-without-ca-bundle: a program shipped on a base without CA certificates.

The shipped image counts as carrying a program when its chain (the target stage and the
stages it is built FROM) copies in any file that is not obviously data: a COPY or ADD
whose source is not a heredoc, not a CA bundle, not under /etc or /usr/share (passwd,
group, zoneinfo) and has no data extension (.json, .yaml, .html, .css, ...). Directories
count, since they usually hold the program. An ADD of a local archive unpacks a root file
system whose contents are unknown, so such an image is not judged.

The helpers below (base lookup, bundle copies, package installs) are shared with IK302.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import parse_assignments, split_words
from imagekit.lint.context import Context, normalize_path, path_covers
from imagekit.lint.findings import Violation
from imagekit.lint.pathindex import Marks
from imagekit.lint.shellfacts import has_option, option_values, positionals, subcommand

RULE = "IK301"

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
"""File names of CA bundles (Debian/Alpine, Red Hat, OpenSSL's default, curl's download)."""
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
_DATA_EXTENSIONS = frozenset(
    {
        "json", "yaml", "yml", "toml", "ini", "conf", "cfg", "env", "properties", "xml",
        "html", "htm", "css", "js", "mjs", "map", "txt", "md", "csv", "tsv", "svg",
        "png", "jpg", "jpeg", "gif", "ico", "webp", "woff", "woff2", "ttf", "otf", "eot",
        "pem", "crt", "cer", "key", "sql", "mod", "sum", "lock",
    }
)  # fmt: skip
_DATA_NAMES = frozenset({"license", "readme", "notice", "copying", "passwd", "group"})
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst")


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
        if fnmatch.fnmatchcase(name, str(entry.get("name", ""))) and fnmatch.fnmatchcase(
            tag, str(entry.get("tag", "*"))
        ):
            return BaseBundle(
                root.base,
                name,
                bool(entry.get("ca_bundle", True)),
                bool(entry.get("runtime_roots", False)),
            )
    return BaseBundle(root.base, name, True, False)


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


def is_data(source: str) -> bool:
    """A source that is obviously not a program: heredoc, /etc or /usr/share file, data file."""
    if source.startswith("<<"):
        return True
    path = normalize_path(source)
    if path.startswith(("/etc/", "/usr/share/")):
        return True
    base = posixpath.basename(path).lower()
    stem, dot, extension = base.rpartition(".")
    if dot and stem and extension in _DATA_EXTENSIONS:
        return True
    return base.split(".")[0] in _DATA_NAMES


def _is_archive(source: str) -> bool:
    lowered = source.lower()
    return "://" not in lowered and lowered.endswith(_ARCHIVE_SUFFIXES)


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


def check(ctx: Context) -> Iterator[Violation]:
    shipped = ctx.shipped
    if not shipped:
        return
    base = base_bundle(ctx, shipped[-1])
    if base is None or base.ca_bundle or base.runtime_roots:
        return
    has_bundle = False
    program: tuple[Copy, str] | None = None
    destinations: list[str] = []
    env_paths: list[str] = []
    for stage in shipped:
        for instruction in stage.instructions:
            if instruction.keyword == "RUN":
                has_bundle = has_bundle or any(
                    installs_bundle(c) for c in ctx.commands(instruction)
                )
                continue
            env_paths.extend(bundle_env(ctx, instruction).values())
            copy = copy_of(ctx, instruction)
            if copy is None:
                continue
            if copy.instruction.keyword == "ADD" and any(_is_archive(s) for s in copy.sources):
                return  # a root file system of unknown contents
            destinations.append(normalize_path(copy.dest))
            if copies_bundle(copy):
                has_bundle = True
                continue
            programs = [s for s in copy.sources if not is_data(s)]
            if programs:
                program = (copy, programs[-1])
    if program is None or has_bundle:
        return
    copied = Marks()
    for d in destinations:
        copied.add(d, 0)
    for value in env_paths:
        path = normalize_path(value)
        if copied.over(path) is not None or copied.under(path) is not None:
            return
    copy, source = program
    builder = copy.source_stage or "build"
    yield ctx.at(
        RULE,
        copy.instruction,
        f"{source} is shipped on {base.name}, which has no CA bundle, and no instruction adds "
        'one: its first TLS connection fails with "x509: failed to load system roots and no '
        f'roots provided"; add `COPY --from={builder} /etc/ssl/certs/ca-certificates.crt '
        "/etc/ssl/certs/`",
    )
