"""End to end: crawl the offline replica over HTTP, then index, search and export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scraper.replica.content import expected_record, load_articles, load_laws
from tests.conftest import REPO, run_cli

SEED_TITLE = (
    "Tăng cường công tác thông tin, tuyên truyền Đại hội đại biểu toàn quốc lần thứ XIII của Đảng"
)
ARTICLE_FIELDS = ["title", "published", "author", "source", "summary", "body", "category", "tags"]
DOCUMENT_FIELDS = [
    "title", "published", "author", "summary", "body",
    "doc_number", "doc_type", "issuer", "signer", "effective", "expires",
]  # fmt: skip


def read_records(data: Path) -> list[dict[str, Any]]:
    """Every record line of every JSONL file the crawl wrote."""
    records = []
    for path in sorted((data / "items").glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl a fresh replica once for this module."""
    from scraper.replica import ReplicaPortal

    data = tmp_path_factory.mktemp("archive")
    with ReplicaPortal() as portal:
        result = run_cli("crawl", portal.url, data=data)
        expected = {
            portal.article_url(a["id"]): expected_record(a, "article") for a in load_articles()
        }
        expected |= {portal.law_url(d["id"]): expected_record(d, "document") for d in load_laws()}
        requests = list(portal.requests)
        url = portal.url
    records = read_records(data)
    return {
        "data": data,
        "records": records,
        "expected": expected,
        "requests": requests,
        "url": url,
        "stderr": result.stderr,
    }


def test_crawl_archives_every_article_and_document_once(crawled: dict[str, Any]) -> None:
    urls = [r["url"] for r in crawled["records"]]
    assert len(urls) == len(set(urls)), "a page was recorded twice"
    assert set(urls) == set(crawled["expected"])


@pytest.mark.parametrize("field", ARTICLE_FIELDS)
def test_article_field_matches_the_page(crawled: dict[str, Any], field: str) -> None:
    wrong = {}
    for record in crawled["records"]:
        want = crawled["expected"].get(record["url"])
        if want and want["kind"] == "article" and record[field] != want[field]:
            wrong[record["url"]] = (record[field], want[field])
    assert not wrong, f"{len(wrong)} articles: {list(wrong.items())[:3]}"


@pytest.mark.parametrize("field", DOCUMENT_FIELDS)
def test_document_field_matches_the_page(crawled: dict[str, Any], field: str) -> None:
    wrong = {}
    for record in crawled["records"]:
        want = crawled["expected"].get(record["url"])
        if want and want["kind"] == "document" and record[field] != want[field]:
            wrong[record["url"]] = (record[field], want[field])
    assert not wrong, f"{len(wrong)} documents: {list(wrong.items())[:3]}"


def test_records_carry_portal_capture_and_kind(crawled: dict[str, Any]) -> None:
    for record in crawled["records"]:
        assert record["portal"]
        assert record["kind"] == crawled["expected"][record["url"]]["kind"]
        assert record["fetched"].endswith("Z")
        assert record["published"] is None or record["published"][:4].isdigit()


def test_seed_article_is_extracted_as_a_researcher_cites_it(crawled: dict[str, Any]) -> None:
    seed = next(r for r in crawled["records"] if r["title"] == SEED_TITLE)
    assert seed["published"] == "2021-01-26T17:00:00+07:00"
    assert seed["author"] == "Thanh Vi-BTG Thị ủy"
    assert "Thanh Vi-BTG" not in seed["body"]
    for chrome in ("Thống kê truy cập", "Những tin cũ hơn", "Ý kiến bạn đọc", "Powered by"):
        assert chrome not in seed["body"]
    assert "45-CV/BTGTU" in seed["doc_refs"]


def test_crawl_obeys_robots_and_skips_print_views(crawled: dict[str, Any]) -> None:
    paths = [path for _method, path, _status in crawled["requests"]]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/tin-tuc/search")]
    assert not [p for p in paths if "/print/" in p]


