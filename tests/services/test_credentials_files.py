"""The htpasswd file (bcrypt) and the TLS CA and server certificate."""

from __future__ import annotations

import datetime
import stat
from pathlib import Path

import bcrypt
import pytest
from cryptography import x509

from imagekit.errors import UsageError
from imagekit.services import htpasswd, tls


def test_htpasswd_holds_a_bcrypt_hash_that_verifies(tmp_path: Path) -> None:
    path = tmp_path / "htpasswd"
    htpasswd.write(path, "alice", "s3cret")
    user, hashed = path.read_text().strip().split(":", 1)
    assert user == "alice" and hashed.startswith("$2")
    assert bcrypt.checkpw(b"s3cret", hashed.encode())
    assert "s3cret" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert htpasswd.verify(path, "alice", "s3cret")
    assert not htpasswd.verify(path, "alice", "wrong")
    assert not htpasswd.verify(path, "bob", "s3cret")
    assert htpasswd.users(tmp_path / "missing") == {}


@pytest.mark.parametrize(
    ("user", "password", "message"),
    [
        ("", "pw", "not a user name"),
        ("a:b", "pw", "not a user name"),
        ("a b", "pw", "not a user name"),
        ("alice", "", "empty"),
        ("alice", "x" * 73, "longer than 72 bytes"),
    ],
)
def test_bad_htpasswd_users_and_passwords(user: str, password: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        htpasswd.check_user(user, password)
    assert password not in info.value.message or not password


def test_generated_passwords_differ() -> None:
    assert len({htpasswd.generate_password() for _ in range(5)}) == 5


def test_certificates_cover_the_names_and_the_ca_is_kept(tmp_path: Path) -> None:
    made = tls.ensure(tmp_path / "tls", ["127.0.0.1", "localhost"])
    ca = x509.load_pem_x509_certificate(made.ca.read_bytes())
    server = x509.load_pem_x509_certificate(made.certificate.read_bytes())
    assert server.issuer == ca.subject
    server.verify_directly_issued_by(ca)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert stat.S_IMODE(made.key.stat().st_mode) == 0o600
    same = tls.ensure(tmp_path / "tls", ["127.0.0.1", "localhost"])
    assert same.certificate.read_bytes() == made.certificate.read_bytes()
    wider = tls.ensure(tmp_path / "tls", ["127.0.0.1", "localhost", "registry.test"])
    assert wider.ca.read_bytes() == made.ca.read_bytes()
    renewed = x509.load_pem_x509_certificate(wider.certificate.read_bytes())
    assert "registry.test" in renewed.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)
    before = wider.certificate.read_bytes()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=380)
    tls.ensure(tmp_path / "tls", ["127.0.0.1", "localhost", "registry.test"], now=later)
    assert wider.certificate.read_bytes() != before  # renewed: under 30 days were left
    assert wider.ca.read_bytes() == made.ca.read_bytes()


def test_names_cover_loopback_and_the_host() -> None:
    names = tls.names_for("0.0.0.0")
    assert "127.0.0.1" in names and "localhost" in names and "0.0.0.0" not in names
