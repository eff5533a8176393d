"""Item pipelines: complete and de-duplicate records, keep the search index current."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from indexer.errors import IndexerError
from indexer.worker import IndexWorker, InlineIndexer
from scraper.record import RECORD_FIELDS, empty_record

logger = logging.getLogger(__name__)


class RecordPipeline:
    """Give every record every field and drop a second record for the same URL."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Complete the record; drop duplicates within this crawl."""
        url = item.get("url")
        if not url:
            raise DropItem("record without url")
        if url in self.seen:
            raise DropItem(f"duplicate record for {url}")
        self.seen.add(url)
        record = empty_record(url)
        record.update({key: value for key, value in item.items() if key in RECORD_FIELDS})
        return record


class IndexPipeline:
    """Upsert records into the Whoosh index from a child process, committing every batch.

    The crawls of one process that share an index share one child (one writer, no lock waits).
    """

    workers: ClassVar[dict[str, tuple[IndexWorker | InlineIndexer, int]]] = {}

    def __init__(
        self,
        index_dir: Path,
        batch_size: int,
        crawler: Crawler | None = None,
        in_process: bool = False,
    ) -> None:
        self.index_dir = index_dir
        self.batch_size = batch_size
        self.crawler = crawler
        self.key = str(index_dir.resolve())
        self.worker: IndexWorker | InlineIndexer | None = None
        self.in_process = in_process
        self.reported_failures = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        """Build from settings; off when GOVARCHIVE_INDEX_DIR is empty."""
        index_dir = crawler.settings.get("GOVARCHIVE_INDEX_DIR")
        if not index_dir:
            raise NotConfigured("GOVARCHIVE_INDEX_DIR not set")
        return cls(
            Path(index_dir),
            crawler.settings.getint("GOVARCHIVE_INDEX_BATCH", 2000),
            crawler,
            in_process=not crawler.settings.getbool("GOVARCHIVE_INDEX_PROCESS", True),
        )

    def open_spider(self) -> None:
        """Start the index's child process, or join the one this process already runs."""
        worker, users = self.workers.get(self.key, (None, 0))
        if worker is None:
            if self.in_process:
                worker = InlineIndexer(self.index_dir, self.batch_size)
            else:
                worker = IndexWorker(self.index_dir, self.batch_size)
        self.workers[self.key] = (worker, users + 1)
        self.worker = worker

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Hand the record to the index's child process."""
        if self.worker is None:
            self.open_spider()
        assert self.worker is not None
        self.worker.add(dict(item))
        self.count_failures()
        return item

    def count_failures(self) -> None:
        """Add the records the child could not index to this crawl's failures."""
        if self.worker is None or self.crawler is None or self.crawler.stats is None:
            return
        new = self.worker.failed - self.reported_failures
        if new:
            self.crawler.stats.inc_value("govarchive/index_errors", new)
            self.reported_failures = self.worker.failed

    def close_spider(self) -> None:
        """Wait for the index to hold every record (when the last crawl sharing it closes)."""
        if self.worker is None:
            return
        worker, users = self.workers.pop(self.key, (self.worker, 1))
        if users > 1:
            self.workers[self.key] = (worker, users - 1)
            return
        try:
            worker.close()
        except IndexerError as exc:
            logger.error("index: %s", exc)
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.inc_value("govarchive/index_errors")
        self.count_failures()
        logger.info("indexed %d records into %s", worker.indexed, self.index_dir)
