"""IK303 certificate-verification-disabled: a stage turns off TLS or signature checks.

Every stage is judged, builder stages included: what a builder downloads without checks
is what it copies into the image. Reported, one finding per command or ENV/ARG setting:

- download tools: ``curl -k``/``--insecure``/``--proxy-insecure``, ``wget
  --no-check-certificate`` (or ``check_certificate = off`` written to a wgetrc), ``git -c
  http.sslVerify=false``, ``git config http.sslVerify false``, ``GIT_SSL_NO_VERIFY``;
- language package managers: ``pip --trusted-host`` (and ``pip config set
  *.trusted-host``), ``uv --allow-insecure-host``, ``PIP_TRUSTED_HOST``,
  ``UV_INSECURE_HOST``, ``npm``/``yarn``/``pnpm config set strict-ssl false`` (and
  ``--strict-ssl=false``, ``npm_config_strict_ssl=false``), ``NODE_TLS_REJECT_UNAUTHORIZED=0``,
  ``PYTHONHTTPSVERIFY=0``;
- OS package managers (signatures): ``apk --allow-untrusted``, ``apt-get
  --allow-unauthenticated``/``--allow-insecure-repositories``/``--force-yes``, apt options
  and configuration lines such as ``Acquire::AllowInsecureRepositories "true"`` or
  ``Acquire::https::Verify-Peer "false"``, ``[trusted=yes]`` sources, ``yum``/``dnf``/
  ``microdnf``/``tdnf --nogpgcheck``, ``gpgcheck=0``/``sslverify=0`` options and repository
  lines, ``zypper --no-gpg-checks``, ``rpm --nosignature``;
- and, in a stage built on busybox, an https download with BusyBox's own ``wget`` applet,
  which checks no certificate at all ("TLS certificate validation not implemented").

Settings are found in ENV and ARG defaults, as ``NAME=value cmd`` prefixes and in
``export``/``declare -x`` commands.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Heredoc, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.cabundle import base_bundle
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.insecure import config_switch, env_disables, switch

RULE = "IK303"

_TLS_FIX = (
    "trust the server instead: install ca-certificates (and your own CA with "
    "update-ca-certificates), pin the file with `ADD --checksum=sha256:... URL`, or download "
    "in a stage that has a CA bundle and COPY --from it"
)
_SIGNATURE_FIX = (
    "add the repository's signing key instead (/etc/apk/keys, an apt `signed-by` keyring, "
    "`rpm --import`), and install ca-certificates if the repository is served over https"
)


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        busybox: bool | None = None  # looked up at the first https wget of the stage
        for instruction in stage.instructions:
            keyword = instruction.keyword
            if keyword in ("ENV", "ARG"):
                for key, value, _ in parse_assignments(instruction.args, ctx.dockerfile.escape):
                    if value is not None and env_disables(key, value):
                        yield ctx.at(RULE, instruction, _env_message(keyword, key, value))
                        break
                continue
            if keyword not in ("RUN", "COPY", "ADD"):
                continue
            commands = ctx.commands(instruction) if keyword == "RUN" else ()
            for body in _data_heredocs(instruction.heredocs, commands):
                found = config_switch(body)
                if found is not None:
                    yield ctx.at(RULE, instruction, _message(*found))
            for command in commands:
                found = switch(command)
                if found is not None:
                    yield ctx.on(RULE, command, _message(*found))
                    continue
                url = _wget_https(command)
                if url is None:
                    continue
                if busybox is None:
                    busybox = _busybox(ctx, stage)
                if busybox:
                    yield ctx.on(RULE, command, _busybox_message(url))


def _data_heredocs(docs: tuple[Heredoc, ...], commands: tuple[Command, ...]) -> list[str]:
    """Heredoc bodies that are file content, not a script: those of COPY and ADD, and those
    of a RUN in which no command was parsed."""
    out = []
    for doc in docs:
        end = doc.body_start + len(doc.body)
        if not any(doc.body_start <= c.start < end for c in commands):
            out.append(doc.body)
    return out


def _wget_https(command: Command) -> str | None:
    """The https URL a ``wget`` (or ``busybox wget``) command downloads, if any."""
    argv = command.argv
    if command.name == "busybox" and argv[:1] == ("wget",):
        argv = argv[1:]
    elif command.name != "wget":
        return None
    for arg in argv:
        if arg.lower().startswith("https://"):
            return arg
    return None


def _busybox(ctx: Context, stage: Stage) -> bool:
    base = base_bundle(ctx, stage)
    return base is not None and base.repository == "busybox"


def _env_message(keyword: str, key: str, value: str) -> str:
    return (
        f"`{keyword} {key}={value}` turns certificate verification off for every command "
        "after it, so anyone on the network path can replace what the build downloads; "
        f"{_TLS_FIX}"
    )


def _message(what: str, signatures: bool) -> str:
    if signatures:
        return (
            f"`{what}` installs packages without checking their signatures, so a mirror or "
            f"anyone on the network path can slip in other packages; {_SIGNATURE_FIX}"
        )
    return (
        f"`{what}` turns certificate verification off, so anyone on the network path can "
        f"replace what it downloads; {_TLS_FIX}"
    )


def _busybox_message(url: str) -> str:
    return (
        f"BusyBox's wget applet fetches {url} without checking its certificate at all (it "
        'prints "TLS certificate validation not implemented"), so anyone on the network '
        "path can replace the file; pin it with `ADD --checksum=sha256:... URL`, or download "
        "it in a stage that has a CA bundle (install ca-certificates there) and COPY --from it"
    )
