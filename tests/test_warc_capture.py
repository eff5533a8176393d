"""WarcCapture + ConditionalRequestMiddleware in real Scrapy crawls against a local HTTP server."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from scraper.archive import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_NOT_MODIFIED,
    iter_captures,
    iter_records,
    latest_captures,
    payload_digest,
    warc_files,
)
from scraper.capture_index import CaptureIndex

REPO = Path(__file__).resolve().parents[1]

SPIDER_SOURCE = """
from urllib.parse import urlsplit

import scrapy


class ArchiveTestSpider(scrapy.Spider):
    name = "archive_test"

    async def start(self):
        yield scrapy.Request(self.url)

    def parse(self, response):
        yield {
            "url": response.url,
            "status": response.status,
            "not_modified": response.meta.get("not_modified", False),
            "warc_capture": response.meta.get("warc_capture"),
        }
        if response.meta.get("not_modified") or not hasattr(response, "css"):
            return
        host = urlsplit(response.url).netloc
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == host:
                yield scrapy.Request(url)
"""

HOME = b"""<html><head><title>Home</title></head><body>
<a href="/a.html">A</a> <a href="/b.html">B</a> <a href="/c.html">C</a>
<a href="/chunked.html">Chunked</a> <a href="/missing.html">Missing</a>
</body></html>"""


def page(title: str, text: str) -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    ).encode()


@dataclass
class Resource:
    """A page the test server serves, as bytes on the wire."""

    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    chunked: bool = False

    def wire(self) -> bytes:
        # mtime=0: the same page compresses to the same bytes, as a static file server would send
        return gzip.compress(self.body, mtime=0) if self.gzip else self.body


@dataclass
class Site:
    """Mutable content of the local test server and a log of what it was asked."""

    resources: dict[str, Resource] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sent: dict[str, list[bytes]] = field(default_factory=dict)


def make_site() -> Site:
    return Site(
        resources={
            "/robots.txt": Resource(b"User-agent: *\nAllow: /\n"),
            "/": Resource(HOME),
            "/a.html": Resource(
                page("Trang A", "Nội dung A, bản 1."),
                etag='"a1"',
                last_modified="Mon, 23 Nov 2026 08:00:00 GMT",
            ),
            "/b.html": Resource(
                page("Trang B", "Nội dung B nén gzip. " * 40),
                etag='"b1"',
                last_modified="Mon, 23 Nov 2026 09:00:00 GMT",
                gzip=True,
            ),
            "/c.html": Resource(page("Trang C", "Không có ETag.")),
            "/chunked.html": Resource(
                page("Chunked", "Gửi từng khúc. " * 50), gzip=True, chunked=True
            ),
        }
    )


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            resource = site.resources.get(self.path)
            if resource is None:
                body = b"<html><body>not found</body></html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            validators = []
            if resource.etag:
                validators.append(("ETag", resource.etag))
            if resource.last_modified:
                validators.append(("Last-Modified", resource.last_modified))
            match = resource.etag and self.headers.get("If-None-Match") == resource.etag
            if match:
                self.send_response(304)
                for name, value in validators:
                    self.send_header(name, value)
                self.end_headers()
                site.sent.setdefault(self.path, []).append(b"")
                return
            wire = resource.wire()
            self.send_response(200)
            ctype = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
            self.send_header("Content-Type", ctype)
            for name, value in validators:
                self.send_header(name, value)
            if resource.gzip:
                self.send_header("Content-Encoding", "gzip")
            if resource.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(wire), 100):
                    piece = wire[start : start + 100]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(wire)))
                self.end_headers()
                self.wfile.write(wire)
            site.sent.setdefault(self.path, []).append(wire)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Crawl:
    """One finished subprocess crawl: its items and stderr log."""

    items: list[dict]
    log: str


def run_crawl(
    tmp_path: Path, start_url: str, data: Path, *, name: str, **settings: object
) -> Crawl:
    """Run the test spider with WarcCapture and ConditionalRequestMiddleware in a subprocess."""
    spider = tmp_path / "archive_test_spider.py"
    spider.write_text(SPIDER_SOURCE)
    items = tmp_path / f"{name}.jsonl"
    all_settings: dict[str, object] = {
        "WARC_DIR": str(data / "warc"),
        "CONDITIONAL_REQUESTS": True,
        "ROBOTSTXT_OBEY": True,
        "EXTENSIONS": json.dumps({"scraper.extensions.warc.WarcCapture": 100}),
        "DOWNLOADER_MIDDLEWARES": json.dumps(
            {"scraper.middlewares.ConditionalRequestMiddleware": 580}
        ),
        "USER_AGENT": "govarchive-test (+https://example.org/govarchive)",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        **settings,
    }
    args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"url={start_url}"]
    args += ["-a", "portal=test-portal", "-O", f"{items}:jsonl"]
    for key, value in all_settings.items():
        args += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    result = subprocess.run(
        args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return Crawl([json.loads(line) for line in items.read_text().splitlines()], result.stderr)


def warcio_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # warcio has no __main__ module: run its console-script entry point
        [sys.executable, "-c", "from warcio.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two crawls of the local site into one archive; page A edited in between."""
    tmp_path = tmp_path_factory.mktemp("archive")
    data = tmp_path / "data"
    site = make_site()
    server = serve(site)
    url = f"http://127.0.0.1:{server.server_port}/"
    try:
        first = run_crawl(tmp_path, url, data, name="first")
        first_files = warc_files(data / "warc")
        first_requests = len(site.requests)
        sent_first = {path: list(bodies) for path, bodies in site.sent.items()}
        site.resources["/a.html"] = Resource(
            page("Trang A", "Nội dung A, bản 2 đã sửa."),
            etag='"a2"',
            last_modified="Thu, 26 Nov 2026 08:00:00 GMT",
        )
        second = run_crawl(tmp_path, url, data, name="second")
        yield {
            "data": data,
            "url": url,
            "site": site,
            "first": first,
            "second": second,
            "first_files": first_files,
            "first_requests": first_requests,
            "sent_first": sent_first,
        }
    finally:
        server.shutdown()


