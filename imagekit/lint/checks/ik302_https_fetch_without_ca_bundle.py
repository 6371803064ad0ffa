"""IK302 https-fetch-without-ca-bundle: curl, wget or git over HTTPS with no CA bundle.

Every stage is judged, not only shipped ones: a download that fails certificate checks in
a builder stage breaks the build just the same. A stage has a bundle when its base has one
(rules/data/ca-bundles.toml), or when an earlier instruction in its lineage (or an earlier
command of the same RUN) installs ca-certificates, copies a bundle in, or sets
SSL_CERT_FILE/SSL_CERT_DIR; a RUN that mounts something at /etc/ssl or /etc/pki has one
for itself. Fetches that bring their own trust (``curl --cacert``,
``wget --ca-certificate``) or switch verification off (``-k``, ``--no-check-certificate``,
``http.sslVerify=false``) are not flagged, and neither is the wget of the busybox image,
which does not verify certificates at all and so does not fail for want of a bundle: IK303
reports both, since they download without any check.
``ADD https://...`` is fetched by the builder, never by the stage. A RUN is reported once,
at its first fetch that needs a bundle.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.cabundle import (
    BUNDLE_ENV,
    BaseBundle,
    base_bundle,
    copies_bundle,
    copy_of,
    installed_packages,
    installs_bundle,
    mounts_bundle,
)
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import has_option, option_values, subcommand

RULE = "IK302"
_TRUST_ENV = BUNDLE_ENV | {
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "GIT_SSL_NO_VERIFY",
}
_GIT_FETCHES = frozenset({"clone", "fetch", "pull", "ls-remote"})
_GIT_VALUE_OPTIONS = ("-c", "-C", "--git-dir", "--work-tree", "--namespace")


_State = tuple[bool, "Command | None"]
"""After some instructions: whether a bundle came in, and the last apt install of a fetcher."""


def check(ctx: Context) -> Iterator[Violation]:
    roots: dict[int, Stage] = {}  # per stage index: the first stage of its lineage
    ends: dict[int, _State] = {}  # per stage index: the state after the stage
    for stage in ctx.dockerfile.stages:
        root = roots[stage.index] = roots[stage.parent] if stage.parent is not None else stage
        base = base_bundle(ctx, root)
        if base is None or base.ca_bundle:
            continue
        yield from _stage(ctx, stage, base, ends)


def _stage(
    ctx: Context, stage: Stage, base: BaseBundle, ends: dict[int, _State]
) -> Iterator[Violation]:
    state: _State = (False, None)
    if stage.parent is not None:
        known = ends.get(stage.parent)
        if known is not None:
            state = known
        else:
            for owner in ctx.lineage(stage)[:-1]:
                state = yield from _walk(ctx, owner, base, state, report=False)
    ends[stage.index] = yield from _walk(ctx, stage, base, state, report=True)


def _walk(
    ctx: Context, owner: Stage, base: BaseBundle, state: _State, report: bool
) -> Generator[Violation, None, _State]:
    """Follow the instructions of ``owner``; report its fetches when ``report``."""
    has_bundle, no_recommends = state
    for instruction in owner.instructions:
        if instruction.keyword == "ENV" and set(_env_keys(ctx, instruction)) & _TRUST_ENV:
            has_bundle = True
        copy = copy_of(ctx, instruction)
        if copy is not None and copies_bundle(copy):
            has_bundle = True
        if instruction.keyword != "RUN":
            continue
        reported = mounts_bundle(ctx, instruction)
        for command in ctx.commands(instruction):
            if installs_bundle(command):
                has_bundle = True
            elif _installs_fetcher(command):
                no_recommends = command
            if has_bundle or not report or reported:
                continue
            url = _https_fetch(command, base)
            if url is not None:
                # One finding per RUN: the first failing fetch stops it.
                reported = True
                yield ctx.on(RULE, command, _message(command, url, base, no_recommends))
    return has_bundle, no_recommends


def _env_keys(ctx: Context, instruction: Instruction) -> list[str]:
    return [k for k, _, _ in parse_assignments(instruction.args, ctx.dockerfile.escape)]


def _installs_fetcher(command: Command) -> bool:
    """An apt install of curl, wget or git that did not bring ca-certificates along."""
    if command.name not in ("apt-get", "apt", "aptitude"):
        return False
    return bool({"curl", "wget", "git"}.intersection(installed_packages(command) or []))


def _https_fetch(command: Command, base: BaseBundle) -> str | None:
    """The https:// URL a curl, wget or git command downloads, if it needs a CA bundle."""
    if any(key in _TRUST_ENV for key, _ in command.env):
        return None
    name = command.name
    if name == "curl":
        if has_option(command, "-k", "--insecure", "--cacert", "--capath", "--ca-native"):
            return None
    elif name == "wget":
        if base.repository == "busybox":
            return None  # busybox's wget applet does not verify certificates
        if has_option(command, "--no-check-certificate", "--ca-certificate", "--ca-directory"):
            return None
    elif name == "git":
        if subcommand(command, _GIT_VALUE_OPTIONS) not in _GIT_FETCHES:
            return None
        settings = [v.replace(" ", "").lower() for v in option_values(command, "-c")]
        if any(
            s.startswith(("http.sslverify=", "http.sslcainfo=", "http.sslcapath="))
            for s in settings
        ):
            return None
    else:
        return None
    for arg in command.argv:
        value = arg.partition("=")[2] if arg.startswith("--url=") else arg
        if value.lower().startswith("https://"):
            return value
    return None


def _message(command: Command, url: str, base: BaseBundle, no_recommends: Command | None) -> str:
    if no_recommends is not None:
        why = (
            f"{base.name} has none and `{no_recommends.name} install --no-install-recommends` "
            "left out ca-certificates"
        )
    else:
        why = f"{base.name} has none and nothing installs ca-certificates"
    return (
        f"`{command.name}` fetches {url} but the stage has no CA bundle ({why}), so the "
        f"certificate check fails; install ca-certificates before `{command.name}` runs, "
        f"or fetch with `ADD {url}`"
    )
