"""Deleting through the UI (a tag, a repository), the prune preview, CSRF protection,
confirmation, ``--allow-delete`` and ``--auth htpasswd``, on images pushed to the real
test registry for each test (a namespace of its own: what is deleted is its own)."""

from __future__ import annotations

import html
import json
import re
import shlex
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from imagekit.cli import cli
from tests.web.conftest import Make
from tests.web.images import Pushed
from tests.web.test_pages import number, settled


def token_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_without_allow_delete_nothing_is_offered_or_done(make_client: Make, pushed: Pushed) -> None:
    ui = make_client(pushed.registry, prefix=pushed.namespace, wait=10.0)
    repository = settled(ui, f"/r/{pushed.repo}", 'id="referenced-bytes"').text
    assert "/delete" not in repository and "/-/prune" not in repository
    for path in (
        f"/r/{pushed.repo}/-/tag/a/delete",
        f"/r/{pushed.repo}/-/delete",
        f"/r/{pushed.repo}/-/prune",
    ):
        assert ui.get(path).status_code == 403
    refused = ui.post(f"/r/{pushed.repo}/-/tag/a/delete", data={"confirm": "a"})
    assert refused.status_code == 403
    assert pushed.exists("a")


def test_confirmation_page_then_delete_with_token_and_confirmation(
    make_client: Make, pushed: Pushed
) -> None:
    ui = make_client(pushed.registry, prefix=pushed.namespace, allow_delete=True, wait=10.0)
    settled(ui, f"/r/{pushed.repo}", 'id="referenced-bytes"')
    path = f"/r/{pushed.repo}/-/tag/a/delete"
    confirm = ui.get(path)
    assert confirm.status_code == 200
    html = confirm.text
    assert pushed.digests["a"] in html
    assert re.findall(r'class="other-tag">([^<]+)<', html) == ["b"]  # b names the same digest
    tag = ui.browser.accounting.status().reading.tag(pushed.repo, "a")
    assert number(html, "frees") == tag.unique_bytes
    token = token_of(html)
    form = {"csrf": token, "digest": pushed.digests["a"]}

    # without the token, with a wrong one, from another origin: refused, nothing deleted
    assert ui.post(path, data={**form, "csrf": "", "confirm": "a"}).status_code == 403
    assert ui.post(path, data={**form, "csrf": "0" * 64, "confirm": "a"}).status_code == 403
    other = ui.post(path, data={**form, "confirm": "a"}, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    assert (
        ui.post(path, data={**form, "confirm": "a"}, headers={"Origin": "null"}).status_code == 403
    )
    cross = ui.post(path, data={**form, "confirm": "a"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    # a token made for another browser's cookie does not pass with this one
    ui.cookies.set("imagekit_csrf", "someone-else")
    assert ui.post(path, data={**form, "confirm": "a"}).status_code == 403
    ui.cookies.clear()
    token = token_of(ui.get(path).text)
    form["csrf"] = token
    # the token but no confirmation: asked again, nothing deleted
    unconfirmed = ui.post(path, data=form)
    assert unconfirmed.status_code == 400
    assert 'id="confirm-message"' in unconfirmed.text
    wrong = ui.post(path, data={**form, "confirm": "b"})
    assert wrong.status_code == 400
    assert pushed.exists("a") and pushed.exists("b")

    done = ui.post(path, data={**form, "confirm": "a"}, headers={"Origin": "http://127.0.0.1"})
    assert done.status_code == 200, done.text[-1500:]
    assert "Deleted 1 manifest" in done.text
    assert not pushed.exists("a") and not pushed.exists("b")
    assert pushed.exists("c") and pushed.exists("d")
    after = settled(ui, f"/r/{pushed.repo}", 'data-tag="c"').text
    assert 'data-tag="a"' not in after and 'data-tag="b"' not in after


def test_a_tag_that_moved_since_the_confirmation_is_not_deleted(
    make_client: Make, pushed: Pushed
) -> None:
    ui = make_client(pushed.registry, prefix=pushed.namespace, allow_delete=True, wait=10.0)
    path = f"/r/{pushed.repo}/-/tag/c/delete"
    token = token_of(ui.get(path).text)
    moved = ui.post(path, data={"csrf": token, "digest": pushed.digests["d"], "confirm": "c"})
    assert moved.status_code == 409
    assert pushed.exists("c")


def test_delete_a_whole_repository(make_client: Make, pushed: Pushed) -> None:
    ui = make_client(pushed.registry, prefix=pushed.namespace, allow_delete=True, wait=10.0)
    settled(ui, "/", 'id="total-bytes"')
    path = f"/r/{pushed.repo}/-/delete"
    page = ui.get(path)
    assert page.status_code == 200
    usage = ui.browser.accounting.status().reading.repository(pushed.repo)
    assert number(page.text, "frees") == usage.unique_bytes
    token = token_of(page.text)
    assert ui.post(path, data={"csrf": token, "confirm": "app"}).status_code == 400
    assert pushed.exists("a")
    done = ui.post(path, data={"csrf": token, "confirm": pushed.repo})
    assert done.status_code == 200, done.text[-1500:]
    assert "Deleted 3 manifests" in done.text
    assert not any(pushed.exists(t) for t in "abcd")


def test_prune_preview_deletes_nothing(
    make_client: Make, pushed: Pushed, push_env: dict[str, Any]
) -> None:
    from imagekit.report.retention import Policy, plan

    ui = make_client(pushed.registry, prefix=pushed.namespace, allow_delete=True, wait=10.0)
    settled(ui, "/", 'id="total-bytes"')
    form = ui.get(f"/r/{pushed.repo}/-/prune")
    assert form.status_code == 200 and 'id="prune-form"' in form.text
    page = ui.get(f"/r/{pushed.repo}/-/prune", params={"keep_last": "1", "keep_tag": "d"})
    assert page.status_code == 200
    reading = ui.browser.accounting.status().reading
    expected = plan(
        reading.snapshot, reading.usage, Policy(1, None, ("d",)), [pushed.repo], now=time.time()
    )
    assert number(page.text, "prune-frees") == expected.freed_bytes
    doomed = set(re.findall(r'<tr class="delete" data-tag="([^"]+)"', page.text))
    assert doomed == {d.tag.tag for d in expected.doomed} and doomed
    command = re.search(r'id="prune-command">([^<]+)<', page.text)
    assert command is not None
    words = shlex.split(html.unescape(command.group(1)))
    assert words[:3] == ["imagekit", "registry", "prune"]
    assert words[3:] == [f"{pushed.registry}/{pushed.repo}", "--keep-last", "1", "--keep-tag", "d"]
    # the command line it gives is the CLI's, and deletes the same tags (a dry run). The
    # CLI accounts over the whole registry, the UI over its --prefix: blobs shared with
    # repositories outside the prefix make the UI's figure an upper bound, as it says.
    result = CliRunner().invoke(cli, [*words[1:], "--format", "json"], env=push_env)
    assert result.exit_code == 0, result.stderr
    planned = json.loads(result.stdout)
    assert {t["tag"] for t in planned["tags"] if t["action"] == "delete"} == doomed
    assert planned["freed_bytes"] <= expected.freed_bytes
    assert 'id="prefix-note"' in page.text
    assert all(pushed.exists(t) for t in "abcd")
    bad = ui.get(f"/r/{pushed.repo}/-/prune", params={"keep_last": "x"})
    assert bad.status_code == 400


def test_basic_auth_with_an_htpasswd_file(make_client: Make, tmp_path: Path, registry: str) -> None:
    import bcrypt

    from imagekit.web.auth import Htpasswd

    hashed = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$")
    path = tmp_path / "htpasswd"
    path.write_text(f"# users\nalice:{hashed}\n")
    ui = make_client(registry, users=Htpasswd.read(path), prefix="imagekit-ui-none")
    for target in ("/", "/static/style.css", "/rules"):
        refused = ui.get(target)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith('Basic realm="imagekit registry"')
        assert refused.headers["x-content-type-options"] == "nosniff"
    assert ui.get("/rules", auth=("alice", "wrong")).status_code == 401
    assert ui.get("/rules", auth=("bob", "correct horse")).status_code == 401
    page = ui.get("/rules", auth=("alice", "correct horse"))
    assert page.status_code == 200
    assert "correct horse" not in page.text
    assert "correct horse" not in repr(ui.browser.settings)


def test_htpasswd_files_that_cannot_serve(tmp_path: Path) -> None:
    from imagekit.errors import InputError, UsageError
    from imagekit.web.auth import Htpasswd

    md5 = tmp_path / "md5"
    md5.write_text("alice:$apr1$abc$defghijklmnopqrstuv\n")
    with pytest.raises(UsageError, match="not bcrypt"):
        Htpasswd.read(md5)
    empty = tmp_path / "empty"
    empty.write_text("# nobody\n")
    with pytest.raises(UsageError, match="names no user"):
        Htpasswd.read(empty)
    with pytest.raises(InputError, match="cannot read"):
        Htpasswd.read(tmp_path / "missing")
