"""`govarchive reparse` and `stats`: records rebuilt from WARC files alone, deterministically."""

from __future__ import annotations

import gzip
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import scrapy
from click.testing import CliRunner
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from scraper.extensions.warc import WarcCapture
from scraper.layout import DataLayout
from scraper.record import RECORD_FIELDS
from scraper.replica import ReplicaPortal
from search_cli.commands_archive import COMMANDS, reparse, stats

REGISTRY = """
[[portal]]
id = "replica-registry"
name = "Replica town portal"
url = "http://127.0.0.1/"
"""


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


class Capturer:
    """Feeds hand-made responses to WarcCapture, as `response_downloaded` would."""

    def __init__(self, data: Path) -> None:
        crawler = get_crawler(scrapy.Spider, settings_dict={"WARC_DIR": str(data / "warc")})
        self.ext = WarcCapture.from_crawler(crawler)

    def capture(
        self,
        url: str,
        body: bytes,
        *,
        status: int = 200,
        ctype: str = "text/html; charset=utf-8",
        gzipped: bool = False,
        portal: str | None = None,
    ) -> dict:
        headers = {"Content-Type": ctype}
        if gzipped:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        request = scrapy.Request(url, meta={"portal": portal} if portal else {})
        cls = HtmlResponse if "html" in ctype else Response
        response = cls(url, status=status, headers=headers, body=body, request=request)
        spider = scrapy.Spider(name="fixture")
        return self.ext.capture(response, request, spider)

    def close(self) -> None:
        self.ext.spider_closed(None)


@dataclass
class Archive:
    """Data directory holding two captures of replica pages, and what was captured."""

    data: Path
    articles: list[str]
    law: str
    listing: str
    first: dict[str, dict]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """Replica pages captured twice: one article unchanged, one edited, one gone; a listing, a PDF."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "portals.toml").write_text(REGISTRY)
    with ReplicaPortal() as portal:
        ids = sorted(portal.state.article_views)[:3]
        articles = [portal.article_url(i) for i in ids]
        law = portal.law_url(sorted(portal.state.law_views)[0])
        listing = portal.url + "/"
        first_capturer = Capturer(data)
        first = {}
        for url in articles:
            first[url] = first_capturer.capture(
                url, fetch(url), gzipped=url == articles[1], portal="replica-town"
            )
        first[law] = first_capturer.capture(law, fetch(law))
        first_capturer.capture(listing, fetch(listing), portal="replica-town")
        first_capturer.capture(portal.url + "/uploads/a.pdf", b"%PDF-1.4", ctype="application/pdf")
        first_capturer.close()
        second = Capturer(data)
        second.capture(articles[0], fetch(articles[0]), portal="replica-town")  # unchanged: revisit
        edited = portal.edit_article(ids[1], title="Tiêu đề đã sửa")
        assert edited == articles[1]
        second.capture(articles[1], fetch(articles[1]), gzipped=True, portal="replica-town")
        second.capture(
            articles[2], b"<html><body>gone</body></html>", status=404, portal="replica-town"
        )
        second.close()
    yield Archive(data, articles, law, listing, first)


def run(command: object, data: Path, *args: str) -> str:
    result = CliRunner().invoke(command, list(args), obj=DataLayout(data), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_commands_are_exported() -> None:
    assert {c.name for c in COMMANDS} == {"reparse", "stats"}
    for command in COMMANDS:
        assert "Example:" in (command.help or "")


def test_reparse_writes_one_record_per_page_from_the_warc_files(archive: Archive) -> None:
    data = archive.data
    output = Path(run(reparse, data).strip())
    assert output.parent == data / "items" and output.name.endswith("-reparse.jsonl")
    records = read_jsonl(output)
    urls = [r["url"] for r in records]
    assert urls == sorted(urls)
    # every article (the one now 404 keeps its last good capture) and the law; not the listing or PDF
    assert set(urls) == {*archive.articles, archive.law}
    for record in records:
        assert list(record) == list(RECORD_FIELDS)
        assert record["kind"] in ("article", "document")
        assert record["digest"].startswith("sha1:")
        assert record["fetched"].endswith("Z")
        assert (data / "warc" / record["warc_file"]).is_file()
    by_url = {r["url"]: r for r in records}
    assert by_url[archive.articles[0]]["portal"] == "replica-town"  # from the WARC record
    assert by_url[archive.law]["portal"] == "replica-registry"  # not in the WARC: the registry
    assert by_url[archive.articles[1]]["title"] == "Tiêu đề đã sửa"  # latest capture, gunzipped


def test_reparse_record_cites_the_capture_the_crawl_cited(archive: Archive) -> None:
    records = {r["url"]: r for r in read_jsonl(Path(run(reparse, archive.data).strip()))}
    for url in (
        archive.articles[0],
        archive.articles[2],
        archive.law,
    ):  # a revisit, a 404 now, plain
        meta = archive.first[url]
        record = records[url]
        assert (
            record["digest"],
            record["warc_file"],
            record["warc_offset"],
            record["fetched"],
        ) == (
            meta["digest"],
            meta["warc_file"],
            meta["warc_offset"],
            meta["fetched"],
        )


def test_reparse_twice_gives_identical_records(archive: Archive) -> None:
    data = archive.data
    first = Path(run(reparse, data).strip())
    first_text = first.read_text(encoding="utf-8")
    second = Path(run(reparse, data).strip())
    assert second != first
    assert not first.exists()
    moved = data / "items" / "superseded" / first.name
    assert moved.read_text(encoding="utf-8") == first_text
    assert second.read_text(encoding="utf-8") == first_text
    assert sorted(p.name for p in (data / "items").glob("*.jsonl")) == [second.name]


def test_reparse_supersedes_crawl_items_and_rebuilds_the_index(archive: Archive) -> None:
    items = archive.data / "items"
    items.mkdir(exist_ok=True)
    (items / "20260101T000000Z-crawl-old.jsonl").write_text('{"url": "https://old.example/"}\n')
    output = Path(run(reparse, archive.data).strip())
    assert (items / "superseded" / "20260101T000000Z-crawl-old.jsonl").is_file()
    assert not list(items.glob(".*.tmp"))
    from indexer.index import open_searcher

    with open_searcher(archive.data / "index") as searcher:
        assert searcher.doc_count() == len(read_jsonl(output))


def test_reparse_without_warc_files_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(reparse, [], obj=DataLayout(tmp_path))
    assert result.exit_code == 1
    assert "no WARC files" in result.output


def test_stats_counts_captures_and_records(archive: Archive) -> None:
    run(reparse, archive.data, "--no-index")
    result = json.loads(run(stats, archive.data, "--json"))
    assert result["warc_files"] == 2
    assert (
        result["responses"] == 8
    )  # 6 in the first capture, an edited page and a 404 in the second
    assert result["revisits"] == 1 and result["revisits_not_modified"] == 0
    assert result["captures"] == 9 and result["urls"] == 6
    assert result["records"] == 4
    per_portal = result["records_per_portal_year"]
    assert set(per_portal) == {"replica-town", "replica-registry"}
    assert sum(sum(years.values()) for years in per_portal.values()) == 4
    assert all(year.isdigit() for years in per_portal.values() for year in years)
    table = run(stats, archive.data)
    assert "WARC files" in table and "replica-town" in table
