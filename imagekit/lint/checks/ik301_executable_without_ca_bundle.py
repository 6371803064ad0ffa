"""IK301 executable-without-ca-bundle: a program shipped on a base without CA certificates.

The shipped image counts as carrying a program when its chain (the target stage and the
stages it is built FROM) copies in any file that is not obviously data: a COPY or ADD
whose source is not a heredoc, not a CA bundle, not under /etc or /usr/share (passwd,
group, zoneinfo) and has no data extension (.json, .yaml, .html, .css, ...). Directories
count, since they usually hold the program. An ADD of a local archive unpacks a root file
system whose contents are unknown, so such an image is not judged.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from imagekit.lint.cabundle import (
    Copy,
    base_bundle,
    bundle_env,
    copies_bundle,
    copy_of,
    installs_bundle,
)
from imagekit.lint.context import Context, normalize_path
from imagekit.lint.findings import Violation
from imagekit.lint.pathindex import Marks

RULE = "IK301"


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
