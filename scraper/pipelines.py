"""Item pipelines: complete and de-duplicate records, keep the search index current."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

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
    """Upsert records into the Whoosh index in batches, committing at the end of the crawl."""

    def __init__(self, index_dir: Path, batch_size: int) -> None:
        self.index_dir = index_dir
        self.batch_size = batch_size
        self.batch: list[dict[str, Any]] = []
        self.indexed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        """Build from settings; off when GOVARCHIVE_INDEX_DIR is empty."""
        index_dir = crawler.settings.get("GOVARCHIVE_INDEX_DIR")
        if not index_dir:
            raise NotConfigured("GOVARCHIVE_INDEX_DIR not set")
        return cls(Path(index_dir), crawler.settings.getint("GOVARCHIVE_INDEX_BATCH", 500))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Queue the record; flush a full batch."""
        self.batch.append(dict(item))
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the queued records to the index."""
        if not self.batch:
            return
        from indexer.index import index_records

        index_records(self.index_dir, self.batch)
        self.indexed += len(self.batch)
        self.batch = []

    def close_spider(self) -> None:
        """Flush what is left."""
        self.flush()
        logger.info("indexed %d records into %s", self.indexed, self.index_dir)
