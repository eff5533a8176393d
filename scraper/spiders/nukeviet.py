"""Spider `nukeviet`: walks a NukeViet portal from its home page and yields its records."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from scraper.attachment_records import ATTACHMENT_MAX_SIZE
from scraper.parsers import ParseError
from scraper.workers import CrawlWorkers

ARTICLE_PATH = re.compile(r"/(?!page-\d+/?$)[\w.-]+-\d+(?:\.html?|/)$")
PAGINATION_PATH = re.compile(r"/page-\d+/?$")
# Detail pages of the laws and dispatch modules (directives, decisions, công văn) come before
# everything else but their own attachments: they are what researchers look for first, and the
# OCR of their scanned attachments, the slowest work of a crawl, then runs while pages are
# still being fetched instead of after the last one.
DOCUMENT_PATH = re.compile(r"/detail/[^/]+/?$")
DOCUMENT_PRIORITY = 5
# Pages that duplicate articles, act on the site, or never end.
DENY_PATHS = (
    r"/print/",
    r"/rss/?",
    r"/search/?",
    r"/tags?/",
    r"/users?/",
    r"/admin/",
    r"/sendmail/",
    r"/savefile/",
    r"/statistics/",
    r"/voting/",
    r"/banners/",
    r"/feeds/",
    r"/contact/",
    r"/seek/",
    r"/siteterms/",
    r"/uploads/",
    r"/assets/",
    r"/themes/",
    r"/data/",
    r"/files/",
    r"[?&](?:nvvithemever|nv_redirect|langinterface|nocache)=",
    r"[?&]op=(?:rss|print|sendmail|savefile|search)",
)
DENY_EXTENSIONS = [
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "7z",
    "jpg", "jpeg", "png", "gif", "bmp", "svg", "webp", "ico",
    "mp3", "mp4", "avi", "flv", "wmv", "css", "js", "xml",
]  # fmt: skip
DENY_EXTENSION_SET = frozenset(DENY_EXTENSIONS)
DENY_RE = re.compile("|".join(DENY_PATHS))
LINK_CACHE_SIZE = 200_000
LINK_HREF = re.compile(
    rb"""<(?:a|area)\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I
)
BASE_HREF = re.compile(rb"""<base\s[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.I)
HTML_TYPES = (b"text/html", b"application/xhtml")
_UNRESOLVED = object()


def utc_stamp() -> str:
    """Compact UTC timestamp used to name a crawl's files."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


class NukeVietSpider(scrapy.Spider):
    """Crawl one NukeViet portal: menu, category listings to the last page, articles, laws."""

    name = "nukeviet"
    handle_httpstatus_list: ClassVar[list[int]] = [304]

    def __init__(
        self,
        url: str | None = None,
        portal: str | None = None,
        cms: str | None = None,
        allowed: str | None = None,
        crawl_id: str | None = None,
        incremental: str | bool = False,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not url:
            raise ValueError(
                "give the portal's start URL: scrapy crawl nukeviet -a url=https://..."
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.start_url = url
        host = parts.hostname
        self.allowed_domains = [host, *(allowed.split(",") if allowed else [])]
        self.portal = portal or host
        self.cms = cms
        self.crawl_id = crawl_id or utc_stamp()
        self.emitted: set[str] = set()
        self.incremental = str(incremental).lower() in ("1", "true", "yes", "on")
        self.since = since
        self.archived: dict[str, str] = {}
        self.recheck: set[str] = set()
        self.indexed: set[str] = set()
        self.followed: set[str] = set()
        self.link_cache: dict[Any, str | None] = {}
        self._workers: CrawlWorkers | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Start from the home page and the portal's sitemap."""
        self.archived = self.load_archived()
        self.indexed = self.load_indexed()
        yield scrapy.Request(
            self.start_url, callback=self.parse, errback=self.page_failed, dont_filter=True
        )
        yield scrapy.Request(
            urljoin(self.start_url, "/sitemap.xml"),
            callback=self.parse_sitemap,
            errback=self.ignore_failure,
            dont_filter=True,
        )

    def load_archived(self) -> dict[str, str]:
        """URLs archived before this run, with their capture times (incremental mode only)."""
        path = self.settings.get("CAPTURE_INDEX_PATH") if self.incremental else None
        if not path or not Path(path).exists():
            return {}
        from scraper.capture_index import CaptureIndex

        with CaptureIndex(path) as index:
            return {row.url: row.fetched for row in index.rows() if row.status != 304}

    def load_indexed(self) -> set[str]:
        """URLs whose records the index holds: an unchanged page missing there is re-emitted."""
        index_dir = self.settings.get("GOVARCHIVE_INDEX_DIR")
        if not index_dir:
            return set()
        from indexer.index import indexed_urls

        return indexed_urls(Path(index_dir))

    def wanted(self, url: str) -> bool:
        """Whether to fetch an article URL: always in a full crawl, else if new or due a check."""
        return not self.incremental or url not in self.archived or url in self.recheck

    @property
    def workers(self) -> CrawlWorkers:
        """This crawl's parse and attachment worker processes (started on first use)."""
        if self._workers is None:
            self._workers = CrawlWorkers(self.settings.getbool("GOVARCHIVE_WORKERS", True))
        return self._workers

    async def closed(self, reason: str) -> None:
        """End the worker processes (the engine waits for this)."""
        if self._workers is not None:
            await self._workers.close()

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        """Emit the page's record, then follow its in-portal links."""
        body = response.body
        if response.status == 304:
            self.crawler.stats.inc_value("govarchive/unchanged")
            body = self.archived_body(response)
            if body is None:
                return
        elif not isinstance(response, TextResponse) or not self.is_html(response):
            return
        try:
            result = await self.workers.parse(response.url, body, self.cms, self.portal)
        except ParseError as exc:
            self.logger.warning("not parsed: %s: %s", response.url, exc)
            self.crawler.stats.inc_value("govarchive/parse_errors")
            result = {"kind": "listing", "links": []}
        if result.get("kind") in ("article", "document"):
            for item in self.emit(self.complete(result, response), response):
                yield item
        for item in self.follow_links(response.url, body, result.get("links") or []):
            yield item

    def follow_links(self, url: str, body: bytes, listed: list[str]) -> Iterator[scrapy.Request]:
        """Requests for a page's listed articles and its other in-portal links."""
        article_links = [u for u in listed if self.in_portal(u)]
        # An incremental crawl walks a listing deeper only while it still finds new pages.
        deeper = not self.incremental or any(u not in self.archived for u in article_links)
        for link in article_links:
            if link in self.archived and self.incremental:
                self.recheck.add(link)  # seen on a walked listing: a cheap conditional check
            yield from self.follow(link)
        for link in self.page_links(url, body):
            path = urlsplit(link).path
            if PAGINATION_PATH.search(path) and not deeper:
                continue
            if ARTICLE_PATH.search(path) and not self.wanted(link):
                continue
            yield from self.follow(link)

    def follow(self, url: str) -> Iterator[scrapy.Request]:
        """A request for a URL this crawl has not asked for yet."""
        if url not in self.followed:
            self.followed.add(url)
            priority = DOCUMENT_PRIORITY if DOCUMENT_PATH.search(urlsplit(url).path) else 0
            yield scrapy.Request(
                url, callback=self.parse, errback=self.page_failed, priority=priority
            )

    def page_failed(self, failure: Any) -> None:
        """Count and log a page given up (after retries); robots and trap refusals are not failures."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return
        self.crawler.stats.inc_value("govarchive/failed")
        self.logger.warning("failed: %s: %s", failure.request.url, failure.getErrorMessage())

    def page_links(self, base_url: str, body: bytes) -> list[str]:
        """In-portal links of a page worth following (deny rules, file types, fragments)."""
        # A regex over the bytes, not a second HTML parse: discovery only needs the hrefs.
        base_match = BASE_HREF.search(body)
        base = base_url
        if base_match:
            base = urljoin(base_url, html.unescape(base_match.group(1).decode("utf-8", "replace")))
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        if len(self.link_cache) > LINK_CACHE_SIZE:
            self.link_cache.clear()
        cache = self.link_cache
        found: dict[str, None] = {}
        # Each distinct href once (menus and sidebars repeat links), resolved once per crawl
        # where it resolves the same way wherever it appears: absolute, or root-relative (per
        # origin).
        for groups in dict.fromkeys(LINK_HREF.findall(body)):
            raw = groups[0] or groups[1] or groups[2]
            if raw[:1] == b"/" and raw[1:2] != b"/":
                key: Any = (origin, raw)
            elif raw.startswith((b"http://", b"https://")):
                key = raw
            else:
                key = (base, raw)
            url = cache.get(key, _UNRESOLVED)
            if url is _UNRESOLVED:
                href = raw.decode("utf-8", "replace").strip()
                if "&" in href:
                    href = html.unescape(href)
                url = cache[key] = self.resolve_link(base, href)
            if url is not None:
                found[url] = None
        return list(found)

    def resolve_link(self, base: str, href: str) -> str | None:
        """The absolute URL of a link worth following, or None."""
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        url = urldefrag(urljoin(base, href))[0]
        path = urlsplit(url).path.lower()
        if path.rsplit(".", 1)[-1] in DENY_EXTENSION_SET and "." in path.rsplit("/", 1)[-1]:
            return None
        if DENY_RE.search(url) or not self.in_portal(url):
            return None
        return url

    def archived_body(self, response: Response) -> bytes | None:
        """The archived payload behind a 304, so an unchanged listing's links are still followed."""
        capture = response.meta.get("warc_capture") or {}
        warc_dir = self.settings.get("WARC_DIR")
        if not warc_dir or capture.get("warc_file") is None:
            return None
        from scraper.archive import ArchiveError, capture_at

        try:
            archived = capture_at(warc_dir, capture["warc_file"], capture["warc_offset"])
        except (OSError, ValueError, KeyError, ArchiveError) as exc:
            self.logger.warning("archived copy of %s unreadable: %s", response.url, exc)
            return None
        return archived.body if archived.status == 200 else None

    def emit(self, record: dict[str, Any], response: Response) -> Iterator[dict[str, Any]]:
        """Yield a new or changed record once; count unchanged captures."""
        if record["url"] in self.emitted:
            return
        self.emitted.add(record["url"])
        capture = response.meta.get("warc_capture") or {}
        unchanged = response.status == 304 or capture.get("revisit")
        if unchanged and record["url"] in self.indexed:
            if response.status != 304:  # 304s were counted on arrival
                self.crawler.stats.inc_value("govarchive/unchanged")
            return
        if unchanged:
            # Archived before, but its record never reached the index (a killed run): recover it.
            self.crawler.stats.inc_value("govarchive/recovered")
        else:
            seen_before = response.url in self.archived or record["url"] in self.archived
            self.crawler.stats.inc_value("govarchive/changed" if seen_before else "govarchive/new")
        self.crawler.stats.inc_value(f"govarchive/records/{record['kind']}")
        if self.settings.getbool("GOVARCHIVE_ATTACHMENTS", True) and record.get("attachments"):
            record["attachments"] = [dict(a) for a in record["attachments"]]
            yield self.next_attachment(record, 0)
        else:
            yield record

    def next_attachment(self, record: dict[str, Any], start: int) -> scrapy.Request | dict:
        """The request for the record's next fetchable attachment, or the finished record."""
        from scraper.attachment_records import add_attachment_refs, attachment_entry

        attachments = record["attachments"]
        for i in range(start, len(attachments)):
            url = attachments[i].get("url") or ""
            if url.startswith(("http://", "https://")) and self.in_portal(url):
                return scrapy.Request(
                    url,
                    callback=self.parse_attachment,
                    errback=self.attachment_failed,
                    dont_filter=True,
                    priority=10,
                    meta={
                        "record": record,
                        "attachment": i,
                        "download_maxsize": self.settings.getint(
                            "GOVARCHIVE_ATTACHMENT_MAX_SIZE", ATTACHMENT_MAX_SIZE
                        ),
                    },
                )
            attachments[i] = attachment_entry(attachments[i], None, missing="outside the portal")
        return add_attachment_refs(record)

    async def parse_attachment(self, response: Response) -> AsyncIterator[Any]:
        """Extract an attachment's text (in a worker process: OCR is slow), then the next."""
        record, i = response.meta["record"], response.meta["attachment"]
        body = self.archived_body(response) if response.status == 304 else response.body
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        record["attachments"][i] = await self.workers.attachment(
            record["attachments"][i], body, ctype
        )
        self.crawler.stats.inc_value("govarchive/attachments")
        yield self.next_attachment(record, i + 1)

    def attachment_failed(self, failure: Any) -> Iterator[Any]:
        """Record why an attachment is missing, then go on to the next."""
        from scraper.attachment_records import attachment_entry

        request = failure.request
        record, i = request.meta["record"], request.meta["attachment"]
        reason = f"download failed: {failure.getErrorMessage()}"
        record["attachments"][i] = attachment_entry(record["attachments"][i], None, missing=reason)
        self.crawler.stats.inc_value("govarchive/attachment_errors")
        yield self.next_attachment(record, i + 1)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """Follow a sitemap index and the page URLs of its sitemaps."""
        from scrapy.utils.sitemap import Sitemap

        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # a broken sitemap must not stop the crawl
            self.logger.warning("bad sitemap %s: %s", response.url, exc)
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc or not self.in_portal(loc):
                continue
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(loc, callback=self.parse_sitemap, errback=self.ignore_failure)
            elif DENY_RE.search(loc):
                continue
            elif loc in self.archived:
                lastmod = entry.get("lastmod") or ""
                if lastmod and lastmod > self.archived[loc][:10] and lastmod >= (self.since or ""):
                    self.recheck.add(loc)
                    yield from self.follow(loc)
            else:
                yield from self.follow(loc)

    def ignore_failure(self, failure: Any) -> None:
        """A missing sitemap or feed is not an error."""
        self.logger.debug("optional resource failed: %s", failure.value)

    def complete(self, record: dict[str, Any], response: Response) -> dict[str, Any]:
        """Add what the crawl knows: portal, capture time and WARC location."""
        record = dict(record)
        record["portal"] = self.portal
        capture = response.meta.get("warc_capture") or {}
        record["fetched"] = capture.get("fetched") or time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()
        )
        for key in ("digest", "warc_file", "warc_offset"):
            if capture.get(key) is not None:
                record[key] = capture[key]
        return record

    def in_portal(self, url: str) -> bool:
        """Whether a URL belongs to this portal's domains."""
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    @staticmethod
    def is_html(response: Response) -> bool:
        """Whether the response is an HTML page."""
        ctype = response.headers.get(b"Content-Type", b"text/html").lower()
        return any(t in ctype for t in HTML_TYPES)
