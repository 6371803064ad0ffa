"""TLS for the embedded registry: a self-signed CA kept in the data directory and a
server certificate it signs for 127.0.0.1, localhost and this host's name. Clients trust
the CA (``docker`` through /etc/docker/certs.d/HOST:PORT/ca.crt, imagekit through
``--ca-cert``).

The CA is made once and kept, so a client that trusts it keeps working across restarts;
the server certificate is made again when it lacks a name or nears its end.
``cryptography`` is imported inside the functions that use it.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imagekit.errors import ServiceError
from imagekit.services.datadir import write_private

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    certificate: Path
    key: Path


def names_for(host: str) -> list[str]:
    """The names the server certificate covers: loopback, this host's name, ``host``."""
    names = {"127.0.0.1", "localhost", socket.gethostname(), host}
    return sorted(name for name in names if name and name not in ("0.0.0.0", "::"))


def ensure(
    directory: Path, names: list[str], *, now: datetime.datetime | None = None
) -> Certificates:
    """The CA and a server certificate for ``names`` in ``directory``, made when missing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    moment = now or datetime.datetime.now(datetime.UTC)
    paths = Certificates(
        ca=directory / "ca.crt", certificate=directory / "server.crt", key=directory / "server.key"
    )
    ca_key_path = directory / "ca.key"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if paths.ca.exists() and ca_key_path.exists():
            ca_cert = x509.load_pem_x509_certificate(paths.ca.read_bytes())
            loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{ca_key_path} is not an EC key")
            ca_key = loaded
        else:
            ca_key = ec.generate_private_key(ec.SECP256R1())
            ca_cert = _ca_certificate(ca_key, moment)
            write_private(ca_key_path, _private_pem(ca_key))
            paths.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        if not _server_fits(paths, ca_cert, names, moment):
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _server_certificate(key, ca_key, ca_cert, names, moment)
            write_private(paths.key, _private_pem(key))
            paths.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    except (OSError, ValueError) as exc:
        raise ServiceError(f"cannot make the TLS certificates in {directory}: {exc}") from None
    return paths


def _private_pem(key: EllipticCurvePrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _ca_certificate(key: EllipticCurvePrivateKey, now: datetime.datetime) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagekit local registry CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: EllipticCurvePrivateKey,
    ca_key: EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: list[str],
    now: datetime.datetime,
) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _general_names(names: list[str]) -> list[x509.GeneralName]:
    from cryptography import x509

    found: list[x509.GeneralName] = []
    for name in names:
        try:
            found.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            found.append(x509.DNSName(name))
    return found


def _server_fits(
    paths: Certificates, ca_cert: x509.Certificate, names: list[str], now: datetime.datetime
) -> bool:
    """Whether the server certificate exists, is the CA's, covers ``names`` and has more
    than RENEW_BEFORE left."""
    from cryptography import x509

    if not (paths.certificate.exists() and paths.key.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(paths.certificate.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    covered = set(_general_names(names)) <= set(san)
    fresh = cert.not_valid_after_utc - now > RENEW_BEFORE
    return covered and fresh and cert.issuer == ca_cert.subject
