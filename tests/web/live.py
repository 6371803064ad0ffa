"""The UI as users run it: ``imagekit registry ui`` in a subprocess (uvicorn on a free
loopback port), and headless Chromium driven by selenium.

Chromium and its driver are Debian's (``chromium``, ``chromium-driver``, installed by
``.ci/services``), named by path, so selenium-manager never looks for or downloads a
browser (``SE_OFFLINE`` too). The browser starts with a fresh profile and without the
background traffic a desktop browser makes; every page it opens is on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1280,1600",
)
#: Where the screenshots go (ignored by git); the test session prints it.
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"


@contextlib.contextmanager
def server(
    registry: str,
    env: dict[str, str | None],
    cache: Path,
    options: Sequence[str] = (),
    logs: list[str] | None = None,
) -> Iterator[str]:
    """``imagekit registry ui`` on a free port; its URL while it runs. Its stderr (the
    server's log) is appended to ``logs`` when it has stopped."""
    environ = {k: v for k, v in os.environ.items() if k not in env}
    environ.update({k: v for k, v in env.items() if v is not None})
    environ["IMAGEKIT_CACHE_DIR"] = str(cache)
    command = [
        sys.executable,
        "-m",
        "imagekit",
        "registry",
        "ui",
        "--registry",
        registry,
        "--listen",
        "127.0.0.1:0",
        "--quiet",
        *options,
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, env=environ, text=True
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                log.seek(0)
                pytest.fail(f"the UI did not start: {log.read().decode()[-3000:]}", pytrace=False)
            wait_for(url + "healthz")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            log.seek(0)
            text = log.read().decode()
        if logs is not None:
            logs.append(text)
        assert "Traceback" not in text, text[-3000:]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def chromium() -> Any:
    """A headless Chromium session (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never fetch anything
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} or {CHROMEDRIVER} is missing: run `.ci/services up` "
            "(it installs Debian's chromium and chromium-driver)",
            pytrace=False,
        )
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="ik-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(800, min(int(height) + 40, 4000)))
    driver.save_screenshot(str(path))
    return path


#: Lines the UI tests report at the end of the session (measurements, where the
#: screenshots are); printed by tests/web/conftest.py.
REPORT: list[str] = []