def test_document_pages_are_fetched_before_other_pages() -> None:
    from scraper.spiders.nukeviet import NukeVietSpider

    spider = NukeVietSpider(url="http://127.0.0.1:8000/")
    base = "http://127.0.0.1:8000"
    document = f"{base}/van-ban/detail/chi-thi-so-05-ct-ubnd-110/"
    dispatch = f"{base}/cong-van/detail/cong-van-so-45-cv-btgtu/"
    article = f"{base}/tin-tuc/tin-tuc-su-kien/hoi-nghi-100046.html"
    listing = f"{base}/tin-tuc/tin-tuc-su-kien/page-2/"
    priority = {url: next(spider.follow(url)).priority for url in (document, dispatch)}
    others = {url: next(spider.follow(url)).priority for url in (article, listing)}
    assert min(priority.values()) > max(others.values())
    assert list(spider.follow(document)) == []  # asked for once


def test_search_without_accents_finds_the_seed(crawled: dict[str, Any]) -> None:
    for query in ("dai hoi", "đại hội", "tuyên truyền đại hội"):
        out = run_cli("search", query, "--format", "json", "--limit", "50", data=crawled["data"])
        titles = [json.loads(line)["title"] for line in out.stdout.splitlines() if line.strip()]
        assert SEED_TITLE in titles, query


def test_document_number_finds_its_document_first(crawled: dict[str, Any]) -> None:
    out = run_cli("search", "45-CV/BTGTU", "--format", "json", data=crawled["data"])
    hits = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert hits[0]["kind"] == "document" and hits[0]["doc_number"] == "45-CV/BTGTU"
    assert any(h["kind"] == "article" and "45-CV/BTGTU" in h["doc_refs"] for h in hits[1:])


def test_csv_has_a_header_and_one_row_per_hit(crawled: dict[str, Any]) -> None:
    js = run_cli("search", "dai hoi", "--all", "--format", "json", data=crawled["data"])
    out = run_cli("search", "dai hoi", "--all", "--format", "csv", data=crawled["data"])
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    hits = [json.loads(line) for line in js.stdout.splitlines() if line.strip()]
    assert len(rows) == len(hits) > 1
    assert {"url", "title", "published", "author", "body", "doc_number"} <= set(rows[0])
    assert [r["url"] for r in rows] == [h["url"] for h in hits]


def test_crawling_twice_never_duplicates(crawled: dict[str, Any], tmp_path: Path) -> None:
    from scraper.replica import ReplicaPortal

    with ReplicaPortal() as portal:
        run_cli("crawl", portal.url, data=tmp_path)
        run_cli("crawl", portal.url, data=tmp_path)
    out = run_cli("search", "*", "--all", "--format", "json", data=tmp_path)
    urls = [json.loads(line)["url"] for line in out.stdout.splitlines() if line.strip()]
    assert len(urls) == len(set(urls)) == len(crawled["expected"])


def test_demo_shows_the_seed_article(tmp_path: Path) -> None:
    out = run_cli("demo", data=tmp_path)
    assert "Tăng cường công tác thông tin" in out.stdout
    assert "Thanh Vi-BTG Thị ủy" in out.stdout


def test_scrapy_sees_the_spider() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        text=True,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert "nukeviet" in out.stdout.split()


def test_a_deployed_egg_names_its_settings_for_scrapyd() -> None:
    # scrapyd's runner reads the `scrapy` entry point `settings` of the deployed egg; the egg
    # is built from pyproject.toml, which must declare it (setup.py arguments are ignored).
    import importlib.metadata
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["entry-points"]["scrapy"]["settings"] == "scraper.settings"
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="scrapy")}
    assert found.get("settings") == "scraper.settings"
    out = subprocess.run(
        [sys.executable, "-c", "import importlib, sys; importlib.import_module(sys.argv[1])",
         found["settings"]],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
