"""Run crawls in this process: settings for an archive layout, one crawler per portal."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from scraper.layout import DataLayout
from scraper.spiders.nukeviet import NukeVietSpider, utc_stamp

logger = logging.getLogger(__name__)


@dataclass
class CrawlTarget:
    """One portal to crawl: its start URL and registry entry, if any."""

    url: str
    portal: str | None = None
    cms: str | None = None
    allowed_domains: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class CrawlSummary:
    """What one portal's crawl did, from the crawler's stats."""

    portal: str
    pages: int = 0
    records: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    recovered: int = 0
    failed: int = 0
    finish_reason: str = ""
    items_file: str = ""

    def line(self) -> str:
        """One line for logs and cron mail."""
        return (
            f"{self.portal}: {self.pages} pages, {self.records} records "
            f"(new {self.new}, changed {self.changed}, unchanged {self.unchanged}"
            + (f", recovered {self.recovered}" if self.recovered else "")
            + "), "
            f"failed {self.failed}, {self.finish_reason}"
        )


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine (the offline replica)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def crawl_settings(layout: DataLayout, *, loopback: bool = False, **overrides: Any) -> Settings:
    """Project settings pointed at one archive layout."""
    layout.ensure()
    settings = get_project_settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set(
        "FEEDS",
        {
            str(layout.items / "%(crawl_id)s-crawl-%(portal)s.jsonl"): {
                "format": "jsonlines",
                "encoding": "utf-8",
            }
        },
        priority="cmdline",
    )
    settings.set("GOVARCHIVE_INDEX_DIR", str(layout.index), priority="cmdline")
    settings.set("WARC_DIR", str(layout.warc), priority="cmdline")
    settings.set("CAPTURE_INDEX_PATH", str(layout.state / "captures.sqlite"), priority="cmdline")
    if loopback:
        # Our own replica: no need to spare it.
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawls(
    layout: DataLayout,
    targets: list[CrawlTarget],
    *,
    incremental: bool = False,
    since: str | None = None,
    resumable: bool = False,
    **overrides: Any,
) -> list[CrawlSummary]:
    """Crawl every target in one Twisted run and return a summary per target.

    `resumable` keeps each portal's scheduler in DATA/state/jobs/<portal> so that a killed run
    continues where it stopped; the job directory is removed once the crawl finishes.
    """
    loopback = all(is_loopback(t.url) for t in targets)
    settings = crawl_settings(layout, loopback=loopback, **overrides)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the caller logs
    process = CrawlerProcess(settings)
    crawlers = []
    crawl_id = utc_stamp()
    for target in targets:
        crawler = process.create_crawler(NukeVietSpider)
        for key, value in target.settings.items():
            crawler.settings.set(key, value, priority="spider")
        jobdir = layout.state / "jobs" / _safe_name(target.portal or target.url)
        if resumable:
            crawler.settings.set("JOBDIR", str(jobdir), priority="spider")
        process.crawl(
            crawler,
            url=target.url,
            portal=target.portal,
            cms=target.cms,
            allowed=",".join(target.allowed_domains) or None,
            crawl_id=crawl_id,
            incremental=incremental,
            since=since,
        )
        crawlers.append((target, crawler, jobdir))
    process.start()
    summaries = []
    for target, crawler, jobdir in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        spider_portal = getattr(crawler.spider, "portal", None) or target.portal or target.url
        records = sum(v for k, v in stats.items() if k.startswith("govarchive/records/"))
        failed = (
            stats.get("govarchive/failed", 0)
            + stats.get("govarchive/parse_errors", 0)
            + stats.get("govarchive/attachment_errors", 0)
            + stats.get("govarchive/index_errors", 0)
            + sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
        )
        summaries.append(
            CrawlSummary(
                portal=spider_portal,
                pages=stats.get("response_received_count", 0),
                records=records,
                new=stats.get("govarchive/new", 0),
                recovered=stats.get("govarchive/recovered", 0),
                changed=stats.get("govarchive/changed", 0),
                unchanged=stats.get("govarchive/unchanged", 0),
                failed=failed,
                finish_reason=str(stats.get("finish_reason", "")),
                items_file=str(layout.items / f"{crawl_id}-crawl-{spider_portal}.jsonl"),
            )
        )
        _save_stats(layout, crawl_id, spider_portal, stats)
        if resumable and summaries[-1].finish_reason == "finished":
            shutil.rmtree(jobdir, ignore_errors=True)
    return summaries


def _save_stats(layout: DataLayout, crawl_id: str, portal: str, stats: dict[str, Any]) -> None:
    """Keep a crawl's Scrapy stats in DATA/state/stats/ for operators and benchmarks."""
    path = layout.state / "stats" / f"{crawl_id}-{_safe_name(portal)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")


def _safe_name(text: str) -> str:
    """A file-system-safe name for a portal id or URL."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "portal"
