"""The archive is the source of truth: WARC payloads equal what was served; reparse equals crawl."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from scraper.archive import latest_captures
from tests.conftest import run_cli
from tests.test_crawl import read_records


def test_archived_payloads_equal_what_the_portal_served(replica: Any, tmp_path: Path) -> None:
    run_cli("crawl", replica.url, data=tmp_path)
    captures = {c.url: c for c in latest_captures(tmp_path / "warc") if c.status == 200}
    pages = [u for u in captures if u.endswith(".html") or "/detail/" in u]
    assert len(pages) >= 50
    for url in pages:
        with urllib.request.urlopen(url, timeout=10) as response:  # identity encoding
            assert captures[url].body == response.read(), url


def test_reparse_rebuilds_the_crawl_records_from_warc_alone(replica: Any, tmp_path: Path) -> None:
    run_cli("crawl", replica.url, data=tmp_path)
    crawled = {r["url"]: r for r in read_records(tmp_path)}
    replica.stop()  # no network from here on
    run_cli("reparse", data=tmp_path)
    items = sorted((tmp_path / "items").glob("*-reparse.jsonl"))
    assert len(items) == 1
    reparsed = {
        r["url"]: r for r in map(json.loads, items[0].read_text(encoding="utf-8").splitlines())
    }
    assert reparsed.keys() == crawled.keys()
    for url, record in crawled.items():
        assert reparsed[url] == record, url
    out = run_cli("search", "dai hoi", "--format", "json", data=tmp_path)
    assert out.stdout.strip(), "the rebuilt index answers"