def by_path(items: list[dict], base: str) -> dict[str, dict]:
    return {item["url"].removeprefix(base.rstrip("/")): item for item in items}


def test_warcio_check_and_index_pass(archive: dict) -> None:
    files = [str(p) for p in warc_files(archive["data"] / "warc")]
    assert len(files) == 2
    check = warcio_cli("check", "-v", *files)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest failed" not in check.stdout
    index = warcio_cli("index", "-f", "warc-type,warc-target-uri,http:status", *files)
    assert index.returncode == 0, index.stderr
    assert index.stdout.count('"warc-type": "warcinfo"') == 2


def test_file_names_and_warcinfo_first(archive: dict) -> None:
    for path in warc_files(archive["data"] / "warc"):
        assert path.name.startswith("govarchive-") and path.name.endswith(".warc.gz")
        _, ts, seq, pid = path.name.removesuffix(".warc.gz").split("-")
        assert len(ts) == 17 and seq == "00000" and pid.isdigit()
        with path.open("rb") as stream:
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "warcinfo"
            assert record.rec_headers.get_header("WARC-Filename") == path.name
            info = record.content_stream().read().decode()
        assert record.rec_headers.protocol == "WARC/1.1"
        assert "software: govarchive/" in info and "Scrapy/2." in info
        assert "http-header-user-agent: govarchive-test" in info
        assert "robots: obey" in info
        assert "govarchive-portal: test-portal" in info


def test_payload_is_byte_for_byte_what_the_server_sent(archive: dict) -> None:
    sent = archive["sent_first"]
    first_files = {p.name for p in archive["first_files"]}
    captures = [c for c in iter_captures(archive["data"] / "warc") if c.record_file in first_files]
    base = archive["url"].rstrip("/")
    seen = set()
    for capture in captures:
        path = capture.url.removeprefix(base)
        if path in sent:
            assert capture.raw_body == sent[path][0], path
            seen.add(path)
    assert {"/", "/a.html", "/b.html", "/c.html", "/chunked.html", "/robots.txt"} <= seen
    b = next(c for c in captures if c.url.endswith("/b.html"))
    assert b.headers["content-encoding"] == "gzip"
    assert b.raw_body[:2] == b"\x1f\x8b"
    assert b.body == make_site().resources["/b.html"].body
    chunked = next(c for c in captures if c.url.endswith("/chunked.html"))
    assert "transfer-encoding" not in chunked.headers
    assert chunked.body == make_site().resources["/chunked.html"].body
    assert chunked.digest == payload_digest(chunked.raw_body)


def test_request_and_response_records_are_linked(archive: dict) -> None:
    path = archive["first_files"][0]
    records = {}
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_headers
    responses = [h for h in records.values() if h.get_header("WARC-Type") == "response"]
    assert responses
    for headers in responses:
        request = records[headers.get_header("WARC-Concurrent-To")]
        assert request.get_header("WARC-Type") == "request"
        assert request.get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
        assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert headers.get_header("WARC-Block-Digest").startswith("sha1:")
        assert headers.get_header("WARC-Govarchive-Portal") == "test-portal"


