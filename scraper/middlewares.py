"""ConditionalRequestMiddleware: revalidate archived pages with If-None-Match / If-Modified-Since."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from scraper.capture_index import CaptureIndex, capture_index_path

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

NOT_MODIFIED_KEY = "not_modified"
CONDITIONAL_KEY = "conditional_request"
SKIP_KEY = "dont_revalidate"


class ConditionalRequestMiddleware:
    """Add validators from the capture index to requests for archived URLs; let 304 reach the spider.

    On when `CONDITIONAL_REQUESTS = True` and `WARC_DIR` (or `CAPTURE_INDEX_PATH`) is set. A 304 answer
    gets `meta["not_modified"] = True` and 304 added to `meta["handle_httpstatus_list"]` (keeping
    the spider's own list), so HttpErrorMiddleware lets it through. `meta["dont_revalidate"]`
    skips a request; robots.txt is never revalidated.
    """

    def __init__(self, crawler: Crawler, index: CaptureIndex) -> None:
        self.crawler = crawler
        self.index = index

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        """Build from settings `CONDITIONAL_REQUESTS`, `WARC_DIR`, `CAPTURE_INDEX_PATH`."""
        settings = crawler.settings
        if not settings.getbool("CONDITIONAL_REQUESTS"):
            raise NotConfigured("CONDITIONAL_REQUESTS is off")
        warc_dir = settings.get("WARC_DIR")
        override = settings.get("CAPTURE_INDEX_PATH")
        if not warc_dir and not override:
            raise NotConfigured("CONDITIONAL_REQUESTS needs WARC_DIR or CAPTURE_INDEX_PATH")
        middleware = cls(crawler, CaptureIndex(capture_index_path(warc_dir or ".", override)))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self, spider: Spider) -> None:
        """Close the capture index."""
        self.index.close()

    def process_request(self, request: Request) -> None:
        """Add If-None-Match / If-Modified-Since when the URL's last capture was a 200 with validators."""
        if request.method not in ("GET", "HEAD") or request.meta.get(SKIP_KEY):
            return None
        if urlsplit(request.url).path == "/robots.txt":
            return None
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return None
        row = self.index.get(request.url)
        if row is None or row.status != 200 or not row.warc_file:
            return None
        if not (row.etag or row.last_modified):
            return None
        if row.etag:
            request.headers[b"If-None-Match"] = row.etag
        if row.last_modified:
            request.headers[b"If-Modified-Since"] = row.last_modified
        request.meta[CONDITIONAL_KEY] = True
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("conditional/requests")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        """Mark a 304 to a conditional request as `not_modified` and let it past HttpErrorMiddleware."""
        if response.status != 304 or not request.meta.get(CONDITIONAL_KEY):
            return response
        request.meta[NOT_MODIFIED_KEY] = True
        settings = self.crawler.settings
        if not request.meta.get("handle_httpstatus_all") and not settings.getbool(
            "HTTPERROR_ALLOW_ALL"
        ):
            allowed = request.meta.get("handle_httpstatus_list")
            if allowed is None:
                spider = self.crawler.spider
                allowed = getattr(spider, "handle_httpstatus_list", None)
                if allowed is None:
                    allowed = settings.getlist("HTTPERROR_ALLOWED_CODES")
            allowed = [int(code) for code in allowed]
            if 304 not in allowed:
                request.meta["handle_httpstatus_list"] = [*allowed, 304]
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("conditional/not_modified")
        return response
