"""The interactive API reference at /schema: served from the project's own files, under a
Content-Security-Policy of this origin only, and rendered by a real browser with no network."""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_until_live

BIN = Path(sys.executable).parent
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


class PageParts(HTMLParser):
    """The URLs a page loads (scripts, stylesheets, icons), and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.inline.append(f"style attribute on <{tag}>")
        if tag == "script" and attributes.get("src"):
            self.urls.append(str(attributes["src"]))
        elif tag == "link" and attributes.get("href"):
            self.urls.append(str(attributes["href"]))
        elif tag in ("script", "style"):
            self._in = tag

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"<{self._in}> {data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


async def test_the_reference_page_loads_only_files_the_app_serves_itself(api: httpx.AsyncClient) -> None:
    page = await api.get("/schema")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parts = PageParts()
    parts.feed(page.text)
    assert parts.inline == []
    assert parts.urls, page.text
    for url in parts.urls:
        assert url.startswith("/schema/assets/"), url  # this origin: no CDN, no external font or favicon
        asset = await api.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url


async def test_every_answer_of_the_reference_allows_only_this_origin(api: httpx.AsyncClient) -> None:
    answers = [
        await api.get("/schema"),
        await api.get("/schema/openapi.json"),
        await api.get("/schema/assets/swagger-ui-bundle.js"),
        await api.get("/schema/assets/no-such-file.js"),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 404]
    for answer in answers:
        policy = directives(answer.headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"]
        for kind in ("script-src", "style-src", "font-src", "connect-src"):
            assert policy[kind] == ["'self'"], kind
        # Swagger UI's stylesheet draws its icons from data: URLs; nothing else is allowed.
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]


async def test_the_api_s_answers_carry_no_page_policy(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/live")

    assert "content-security-policy" not in response.headers


# The browser test: `taskboard serve` as a user starts it, and Debian's chromium with no network.


def chromium() -> str:
    binary = shutil.which("chromium")
    if binary is None:
        reason = "chromium is not installed (`make test` installs Debian's package)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a real `taskboard serve` (in memory: nothing to migrate)."""
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("TASKBOARD_")}
    env |= {
        "TASKBOARD_DATABASE_URL": "memory://",
        "TASKBOARD_PORT": str(port),
        "TASKBOARD_SECRET_KEY_FILE": str(folder / "secret_key"),
        "TASKBOARD_LOG_LEVEL": "WARNING",
    }
    log = folder / "serve.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen([BIN / "taskboard", "serve"], env=env, stderr=log_file)
    try:
        wait_until_live(port, lambda: process.poll() is not None, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def rendered_offline(url: str, profile: Path) -> tuple[str, str]:
    """The page's DOM once its scripts and requests are done, and the browser's log (where the
    console reports whatever the page's Content-Security-Policy refused)."""
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # tests run as root
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            # No network beyond loopback: every other host goes to a proxy that is not there, and no
            # name resolves.
            "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            # The DOM is dumped when the page has nothing left to do (up to 30 s of its time).
            "--virtual-time-budget=30000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


# How Swagger UI prints an operation's summary line: its method, then its path.
OPERATION = re.compile(
    r'<span class="opblock-summary-method">([A-Z]+)</span>'
    r'<div class="opblock-summary-path-description-wrapper">'
    r'<span class="opblock-summary-path" data-path="([^"]+)"'
)


def test_the_reference_lists_every_operation_in_a_browser_without_network(
    served: int, tmp_path: Path
) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{served}/schema/openapi.json") as response:
        document = json.load(response)
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }

    dom, browser_log = rendered_offline(f"http://127.0.0.1:{served}/schema", tmp_path / "profile")

    listed = OPERATION.findall(dom)
    assert ("POST", "/api/v1/tasks") in listed, dom[:2000]
    assert sorted(listed) == sorted(operations)
    # The page asked for nothing the policy refused: no script, style, font, image or request of
    # another origin (each would be refused and reported), and no inline script or style.
    refused = [line for line in browser_log.splitlines() if "Content Security Policy" in line]
    assert refused == []
