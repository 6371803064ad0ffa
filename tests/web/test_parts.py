"""The UI's pure parts: the analysis file, growth from ledger records, markup filters,
CSRF tokens, --listen parsing, and the command line's refusals (one line, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from imagekit.analyze import diff
from imagekit.cli import cli
from imagekit.oci.digest import Digest
from imagekit.report.record import LedgerRecord
from imagekit.web import analysisfile
from imagekit.web.growth import growth_of, tag_changes
from imagekit.web.render import inline_code, when
from imagekit.web.security import csrf_token, csrf_valid
from imagekit.web.server import parse_listen
from tests.report.examples import example_analysis, old_image


def test_the_analysis_file_keeps_everything_a_page_and_a_diff_need() -> None:
    from imagekit.analyze import analyze

    analysis = example_analysis()
    back = analysisfile.load(analysisfile.dump(analysis))
    assert back == analysis
    assert dict(back.files) == dict(analysis.files)
    old = analyze(old_image())
    assert diff(old, back) == diff(old, analysis)
    with pytest.raises(ValueError):
        analysisfile.load(b'{"version": 999}')
    with pytest.raises(ValueError):
        analysisfile.load(b'{"version": 1, "analysis": {}}')


def record(tag: str, time: float, size: int | None) -> LedgerRecord:
    return LedgerRecord(
        "r:5000", "app", tag, Digest.of_bytes(f"{tag}{time}".encode()), time, size, None, ()
    )


def test_growth_sums_each_tags_change_over_the_window() -> None:
    records = [
        record("latest", 1, 100),
        record("v1", 2, 50),
        record("latest", 3, 130),
        record("latest", 4, 160),
        record("v2", 5, 999),  # pushed once: no change to count
    ]
    grown = growth_of("app", records)
    assert grown is not None and grown.bytes == 60 and grown.pushes == 5 and grown.since == 1
    assert growth_of("app", [record("a", 1, 10), record("b", 2, 20)]) is None
    shrunk = growth_of("app", [record("a", 2, 10), record("a", 1, 30)])
    assert shrunk is not None and shrunk.bytes == -20
    changes = tag_changes(records)
    assert changes["latest"].delta == 30 and changes["latest"].size == 160
    assert changes["v2"].delta is None
    assert tag_changes([record("a", 1, None), record("a", 2, 5)])["a"].delta is None


def test_inline_code_escapes_what_it_is_given() -> None:
    assert str(inline_code("run `rm -rf /x` then <b>")) == (
        "run <code>rm -rf /x</code> then &lt;b&gt;"
    )
    assert str(inline_code("`<script>`")) == "<code>&lt;script&gt;</code>"
    assert str(inline_code("one ` left")) == "one ` left"
    assert when("2024-05-01T12:00:00Z") == "2024-05-01 12:00 UTC"
    assert when("") == "-" and when("not a time") == "not a time"


def test_csrf_tokens_belong_to_one_cookie_and_one_origin() -> None:
    secret = b"s" * 32
    token = csrf_token(secret, "cookie-1")
    own = "http://127.0.0.1:8080"
    assert csrf_valid(secret, "cookie-1", token, None, None, own)
    assert csrf_valid(secret, "cookie-1", token, own, "same-origin", own)
    assert not csrf_valid(secret, "cookie-2", token, None, None, own)
    assert not csrf_valid(b"t" * 32, "cookie-1", token, None, None, own)
    assert not csrf_valid(secret, "cookie-1", "", None, None, own)
    assert not csrf_valid(secret, None, token, None, None, own)
    assert not csrf_valid(secret, "cookie-1", token, "http://evil.example", None, own)
    assert not csrf_valid(secret, "cookie-1", token, "null", None, own)
    assert not csrf_valid(secret, "cookie-1", token, None, "cross-site", own)


def test_listen_addresses() -> None:
    from imagekit.errors import UsageError

    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    for bad in ("8080", "host:", ":80", "h:99999", "h:x"):
        with pytest.raises(UsageError):
            parse_listen(bad)


def one_line(args: list[str], env: dict[str, str], *parts: str) -> None:
    result = CliRunner().invoke(cli, ["registry", "ui", *args], env=env)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("imagekit: error"), result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0]


def test_the_command_refuses_what_it_cannot_serve_safely(tmp_path: Path) -> None:
    env = {"IMAGEKIT_REGISTRY_DIR": str(tmp_path / "none"), "IMAGEKIT_CACHE_DIR": str(tmp_path)}
    one_line(["--registry", "127.0.0.1:1", "--listen", "0.0.0.0:8080"], env, "--auth")
    one_line([], env, "no embedded registry runs")
    one_line(["--registry", "127.0.0.1:1", "--listen", "nowhere"], env, "HOST:PORT")
    one_line(["--registry", "127.0.0.1:1", "--auth", "ldap", "x"], env, "htpasswd")
    one_line(
        ["--registry", "127.0.0.1:1", "--auth", "htpasswd", str(tmp_path / "no")],
        env,
        "cannot read",
    )
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        one_line(
            ["--registry", "127.0.0.1:1", "--listen", f"127.0.0.1:{port}"], env, "cannot listen"
        )
