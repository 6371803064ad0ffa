"""The CA bundle at /etc/ssl/certs/ca-certificates.crt, without running update-ca-certificates.

:func:`bundle_of` concatenates certificates as update-ca-certificates does: in the order
of the sorted certificate names (``mozilla/NAME.crt``, as the package's postinst lists them
in /etc/ca-certificates.conf), each ending with a newline. :func:`read_bundle` reads a
bundle given on the command line or the machine's, and refuses a file without a
certificate in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from imagekit.errors import BuildError, InputError

BUNDLE = "etc/ssl/certs/ca-certificates.crt"
#: The bundle of this machine's ca-certificates package.
MACHINE_BUNDLE = Path("/") / BUNDLE
_BEGIN = b"-----BEGIN CERTIFICATE-----"


def bundle_of(certificates: Iterable[tuple[str, bytes]]) -> bytes:
    """One bundle of ``(name, PEM text)`` pairs: sorted by name, each ending in a newline."""
    parts = []
    for _, pem in sorted(certificates):
        parts.append(pem if pem.endswith(b"\n") else pem + b"\n")
    bundle = b"".join(parts)
    if _BEGIN not in bundle:
        raise BuildError("the CA bundle would hold no certificate")
    return bundle


def count(bundle: bytes) -> int:
    """How many PEM certificates ``bundle`` holds."""
    return bundle.count(_BEGIN)


def read_bundle(path: Path, what: str) -> bytes:
    """The PEM bundle at ``path``; InputError when missing or when it holds no certificate."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{what} {path}: no such file",
            hint="install ca-certificates, pass --ca-bundle FILE, or --no-ca-certificates",
        ) from None
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot read it ({exc.strerror})") from None
    if _BEGIN not in data:
        raise InputError(f"{what} {path}: holds no PEM certificate")
    return data if data.endswith(b"\n") else data + b"\n"


#: Where ca-certificates keeps the certificates it ships (``mozilla/NAME.crt``).
SHARED_CERTIFICATES = Path("/usr/share/ca-certificates")


def machine_bundle(shared: Path = SHARED_CERTIFICATES, bundle: Path = MACHINE_BUNDLE) -> bytes:
    """The bundle of this machine's ca-certificates package, as a fresh install makes it:
    every certificate it ships, not the local ones an administrator added (those would
    leak this machine into the image). Without the package's directory: ``bundle``."""
    if shared.is_dir():
        found = [
            (path.relative_to(shared).as_posix(), path.read_bytes())
            for path in shared.rglob("*.crt")
            if path.is_file()
        ]
        if found:
            return bundle_of(found)
    return read_bundle(bundle, "the machine's CA bundle")
