"""CrawlProgress: a progress line on the log every few seconds, and a summary at the end."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


class CrawlProgress:
    """Log pages, records, errors and rate per portal while a crawl runs."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        """Build from `GOVARCHIVE_PROGRESS_INTERVAL` (seconds; 0 switches it off)."""
        interval = crawler.settings.getfloat("GOVARCHIVE_PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured("GOVARCHIVE_PROGRESS_INTERVAL is 0")
        progress = cls(crawler, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self) -> None:
        """Start the periodic report."""
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, reason: str) -> None:
        """Stop the report and log the last line."""
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(final=reason)

    def report(self, final: str | None = None) -> None:
        """Log one progress line."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        pages = stats.get("response_received_count", 0)
        records = sum(v for k, v in stats.items() if k.startswith("govarchive/records/"))
        errors = stats.get("downloader/exception_count", 0) + stats.get(
            "govarchive/parse_errors", 0
        )
        elapsed = max(time.monotonic() - self.started, 1e-6)
        portal = getattr(self.crawler.spider, "portal", "") or ""
        state = f" ({final})" if final else ""
        logger.info(
            "%s: %d pages, %d records, %d errors, %.1f pages/s, %.0f s%s",
            portal, pages, records, errors, pages / elapsed, elapsed, state,
        )  # fmt: skip