def test_first_crawl_stashes_capture_meta(archive: dict) -> None:
    items = by_path(archive["first"].items, archive["url"])
    a = items["/a.html"]["warc_capture"]
    assert a["revisit"] is False and a["status"] == 200
    assert a["digest"].startswith("sha1:")
    assert a["fetched"].endswith("Z") and len(a["fetched"]) == 20
    assert a["warc_file"] == archive["first_files"][0].name
    capture = next(
        c
        for c in iter_captures(archive["data"] / "warc")
        if c.url.endswith("/a.html") and not c.revisit
    )
    assert (capture.warc_file, capture.warc_offset, capture.digest) == (
        a["warc_file"],
        a["warc_offset"],
        a["digest"],
    )


def test_recrawl_sends_validators_but_not_for_robots(archive: dict) -> None:
    second = archive["site"].requests[archive["first_requests"] :]
    headers = {path: h for path, h in second}
    assert headers["/a.html"]["if-none-match"] == '"a1"'
    assert headers["/b.html"]["if-none-match"] == '"b1"'
    assert headers["/b.html"]["if-modified-since"] == "Mon, 23 Nov 2026 09:00:00 GMT"
    assert "if-none-match" not in headers["/robots.txt"]
    assert "if-none-match" not in headers["/c.html"]


def test_recrawl_stores_revisits_and_changed_page(archive: dict) -> None:
    second_file = [
        p for p in warc_files(archive["data"] / "warc") if p not in archive["first_files"]
    ]
    records = [
        r for r in iter_records(archive["data"] / "warc") if r.warc_file == second_file[0].name
    ]
    kinds = {
        r.url.removeprefix(archive["url"].rstrip("/")): r
        for r in records
        if r.rec_type != "request"
    }
    assert kinds["/b.html"].rec_type == "revisit"
    assert kinds["/b.html"].profile == PROFILE_NOT_MODIFIED
    assert kinds["/b.html"].status == 304
    for path in ("/", "/c.html", "/robots.txt", "/chunked.html"):
        assert kinds[path].rec_type == "revisit", path
        assert kinds[path].profile == PROFILE_IDENTICAL_PAYLOAD
        assert kinds[path].refers_to_uri == kinds[path].url
        assert kinds[path].refers_to_date
    assert kinds["/a.html"].rec_type == "response"

    items = by_path(archive["second"].items, archive["url"])
    assert items["/b.html"]["not_modified"] is True and items["/b.html"]["status"] == 304
    assert items["/b.html"]["warc_capture"]["revisit"] is True
    first = by_path(archive["first"].items, archive["url"])
    assert (
        items["/b.html"]["warc_capture"]["warc_file"]
        == first["/b.html"]["warc_capture"]["warc_file"]
    )
    assert items["/b.html"]["warc_capture"]["digest"] == first["/b.html"]["warc_capture"]["digest"]
    assert items["/c.html"]["warc_capture"]["revisit"] is True
    assert items["/a.html"]["warc_capture"]["revisit"] is False
    assert items["/a.html"]["warc_capture"]["digest"] != first["/a.html"]["warc_capture"]["digest"]


def test_revisits_read_back_with_the_payload_they_refer_to(archive: dict) -> None:
    latest = {
        c.url.removeprefix(archive["url"].rstrip("/")): c
        for c in latest_captures(archive["data"] / "warc")
    }
    assert latest["/b.html"].revisit and latest["/b.html"].status == 200
    assert latest["/b.html"].body == make_site().resources["/b.html"].body
    assert latest["/b.html"].content_type == "text/html"
    assert (
        latest["/c.html"].revisit
        and latest["/c.html"].body == make_site().resources["/c.html"].body
    )
    assert not latest["/a.html"].revisit and "bản 2" in latest["/a.html"].body.decode()
    assert latest["/missing.html"].status == 404
    ok = {c.url for c in latest_captures(archive["data"] / "warc", ok_only=True)}
    assert not any(url.endswith("/missing.html") for url in ok)
    urls = [c.url for c in latest_captures(archive["data"] / "warc")]
    assert urls == sorted(urls)


