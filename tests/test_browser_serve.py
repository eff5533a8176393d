"""End to end in headless Chromium: crawl the replica, serve it, search, narrow, open, replay, export."""

from __future__ import annotations

import csv
import io
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_cli

CHROMIUM = os.environ.get("GOVARCHIVE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = REPO / "docs" / "screenshot-search.png"
SERVER_START_SECONDS = 30

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        sync_playwright is None,
        reason="playwright is not installed (pip install playwright; never `playwright install`)",
    ),
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


def serve_command(data: Path) -> list[str]:
    """The command that serves `data` on a free loopback port."""
    import click

    from search_cli.cli import cli

    if cli.get_command(click.Context(cli), "serve") is not None:
        return [sys.executable, "-m", "search_cli", "--data", str(data), "serve", "--port", "0"]
    return [sys.executable, "-m", "search_cli.web", "--data", str(data), "--port", "0"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Crawl the replica into a fresh archive, then run `govarchive serve` over it."""
    from scraper.replica import ReplicaPortal

    data = tmp_path_factory.mktemp("browser-archive")
    with ReplicaPortal() as portal:
        (data / "portals.toml").write_text(
            f'[[portal]]\nid = "trangbang"\nname = "Thị xã Trảng Bàng"\nurl = "{portal.url}/"\n',
            encoding="utf-8",
        )
        run_cli("crawl", "trangbang", data=data)
    process = subprocess.Popen(
        serve_command(data),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stderr], daemon=True
    ).start()
    url = None
    try:
        while url is None:
            line = lines.get(timeout=SERVER_START_SECONDS)
            match = re.search(r"on (http://127\.0\.0\.1:\d+)/", line)
            url = match.group(1) if match else None
        yield {"url": url, "data": data}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A laptop-sized page with JavaScript off: everything must work server-rendered."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False, accept_downloads=True
    )
    yield context.new_page()
    context.close()


def total_hits(page: Page) -> int:
    """The total hit count the page shows."""
    return int(page.locator("p.total strong").inner_text().replace(".", ""))


def search_without_accents(page: Page, base: str) -> None:
    """Open the search page and search for `dai hoi` with the form."""
    page.goto(base + "/")
    page.fill("#q", "dai hoi")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"q=dai\+hoi"))


def test_search_narrow_open_replay_and_export(
    page: Page, server: dict[str, Any], tmp_path: Path
) -> None:
    base = server["url"]
    search_without_accents(page, base)
    total = total_hits(page)
    assert total >= 5
    assert page.locator("mark").count() > 0
    first_title = page.locator("ol.hits h3 a").first.inner_text()
    assert re.search(r"đại hội", first_title, re.I)
    assert page.locator("ol.hits .meta .portal").first.inner_text() == "Thị xã Trảng Bàng"

    shot = SCREENSHOT if os.environ.get("GOVARCHIVE_UPDATE_SCREENSHOT") else tmp_path / "search.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))

    page.click("aside.facets a:has-text('Văn bản')")
    page.wait_for_url(re.compile(r"kind=document"))
    narrowed = total_hits(page)
    assert 0 < narrowed < total
    kinds = page.locator("ol.hits .meta .kind").all_inner_texts()
    assert kinds and set(kinds) == {"Văn bản"}
    assert page.locator("ul.chips").inner_text().startswith("Loại: Văn bản")

    with page.expect_download() as download_info:
        page.click("text=Xuất CSV")
    download = download_info.value
    assert download.suggested_filename == "govarchive-dai-hoi.csv"
    saved = tmp_path / "hits.csv"
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == narrowed
    assert all(row["kind"] == "document" and row["url"].startswith("http") for row in rows)
    assert all(row["doc_number"] for row in rows)

    title = page.locator("ol.hits h3 a").first.inner_text()
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_url(re.compile(r"/record\?url="))
    assert page.locator("h1").inner_text() == title
    assert page.locator("text=Mọi trường của bản ghi").count() == 1
    assert page.locator(".field-doc_number dd").inner_text().strip()

    replays: list[Any] = []
    page.on("response", lambda r: replays.append(r) if "/replay/" in r.url else None)
    page.click("text=Xem bản lưu trữ")
    page.wait_for_url(re.compile(r"/capture\?url="))
    assert "Đây là bản lưu trữ" in page.locator(".archive-banner").inner_text()
    frame = page.locator("iframe.replay")
    assert frame.get_attribute("sandbox") == ""
    archived_h1 = page.frame_locator("iframe.replay").locator("h1").first
    assert title.split(" về ")[0] in archived_h1.inner_text()
    headers = replays[0].all_headers()
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_capture_scripts_do_not_run(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    search_without_accents(page, server["url"])
    page.locator("ol.hits h3 a").first.click()
    page.click("text=Xem bản lưu trữ")
    frame = page.frame_locator("iframe.replay")
    frame.locator("h1").first.wait_for()
    assert frame.locator("script").count() == 0
    assert frame.locator("[onload], [onclick]").count() == 0
    assert page.title().startswith("Bản lưu trữ")
    context.close()


def test_phone_layout_has_no_horizontal_scroll(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    search_without_accents(page, server["url"])
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    assert page.locator("ol.hits li").count() > 0
    context.close()
