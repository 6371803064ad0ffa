"""The UI talks to a registry that demands a login with the credentials of the store
(`imagekit registry login`'s, docker's config.json), and never shows them: not in a page,
a URL or the server's log. Without them the page says what failed."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from imagekit.oci.layout import write_layout
from tests.support.authregistry import htpasswd_registry
from tests.web import live
from tests.web.images import base_image, push

PASSWORD = "pa55-w0rd-for-the-ui"


def read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_stored_credentials_are_used_and_never_shown(tmp_path: Path) -> None:
    with htpasswd_registry(tmp_path / "registry", "uiuser", PASSWORD) as registry:
        docker = tmp_path / "docker"
        docker.mkdir()
        token = base64.b64encode(f"uiuser:{PASSWORD}".encode()).decode()
        (docker / "config.json").write_text(
            json.dumps({"auths": {registry.address: {"auth": token}}})
        )
        env: dict[str, Any] = {
            "DOCKER_CONFIG": str(docker),
            "IMAGEKIT_CACHE_DIR": str(tmp_path / "push-cache"),
            "IMAGEKIT_REGISTRY_DIR": str(tmp_path / "no-embedded"),
            "CI": None,
        }
        write_layout(base_image(), tmp_path / "layout", "x")
        push(tmp_path / "layout", "x", f"{registry.address}/team/base:1", env)

        logs: list[str] = []
        with live.server(registry.address, env, tmp_path / "ui", logs=logs) as url:
            live.wait_for(url + "healthz")
            pages = []
            for path in ("", "r/team/base", "r/team/base/-/tag/1"):
                for _ in range(100):
                    text = read(url + path)
                    if 'id="computing"' not in text and "Analysing" not in text:
                        break
                    time.sleep(0.3)
                pages.append(text)
        assert "team/base" in pages[0] and 'id="total-bytes"' in pages[0]
        assert 'id="wasted-bytes"' in pages[2]  # the layers were streamed with the login
        for text in [*pages, *logs]:
            assert PASSWORD not in text and token not in text
        assert "Authorization" not in logs[0]

        # without the stored credentials: the page says the registry refused, no traceback
        (docker / "config.json").write_text("{}")
        body = ""
        with live.server(registry.address, env, tmp_path / "ui2") as url:
            for _ in range(100):
                try:
                    read(url)
                except urllib.error.HTTPError as exc:
                    body = exc.read().decode()
                    assert exc.code == 503
                    break
                time.sleep(0.3)
            assert "asks for a user name and password" in body, body[-1500:]
            assert "Traceback" not in body
