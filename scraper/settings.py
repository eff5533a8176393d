"""Scrapy settings of govarchive: polite by default, WARC capture on, records as JSONL."""

from __future__ import annotations

import os

BOT_NAME = "govarchive"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

GOVARCHIVE_DATA = os.environ.get("GOVARCHIVE_DATA", "data")
GOVARCHIVE_CONTACT = os.environ.get("GOVARCHIVE_CONTACT", "see https://pypi.org/project/govarchive")

USER_AGENT = (
    "govarchive/0.1 (web archive of Vietnamese government portals for research; "
    f"{GOVARCHIVE_CONTACT})"
)

# Politeness: robots.txt, few connections per site, adaptive delay, back off on errors.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items of one page processed at once: the pipelines are synchronous, and Scrapy starts this
# many asyncio tasks for every callback's output (the default, 100, costs ~5% of a crawl).
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DEPTH_PRIORITY = 0

FEED_EXPORT_ENCODING = "utf-8"
FEEDS = {
    f"{GOVARCHIVE_DATA}/items/%(crawl_id)s-crawl-%(portal)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
    },
}

ITEM_PIPELINES = {
    "scraper.pipelines.RecordPipeline": 100,
    "scraper.pipelines.IndexPipeline": 800,
}
GOVARCHIVE_INDEX_DIR = f"{GOVARCHIVE_DATA}/index"
# Parse pages and extract attachment text (OCR) in worker processes (scraper/workers.py), so
# that the crawl's own process only fetches, captures and schedules; False: all in-process.
GOVARCHIVE_WORKERS = True
# Records per index commit (in the index's own process): larger batches write fewer segments,
# and merging small segments costs more than writing them.
GOVARCHIVE_INDEX_BATCH = 2000

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 30.0

# Every response into WARC (set WARC_DIR to switch it on; the CLI points it at DATA/warc).
WARC_DIR = os.environ.get("GOVARCHIVE_WARC_DIR", f"{GOVARCHIVE_DATA}/warc")
CAPTURE_INDEX_PATH = f"{GOVARCHIVE_DATA}/state/captures.sqlite"
WARC_MAX_SIZE = 100 * 1024 * 1024
WARC_MAX_RESPONSE_SIZE = 50 * 1024 * 1024
EXTENSIONS = {
    "scraper.extensions.warc.WarcCapture": 100,
    "scraper.progress.CrawlProgress": 500,
}
GOVARCHIVE_PROGRESS_INTERVAL = 5.0
# Conditional requests (ETag / Last-Modified) for pages already archived: 304 → revisit record.
CONDITIONAL_REQUESTS = True
DOWNLOADER_MIDDLEWARES = {
    "scraper.middlewares.ConditionalRequestMiddleware": 560,
}

# --- reliability (scraper/retry.py, scraper/traps.py; see docs/reliability.md) ---------------
# Retries: 5xx/429 and network errors with exponential backoff; Retry-After obeyed per host.
DOWNLOADER_MIDDLEWARES.update(
    {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "scraper.retry.RetryAfterMiddleware": 550,
        "scraper.traps.PortalBoundaryMiddleware": 40,
    }
)
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0
# Crawler traps: session ids, endless calendars and pagination, query permutations.
SPIDER_MIDDLEWARES = {
    **globals().get("SPIDER_MIDDLEWARES", {}),
    "scraper.traps.CrawlerTrapMiddleware": 650,
}
TRAPS_ENABLED = True
TRAP_MAX_PAGE = 10000
TRAP_EMPTY_PAGES = 5
TRAP_MAX_CALENDAR_PAGES = 24
TRAP_MAX_QUERY_VARIANTS = 50
# --- end reliability --------------------------------------------------------------------------
