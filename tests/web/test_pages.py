"""The UI's pages through Starlette's test client, over a namespace of the real test
registry filled by `imagekit push`: the numbers are the accounting API's and the
registry's, the links lead to pages that exist, an image's analysis is inspect's, and
what a registry, an image or a URL carries is shown escaped."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from imagekit.analyze import analyze
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.reference import Reference
from imagekit.registry.source import RegistryImage
from imagekit.registry.walk import RegistryWalker
from imagekit.report.usage import usage
from tests.web.conftest import Make
from tests.web.images import SCRIPT, Filled


def number(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*data-bytes="(\d+)"', html)
    assert match, f"no #{element_id} with data-bytes"
    return int(match.group(1))


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id}"
    return match.group(1)


def settled(client: Any, path: str, ready: str, timeout: float = 60.0) -> Any:
    """GET ``path`` until its body holds ``ready`` (the accounting or an analysis is done)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(path)
        if ready in response.text or time.monotonic() > deadline:
            assert ready in response.text, response.text[-2000:]
            return response
        time.sleep(0.3)


@pytest.fixture
def ui(make_client: Make, filled: Filled) -> Any:
    return make_client(filled.registry, prefix=filled.namespace, allow_delete=True, wait=10.0)


@pytest.fixture(scope="module")
def accounting(filled: Filled, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The accounting API's own answer for the namespace."""
    client = RegistryClient(filled.registry)
    names = [n for n in client.repositories() if n.startswith(filled.namespace + "/")]
    walker = RegistryWalker(client, tmp_path_factory.mktemp("walk"))
    return usage(walker.snapshot(names))


def test_overview_shows_the_accounting_numbers(ui: Any, filled: Filled, accounting: Any) -> None:
    page = settled(ui, "/", 'id="total-bytes"')
    assert page.status_code == 200
    html = page.text
    assert number(html, "total-bytes") == accounting.total_bytes
    assert int(text_of(html, "repository-count")) == len(accounting.repositories)
    assert int(text_of(html, "tag-count")) == accounting.tag_count
    client = RegistryClient(filled.registry)
    assert accounting.tag_count == sum(len(client.tags(r.name)) for r in accounting.repositories)
    for repository in accounting.repositories:
        row = re.search(
            rf'<tr data-repository="{re.escape(repository.name)}">(.*?)</tr>', html, re.S
        )
        assert row, repository.name
        cells = [int(n) for n in re.findall(r'data-bytes="(\d+)"', row.group(1))]
        assert cells == [
            repository.referenced_bytes,
            repository.unique_bytes,
            repository.shared_bytes,
        ]
    ordered = re.findall(r'<tr data-repository="([^"]+)"', html)
    sizes = {r.name: r.referenced_bytes for r in accounting.repositories}
    assert [sizes[n] for n in ordered] == sorted(sizes.values(), reverse=True)
    # app:v1 was pushed twice (small, then the full app): the ledger's growth shows it
    growth = re.search(r'<table id="growth">(.*?)</table>', html, re.S)
    assert growth and filled.repo("app") in growth.group(1)
    assert "<script>" not in html.replace("<script", "")  # no script element at all


def test_every_link_of_the_overview_and_a_repository_page_answers(ui: Any, filled: Filled) -> None:
    html = settled(ui, "/", 'id="total-bytes"').text
    links = set(re.findall(r'href="(/[^"]*)"', html))
    app = settled(ui, f"/r/{filled.repo('app')}", 'id="referenced-bytes"').text
    links |= set(re.findall(r'href="(/[^"]*)"', app.replace("&amp;", "&")))
    assert any("/-/tag/" in link for link in links)
    for link in sorted(links):
        response = ui.get(link)
        assert response.status_code == 200, (link, response.text[-500:])


def test_repository_page_has_tags_sizes_deltas_chart_and_pull_line(
    ui: Any, filled: Filled, accounting: Any
) -> None:
    name = filled.repo("app")
    html = settled(ui, f"/r/{name}", 'id="referenced-bytes"').text
    expected = accounting.repository(name)
    assert number(html, "referenced-bytes") == expected.referenced_bytes
    assert number(html, "unique-bytes") == expected.unique_bytes
    for tag in expected.tags:
        row = re.search(rf'<tr data-tag="{tag.tag}">(.*?)</tr>', html, re.S)
        assert row, tag.tag
        assert f'data-bytes="{tag.compressed_size}"' in row.group(1)
        assert str(tag.digest)[:19] in row.group(1)
    v1 = re.search(r'<tr data-tag="v1">(.*?)</tr>', html, re.S)
    assert v1 and 'class="n grew"' in v1.group(1)  # v1 grew against its previous push
    assert f'value="docker pull {filled.registry}/{name}:v2"' in html  # the newest tag
    chart = ui.get(f"/r/{name}/-/trend.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
    assert b"<script" not in chart.content


def test_index_shows_each_platform_and_the_attestation(ui: Any, filled: Filled) -> None:
    name = filled.repo("multi")
    html = settled(ui, f"/r/{name}", 'id="referenced-bytes"').text
    assert 'data-platform="linux/amd64"' in html and 'data-platform="linux/arm64"' in html
    page = ui.get(f"/r/{name}/-/tag/1")
    assert page.status_code == 200
    assert text_of(page.text, "kind") == "index"
    assert "attestation" in page.text
    amd = filled.digests["multi:amd64"]
    assert f"/r/{name}/-/digest/{amd}" in page.text


def test_image_page_layers_config_sharing_and_analysis(
    ui: Any, filled: Filled, registry: str
) -> None:
    name = filled.repo("app")
    settled(ui, "/", 'id="total-bytes"')
    page = settled(ui, f"/r/{name}/-/tag/v2", 'id="wasted-bytes"')
    html = page.text
    digest = filled.digests["app:v2"]
    assert digest in html
    image = RegistryImage(
        RegistryClient(registry), Reference(registry, name, digest=Digest.parse(digest))
    )
    expected = analyze(image)
    assert number(html, "wasted-bytes") == expected.wasted_bytes
    assert number(html, "uncompressed-size") == expected.total_uncompressed_size
    assert number(html, "compressed-size") == image.manifest.config.size + sum(
        layer.size for layer in image.manifest.layers
    )
    for index, layer in enumerate(image.manifest.layers):
        row = re.search(rf'<tr data-layer="{index}">(.*?)</tr>', html, re.S)
        assert row and f'data-bytes="{layer.size}"' in row.group(1)
    # layer 0 is the base layer: the base repository shares it
    row0 = re.search(r'<tr data-layer="0">(.*?)</tr>', html, re.S)
    assert row0 and filled.repo("base") in row0.group(1)
    rules = set(re.findall(r'class="rule" href="/rules/(IK\d+)"', html))
    assert rules == {f.rule for f in expected.findings} and rules
    for rule in rules:
        assert ui.get(f"/rules/{rule}").status_code == 200
    # markup from the image is shown as text
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;ik&#39;)&lt;/script&gt;" in html
    assert "MODE=&lt;b&gt;bold&lt;/b&gt;" in html


def test_analysis_is_cached_by_digest_on_disk(ui: Any, filled: Filled) -> None:
    name = filled.repo("app")
    settled(ui, f"/r/{name}/-/tag/v2", 'id="wasted-bytes"')
    digest = Digest.parse(filled.digests["app:v2"])
    path = ui.browser.analyses.path(digest)
    assert path.is_file()
    from imagekit.web import analysisfile

    assert analysisfile.load(path.read_bytes()).digest == str(digest)
    # by digest: the same analysis, found at once
    started = time.monotonic()
    page = ui.get(f"/r/{name}/-/digest/{digest}")
    assert 'id="wasted-bytes"' in page.text and time.monotonic() - started < 2


def test_diff_of_two_tags(ui: Any, filled: Filled, registry: str) -> None:
    name = filled.repo("app")
    ui.get("/")
    page = settled(
        ui, f"/r/{name}/-/diff?old=v2&new={filled.digests['app:v1']}", 'id="diff-summary"'
    )
    assert "0 shared" not in text_of(page.text, "layer-counts")
    assert "3 shared, 0 added, 0 removed" == text_of(page.text, "layer-counts")
    base = ui.get(f"/r/{filled.repo('base')}/-/tag/1.0")
    assert base.status_code == 200
    mixed = settled(
        ui, f"/r/{name}/-/diff?old={filled.digests['base:1.0']}&new=v2", 'id="diff-summary"'
    )
    assert text_of(mixed.text, "layer-counts") == "1 shared, 2 added, 0 removed"
    assert 'id="files-added"' in mixed.text


def test_rule_pages_come_from_the_catalogue(ui: Any) -> None:
    from imagekit.catalog import load_catalog

    rule = load_catalog().get("IK201")
    page = ui.get("/rules/IK201")
    assert page.status_code == 200
    assert text_of(page.text, "rule-title") == f"{rule.id} {rule.name}"
    assert "apt-get update" in page.text
    listing = ui.get("/rules")
    assert all(f'href="/rules/{r.id}"' in listing.text for r in load_catalog())
    assert ui.get("/rules/IK999").status_code == 404


def test_a_tag_named_like_markup_is_shown_not_run(ui: Any, filled: Filled) -> None:
    name = filled.repo("app")
    page = ui.get(f"/r/{name}/-/tag/<script>alert(1)</script>")
    assert page.status_code == 404
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    search = ui.get(f"/r/{name}", params={"q": "<script>x</script>"})
    assert "<script>x" not in search.text and "&lt;script&gt;x&lt;/script&gt;" in search.text


def test_security_headers_and_no_directory_listing(ui: Any) -> None:
    page = ui.get("/rules")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    css = ui.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"
    for path in ("/static/", "/static", "/static/../app.py", "/nothing-here"):
        response = ui.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
        assert "style.css" not in response.text.replace('href="/static/style.css"', "")
    refused = ui.get("/", headers={"Host": "attacker.example"})
    assert refused.status_code == 400
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert ui.post("/r/x").status_code == 405


def test_errors_become_pages_not_tracebacks(make_client: Make, tmp_path: Path) -> None:
    from starlette.requests import Request

    from imagekit.web.app import guarded

    client = make_client("127.0.0.1:1")
    browser = client.browser

    def broken(browser: Any, request: Any) -> Any:
        raise RuntimeError("a bug with a secret-looking value hunter2")

    import asyncio

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "app": client.app,
        "state": {},
    }
    response = asyncio.run(guarded(browser, Request(scope), broken))
    assert response.status_code == 500
    body = bytes(response.body).decode()
    assert "Something went wrong" in body and "hunter2" not in body and "Traceback" not in body
