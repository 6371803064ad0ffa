"""The UI in a real browser: headless Chromium (selenium) on ``imagekit registry ui``
serving the test registry's namespace filled by `imagekit push`. The numbers on the
pages are the accounting API's, the links lead where they say, markup from an image is
text, a delete needs its confirmation, a POST without the form's token is refused, and
each page is saved as a screenshot under tests/artifacts/web/."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imagekit.registry.client import RegistryClient
from imagekit.registry.walk import RegistryWalker
from imagekit.report.usage import usage
from tests.web import live
from tests.web.images import SCRIPT, Filled, Pushed


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    session = live.chromium()
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture(scope="module")
def site(
    filled: Filled, push_env: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("ui-live")
    with live.server(filled.registry, push_env, cache, ["--prefix", filled.namespace]) as url:
        yield url


def find(driver: Any, css: str, timeout: float = 60.0) -> Any:
    """The element ``css`` names, waiting (pages refresh themselves while they compute)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_text(driver: Any, css: str, text: str, timeout: float = 60.0) -> bool:
    """Wait until the element ``css`` names shows ``text`` (TimeoutException if it does not)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    located = (By.CSS_SELECTOR, css)
    return bool(
        WebDriverWait(driver, timeout).until(
            expected_conditions.text_to_be_present_in_element(located, text)
        )
    )


def no_alert(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018


def test_overview_repository_image_rule_and_diff(
    driver: Any, site: str, filled: Filled, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    client = RegistryClient(filled.registry)
    names = [n for n in client.repositories() if n.startswith(filled.namespace + "/")]
    expected = usage(RegistryWalker(client, tmp_path / "walk").snapshot(names))

    driver.get(site)
    total = find(driver, "#total-bytes")
    assert int(total.get_attribute("data-bytes")) == expected.total_bytes
    assert driver.find_element(By.ID, "tag-count").text == str(expected.tag_count)
    assert driver.find_element(By.ID, "repository-count").text == str(len(expected.repositories))
    rows = driver.find_elements(By.CSS_SELECTOR, "#repositories tbody tr")
    assert [r.get_attribute("data-repository") for r in rows] == [
        r.name for r in sorted(expected.repositories, key=lambda r: (-r.referenced_bytes, r.name))
    ]
    live.screenshot(driver, "overview")

    app = filled.repo("app")
    driver.find_element(By.LINK_TEXT, app).click()
    referenced = find(driver, "#referenced-bytes")
    assert urllib.parse.urlsplit(driver.current_url).path == f"/r/{app}"
    assert int(referenced.get_attribute("data-bytes")) == expected.repository(app).referenced_bytes
    pull = driver.find_element(By.ID, "pull").get_attribute("value")
    assert pull == f"docker pull {filled.registry}/{app}:v2"
    chart = driver.find_element(By.ID, "trend")
    assert driver.execute_script("return arguments[0].naturalWidth", chart) > 0  # it loaded
    live.screenshot(driver, "repository")

    driver.find_element(By.LINK_TEXT, "v2").click()
    wasted = find(driver, "#wasted-bytes")  # the analysis finishes, the page refreshes to it
    assert int(wasted.get_attribute("data-bytes")) > 0
    no_alert(driver)
    labels = driver.find_element(By.ID, "labels").text
    assert SCRIPT in labels  # shown as text, not run
    assert not driver.find_elements(By.TAG_NAME, "script")
    live.screenshot(driver, "image")

    rule = driver.find_element(By.CSS_SELECTOR, "#findings a.rule")
    rule_id = rule.text
    rule.click()
    assert find(driver, "#rule-title").text.startswith(rule_id)
    live.screenshot(driver, "rule")
    driver.back()

    find(driver, "#diff-form select option")
    driver.find_element(By.CSS_SELECTOR, "#diff-form button").click()
    counts = find(driver, "#layer-counts")
    assert "shared" in counts.text
    live.screenshot(driver, "diff")


def test_index_and_artifact_pages(driver: Any, site: str, filled: Filled) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{site}r/{filled.repo('multi')}/-/tag/1")
    platforms = [
        r.get_attribute("data-platform")
        for r in driver.find_elements(By.CSS_SELECTOR, "#platforms tbody tr")
    ]
    assert platforms == ["linux/amd64", "linux/arm64", "unknown/unknown"]
    live.screenshot(driver, "index")
    driver.find_element(By.CSS_SELECTOR, '#platforms tr[data-platform="linux/arm64"] a').click()
    # the index page has a #kind too: wait for the image page's
    assert wait_text(driver, "#kind", "image")
    driver.get(f"{site}r/{filled.repo('artifact')}/-/tag/sig")
    assert driver.find_element(By.ID, "kind").text == "artifact"
    no_alert(driver)
    live.screenshot(driver, "artifact")
    driver.get(f"{site}r/{filled.repo('app')}/-/tag/no-such-tag")
    assert "no tag no-such-tag" in driver.find_element(By.ID, "error-message").text
    live.screenshot(driver, "not-found")


@pytest.fixture
def deleting(
    pushed: Pushed, push_env: dict[str, Any], tmp_path: Path
) -> Iterator[tuple[str, Pushed]]:
    options = ["--prefix", pushed.namespace, "--allow-delete"]
    with live.server(pushed.registry, push_env, tmp_path / "cache", options) as url:
        yield url, pushed


def test_delete_needs_its_confirmation_and_its_token(
    driver: Any, deleting: tuple[str, Pushed]
) -> None:
    from selenium.webdriver.common.by import By

    site, pushed = deleting
    driver.get(f"{site}r/{pushed.repo}")
    find(driver, "#referenced-bytes")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-tag="c"]')
    row.find_element(By.LINK_TEXT, "Delete").click()
    # a click returns before the next page has loaded: wait for what it shows
    assert pushed.digests["c"] in find(driver, "#confirm-digest").text
    live.screenshot(driver, "confirm-delete")

    driver.find_element(By.ID, "confirm-delete").click()  # not confirmed
    assert "nothing was deleted" in find(driver, "#confirm-message").text
    assert pushed.exists("c")

    driver.find_element(By.ID, "confirm").send_keys("c")
    driver.find_element(By.ID, "confirm-delete").click()
    assert "Deleted 1 manifest" in find(driver, "#deleted").text
    live.screenshot(driver, "deleted")
    assert not pushed.exists("c") and pushed.exists("a")

    # the same form posted from outside the browser, without its token: refused
    body = urllib.parse.urlencode({"confirm": "d", "digest": pushed.digests["d"]}).encode()
    request = urllib.request.Request(f"{site}r/{pushed.repo}/-/tag/d/delete", data=body)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert pushed.exists("d")

    driver.get(f"{site}r/{pushed.repo}/-/prune?keep_last=1")
    find(driver, "#prune-summary")
    live.screenshot(driver, "prune-preview")
    assert pushed.exists("a") and pushed.exists("d")


def test_pages_load_without_javascript(driver: Any, site: str) -> None:
    """Every page is readable as served: no script element, none allowed by the CSP."""
    from selenium.webdriver.common.by import By

    started = time.monotonic()
    driver.get(site)
    find(driver, "#total-bytes")
    assert time.monotonic() - started < 10
    assert not driver.find_elements(By.TAG_NAME, "script")
    with urllib.request.urlopen(site, timeout=30) as response:
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