def test_capture_index_rows(archive: dict) -> None:
    base = archive["url"].rstrip("/")
    with CaptureIndex(archive["data"] / "state" / "captures.sqlite") as index:
        b = index.get(base + "/b.html")
        a = index.get(base + "/a.html")
        c = index.get(base + "/c.html")
        assert b is not None and a is not None and c is not None
        assert b.revisit and b.status == 200 and b.etag == '"b1"'
        assert b.warc_file == archive["first_files"][0].name
        first = by_path(archive["first"].items, archive["url"])
        second = by_path(archive["second"].items, archive["url"])
        assert b.first_seen == first["/b.html"]["warc_capture"]["fetched"]
        assert b.fetched == second["/b.html"]["warc_capture"]["fetched"]
        assert not a.revisit and a.etag == '"a2"'
        assert a.last_modified == "Thu, 26 Nov 2026 08:00:00 GMT"
        assert c.revisit and c.etag is None
        assert index.known(base + "/missing.html")
        assert index.get(base + "/missing.html").status == 404
        urls = list(index.urls())
        assert urls == sorted(urls) and len(urls) == 7
        rows = {row.url: row for row in index.rows()}

    rebuilt_path = archive["data"] / "state" / "rebuilt.sqlite"
    with CaptureIndex(rebuilt_path) as rebuilt:
        assert rebuilt.rebuild_from_warcs(archive["data"] / "warc") == 7
        for url, row in rows.items():
            assert rebuilt.get(url) == row, url


def test_truncated_warc_reads_back_without_the_torn_record(
    archive: dict, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = archive["first_files"][0]
    records = [r for r in iter_records(archive["data"] / "warc") if r.warc_file == source.name]
    last_response = [r for r in records if r.rec_type == "response"][-1]
    data = source.read_bytes()
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    complete = sum(1 for r in records if r.rec_type == "response")
    for cut in (last_response.warc_offset + 40, last_response.warc_offset + 400):
        (warc_dir / source.name).write_bytes(data[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="scraper.archive"):
            captures = list(iter_captures(warc_dir))
        assert len(captures) == complete - 1
        assert all(
            c.url != last_response.url or c.warc_offset != last_response.warc_offset
            for c in captures
        )
        torn = [r for r in caplog.records if "torn" in r.getMessage()]
        assert len(torn) == 1, [r.getMessage() for r in caplog.records]


def test_rotation_starts_a_new_file_with_warcinfo(tmp_path: Path) -> None:
    site = make_site()
    server = serve(site)
    try:
        run_crawl(
            tmp_path,
            f"http://127.0.0.1:{server.server_port}/",
            tmp_path / "data",
            name="rotate",
            WARC_MAX_SIZE=1,
        )
    finally:
        server.shutdown()
    files = warc_files(tmp_path / "data" / "warc")
    assert len(files) == 7  # robots.txt, /, a, b, c, chunked, missing: one capture per file
    assert [p.name.split("-")[2] for p in files] == [f"{i:05d}" for i in range(7)]
    for path in files:
        with path.open("rb") as stream:
            types = [record.rec_type for record in ArchiveIterator(stream)]
        assert types == ["warcinfo", "response", "request"]


def test_response_size_cap_marks_truncated(tmp_path: Path) -> None:
    site = make_site()
    server = serve(site)
    try:
        run_crawl(
            tmp_path,
            f"http://127.0.0.1:{server.server_port}/c.html",
            tmp_path / "data",
            name="cap",
            WARC_MAX_RESPONSE_SIZE=50,
        )
    finally:
        server.shutdown()
    captures = {c.url: c for c in iter_captures(tmp_path / "data" / "warc")}
    capture = next(c for url, c in captures.items() if url.endswith("/c.html"))
    assert capture.truncated and len(capture.raw_body) == 50
    check = warcio_cli("check", *map(str, warc_files(tmp_path / "data" / "warc")))
    assert check.returncode == 0, check.stdout


def test_a_failed_write_is_logged_and_the_next_capture_starts_a_new_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import scrapy
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from scraper.extensions.warc import WarcCapture

    crawler = get_crawler(scrapy.Spider, settings_dict={"WARC_DIR": str(tmp_path / "warc")})
    ext = WarcCapture.from_crawler(crawler)
    spider = scrapy.Spider(name="failing")

    def fetch(n: int) -> scrapy.Request:
        request = scrapy.Request(f"https://example.gov.vn/{n}.html")
        response = HtmlResponse(request.url, body=page("T", str(n)), request=request)
        ext.response_downloaded(response, request, spider)
        return request

    first = fetch(1).meta["warc_capture"]
    ext._writer.write_record = lambda record: (_ for _ in ()).throw(OSError("disk full"))
    with caplog.at_level(logging.ERROR):
        assert "warc_capture" not in fetch(2).meta
    assert "WARC capture failed" in caplog.text
    assert fetch(3).meta["warc_capture"]["warc_file"] != first["warc_file"]
    ext.spider_closed(spider)
    assert len(warc_files(tmp_path / "warc")) == 2
    assert len(list(iter_captures(tmp_path / "warc"))) == 2
