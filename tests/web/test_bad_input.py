"""Bad input: a registry that is down or slow, a manifest that is malformed, a repository
with 10,000 tags, a blob that 404s, media types no image has. Each page says what failed
for that item and shows the rest; none is a traceback.

The real test registry holds what it lets one store (an artifact, a config that is not an
image config, an image whose layer blob was deleted through the API). What it refuses to
store or takes minutes to build (manifest bytes that are not JSON, a manifest type it
does not know, 10,000 tags) comes from a scripted stand-in that checks every request the
UI sends it; a registry that does not answer is a socket that never does.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from tests.registry.double import Answer, Seen, free_port, serve
from tests.web.conftest import Make
from tests.web.images import Filled
from tests.web.test_pages import settled, text_of

TAGS = 10_000
PAGE = 1000


def no_traceback(response: Any) -> None:
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_a_registry_that_is_down(make_client: Make) -> None:
    ui = make_client(f"127.0.0.1:{free_port()}", wait=5.0)
    page = ui.get("/")
    assert page.status_code == 503
    no_traceback(page)
    assert "unreachable" in text_of(page.text, "error-message")
    image = ui.get("/r/some/repo/-/tag/v1")
    assert image.status_code == 502
    no_traceback(image)
    assert "unreachable" in image.text
    repository = ui.get("/r/some/repo")
    assert repository.status_code == 200
    assert "unreachable" in repository.text
    no_traceback(repository)


@pytest.fixture
def silent() -> Iterator[str]:
    """A registry that takes connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_registry_that_is_slow(make_client: Make, silent: str) -> None:
    ui = make_client(silent, timeout=1.0, wait=0.2)
    started = time.monotonic()
    first = ui.get("/")
    assert time.monotonic() - started < 1.0  # the page does not wait for the registry
    assert first.status_code == 200 and 'id="computing"' in first.text
    assert '<meta http-equiv="refresh" content="2">' in first.text
    deadline = time.monotonic() + 20
    while True:
        page = ui.get("/")
        if page.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert page.status_code == 503
    assert "timed out" in page.text
    no_traceback(page)


def test_a_blob_that_404s_and_a_config_that_is_no_image_config(
    make_client: Make, filled: Filled
) -> None:
    ui = make_client(filled.registry, prefix=filled.namespace, wait=10.0)
    name = filled.repo("broken")
    gone = settled(ui, f"/r/{name}/-/tag/gone", 'id="analysis-error"')
    assert gone.status_code == 200
    assert filled.deleted_blob[:19] in gone.text  # the layers are still listed
    error = text_of(gone.text, "analysis-error")
    assert "BLOB_UNKNOWN" in error or "404" in error
    assert 'href="?retry=1"' in gone.text
    bad = ui.get(f"/r/{name}/-/tag/config")
    assert bad.status_code == 200
    problems = re.search(r'<section class="problems" id="problems">(.*?)</section>', bad.text, re.S)
    assert problems and "rootfs.diff_ids" in problems.group(1)
    assert 'data-layer="0"' in bad.text  # its layer is shown all the same
    overview = settled(ui, "/", 'id="total-bytes"')
    assert overview.status_code == 200
    no_traceback(overview)


def test_an_artifact_is_shown_as_one(make_client: Make, filled: Filled) -> None:
    ui = make_client(filled.registry, prefix=filled.namespace, wait=5.0)
    name = filled.repo("artifact")
    page = ui.get(f"/r/{name}/-/tag/sig")
    assert page.status_code == 200
    assert text_of(page.text, "kind") == "artifact"
    assert "application/vnd.example.chart.config.v1+json" in page.text
    assert 'id="analysis"' not in page.text
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    repository = settled(ui, f"/r/{name}", 'id="referenced-bytes"')
    assert "application/vnd.example.chart.config.v1+json" in repository.text


# -- the scripted stand-in ---------------------------------------------------------------

CONFIG = json.dumps(
    {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
).encode()
IMAGE = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": {
            "mediaType": mediatype.OCI_CONFIG,
            "digest": str(Digest.of_bytes(CONFIG)),
            "size": len(CONFIG),
        },
        "layers": [],
    }
).encode()
MALFORMED = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", '
UNKNOWN = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.example.future.manifest.v9+json",
        "blobs": [{"mediaType": "application/x-thing", "digest": "sha256:" + "ab" * 32, "size": 7}],
    }
).encode()
DOCUMENTS = {
    "big/tags": {f"t{i:05d}": (IMAGE, mediatype.OCI_MANIFEST) for i in range(TAGS)},
    "odd/things": {
        "malformed": (MALFORMED, mediatype.OCI_MANIFEST),
        "unknown": (UNKNOWN, "application/vnd.example.future.manifest.v9+json"),
        "fine": (IMAGE, mediatype.OCI_MANIFEST),
    },
}
BY_DIGEST = {
    str(Digest.of_bytes(raw)): (raw, kind)
    for tags in DOCUMENTS.values()
    for raw, kind in tags.values()
}


def route(seen: Seen) -> Answer:
    """A read-only registry of :data:`DOCUMENTS`; every request is checked."""
    assert seen.method in ("GET", "HEAD"), seen
    path, _, query = seen.path.partition("?")
    if path == "/v2/":
        return 200, {"Content-Type": "application/json"}, b"{}"
    if path == "/v2/_catalog":
        assert "n=" in query
        body = json.dumps({"repositories": sorted(DOCUMENTS)}).encode()
        return 200, {"Content-Type": "application/json"}, body
    match = re.fullmatch(r"/v2/(.+)/(tags/list|manifests|blobs)(?:/(.+))?", path)
    assert match, seen.path
    repo, kind, ref = match.groups()
    tags = DOCUMENTS.get(repo)
    if tags is None:
        return 404, {}, b'{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}'
    if kind == "tags/list":
        names = sorted(tags)
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        start = names.index(params["last"]) + 1 if "last" in params else 0
        size = min(int(params.get("n", PAGE)), PAGE)
        chunk = names[start : start + size]
        headers = {"Content-Type": "application/json"}
        if start + size < len(names):
            headers["Link"] = f'</v2/{repo}/tags/list?n={size}&last={chunk[-1]}>; rel="next"'
        return 200, headers, json.dumps({"name": repo, "tags": chunk}).encode()
    if kind == "blobs":
        assert ref == str(Digest.of_bytes(CONFIG)), ref
        return 200, {"Content-Type": "application/octet-stream"}, CONFIG
    assert mediatype.OCI_MANIFEST in (seen.header("Accept") or ""), seen.headers
    found = tags.get(ref or "") or BY_DIGEST.get(ref or "")
    if found is None:
        return 404, {}, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}'
    raw, media = found
    headers = {"Content-Type": media, "Docker-Content-Digest": str(Digest.of_bytes(raw))}
    return 200, headers, raw


def test_a_repository_with_10000_tags_is_paged(make_client: Make) -> None:
    with serve(route) as double:
        ui = make_client(double.address, wait=0.0, page_size=50)
        started = time.monotonic()
        first = ui.get("/r/big/tags", params={"sort": "name"})
        took = time.monotonic() - started
        assert first.status_code == 200
        assert re.findall(r'<tr data-tag="([^"]+)"', first.text) == [f"t{i:05d}" for i in range(50)]
        assert f"page 1 of {TAGS // 50} ({TAGS} tags)" in first.text
        last = ui.get("/r/big/tags", params={"sort": "name", "page": str(TAGS // 50)})
        assert re.findall(r'<tr data-tag="([^"]+)"', last.text)[-1] == f"t{TAGS - 1:05d}"
        beyond = ui.get("/r/big/tags", params={"page": "99999"})
        assert beyond.status_code == 200  # clamped to the last page
        found = ui.get("/r/big/tags", params={"q": "t0999", "sort": "name"})
        assert re.findall(r'<tr data-tag="([^"]+)"', found.text) == [f"t0999{i}" for i in range(10)]
        pages = [s for s in double.seen if s.path.startswith("/v2/big/tags/tags/list")]
        assert len(pages) >= TAGS // PAGE
        print(f"\nfirst page of a {TAGS}-tag repository: {took:.2f} s")


def test_a_malformed_manifest_and_an_unknown_media_type(make_client: Make) -> None:
    with serve(route) as double:
        ui = make_client(double.address, wait=10.0, prefix="odd")
        overview = settled(ui, "/", 'id="total-bytes"')
        assert overview.status_code == 200
        bad = ui.get("/r/odd/things/-/tag/malformed")
        assert bad.status_code == 200
        assert text_of(bad.text, "kind") == "malformed"
        assert "not valid JSON" in bad.text
        no_traceback(bad)
        unknown = ui.get("/r/odd/things/-/tag/unknown")
        assert unknown.status_code == 200
        assert text_of(unknown.text, "kind") == "artifact"
        assert "application/vnd.example.future.manifest.v9+json" in unknown.text
        assert "application/x-thing" in unknown.text
        repository = settled(ui, "/r/odd/things", 'id="referenced-bytes"')
        assert 'data-tag="fine"' in repository.text and 'data-tag="malformed"' in repository.text
        no_traceback(repository)
