"""Writing the Whoosh index: upsert records by URL, rebuild from JSONL, open searchers safely."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, FileIndex, LockError
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import NO_MERGE

from indexer.docsets import preload_columns, preload_field_lengths
from indexer.errors import IndexerError, IndexLockedError, NoIndexError
from indexer.fastwrite import SEGMENT_DOCS, FastSegmentWriter, bulk_add
from indexer.schema import build_schema, record_to_document

logger = logging.getLogger(__name__)

DEFAULT_WRITER_TIMEOUT = 30.0
OPEN_RETRIES = 5
MAX_MERGED_DOCS = SEGMENT_DOCS
MERGE_FANOUT = 8


@dataclass
class IndexStats:
    """What one indexing run did."""

    indexed: int = 0
    skipped: int = 0
    commits: int = 0
    total_docs: int = 0
    seconds: float = 0.0

    @property
    def docs_per_second(self) -> float:
        """Indexing throughput of the run."""
        return self.indexed / self.seconds if self.seconds else 0.0


def _storage(path: Path) -> FileStorage:
    # Without mmap: whoosh-reloaded copies a whole mmapped compound sub-file into memory
    # (BytesIO) each time a searcher opens it, which costs O(index size) per search.
    return FileStorage(str(path), supports_mmap=False)


def index_exists(index_dir: Path | str) -> bool:
    """True when `index_dir` holds a Whoosh index."""
    path = Path(index_dir)
    if not path.is_dir():
        return False
    for attempt in range(OPEN_RETRIES):
        try:
            return whoosh_index.exists_in(str(path))
        except OSError:  # the TOC it found was replaced by a commit meanwhile
            time.sleep(0.02 * (attempt + 1))
    return whoosh_index.exists_in(str(path))


def open_index(index_dir: Path | str) -> FileIndex:
    """Open an existing index; raise NoIndexError when there is none."""
    path = Path(index_dir)
    last_error: Exception | None = None
    for attempt in range(OPEN_RETRIES):
        if not index_exists(path):
            raise NoIndexError(f"no index in {path}")
        try:
            return _storage(path).open_index()
        except (OSError, EmptyIndexError) as exc:  # the TOC changed under us: retry
            last_error = exc
            time.sleep(0.02 * (attempt + 1))
    raise NoIndexError(f"cannot open index in {path}: {last_error}")


def check_schema(ix: FileIndex, index_dir: Path | str) -> None:
    """Raise IndexerError when the index was built with another schema than this version's."""
    if set(ix.schema.names()) != set(build_schema().names()):
        raise IndexerError(
            f"the index in {index_dir} was built by another govarchive version: "
            "run govarchive index --rebuild"
        )


def indexed_urls(index_dir: Path | str) -> set[str]:
    """Every URL the index holds a record for (empty when there is no index yet)."""
    if not index_exists(index_dir):
        return set()
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            return {term.decode("utf-8") for term in searcher.lexicon("url")}
    finally:
        ix.close()


def create_or_open_index(index_dir: Path | str) -> FileIndex:
    """Open the index in `index_dir`, creating an empty one (and the directory) if needed."""
    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    if index_exists(path):
        ix = open_index(path)
        check_schema(ix, path)
        return ix
    return _storage(path).create_index(build_schema())


def new_searcher(index_dir: Path | str) -> Searcher:
    """A searcher over the latest commit, its segment files opened now; the caller closes it."""
    last_error: Exception | None = None
    for attempt in range(OPEN_RETRIES):
        ix = open_index(index_dir)
        try:
            check_schema(ix, index_dir)  # reads the TOC again: a commit may have just replaced it
            searcher = ix.searcher()
            # Open now what is read later (segment files are separate: a merge may delete them).
            preload_field_lengths(searcher)
            preload_columns(searcher)
        except OSError as exc:  # a segment was merged away after we read the TOC: reopen
            last_error = exc
            time.sleep(0.02 * (attempt + 1))
            continue
        return searcher
    raise NoIndexError(f"cannot open index in {index_dir}: {last_error}")


@contextmanager
def open_searcher(index_dir: Path | str) -> Iterator[Searcher]:
    """A fresh searcher over the latest commit (never refreshed; open one per search)."""
    searcher = new_searcher(index_dir)
    try:
        yield searcher
    finally:
        searcher.close()


_TOC_NAME = re.compile(r"^_(.+)_(\d+)\.toc$")


def index_generation(index_dir: Path | str) -> tuple[Any, ...] | None:
    """What identifies the index's latest commit: directory inode, TOC name, TOC mtime and size."""
    path = Path(index_dir)
    try:
        latest: tuple[int, str] | None = None
        with os.scandir(path) as entries:
            for entry in entries:
                match = _TOC_NAME.match(entry.name)
                if match and (latest is None or int(match.group(2)) > latest[0]):
                    latest = (int(match.group(2)), entry.name)
        if latest is None:
            return None
        toc = os.stat(path / latest[1])
        return (os.stat(path).st_ino, latest[1], toc.st_mtime_ns, toc.st_size)
    except OSError:
        return None


class SearcherPool:
    """Searchers kept open between searches of a long-running process (the web server).

    A searcher is handed out only while the index's latest commit is the one it was opened
    on; after a commit the next search opens a new one (searchers are never refreshed) and
    the old ones are closed as they come back. One searcher serves one search at a time.
    """

    def __init__(self, index_dir: Path | str, size: int = 8) -> None:
        self.index_dir = Path(index_dir)
        self.size = size
        self._idle: list[tuple[tuple[Any, ...], Searcher]] = []
        self._lock = threading.Lock()

    @contextmanager
    def searcher(self, generation: tuple[Any, ...] | None = None) -> Iterator[Searcher]:
        """A searcher over the latest commit (`generation`, when the caller has just read it),
        returned to the pool afterwards."""
        generation = generation or index_generation(self.index_dir)
        found: Searcher | None = None
        stale: list[Searcher] = []
        with self._lock:
            keep = []
            for item in self._idle:
                if item[0] != generation:
                    stale.append(item[1])
                elif found is None:
                    found = item[1]
                else:
                    keep.append(item)
            self._idle = keep
        for old in stale:
            old.close()
        if found is None:
            found = new_searcher(self.index_dir)
        try:
            yield found
        except BaseException:
            found.close()
            raise
        with self._lock:
            if generation is not None and len(self._idle) < self.size:
                self._idle.append((generation, found))
                return
        found.close()

    def close(self) -> None:
        """Close every idle searcher."""
        with self._lock:
            idle, self._idle = self._idle, []
        for _, searcher in idle:
            searcher.close()


def _locked(ix: FileIndex, timeout: float) -> IndexLockedError:
    return IndexLockedError(
        f"the index in {ix.storage.folder} is locked by another writer "
        f"(waited {timeout:g} s); try again when it has finished"
    )


def _writer(ix: FileIndex, timeout: float, locked: bool = True) -> FastSegmentWriter:
    """A FastSegmentWriter; `locked=False` when the caller already holds the write lock."""
    try:
        if not locked:
            return FastSegmentWriter(ix, _lk=False)
        return FastSegmentWriter(ix, timeout=timeout)
    except LockError as exc:
        raise _locked(ix, timeout) from exc


def _acquire(ix: FileIndex, timeout: float) -> Any:
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise _locked(ix, timeout)
    return lock


def _indexable(record: Any) -> bool:
    return isinstance(record, dict) and bool(record.get("url")) and record.get("kind") != "listing"


def capped_merge(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: merge the smallest segments once there are `MERGE_FANOUT` of them, into
    one of at most `MAX_MERGED_DOCS` documents.

    A merge holds the postings of the merged segments in memory; Whoosh's own policy merges
    ever larger segments (tens of thousands of documents late in a long crawl), this one
    bounds what one commit can hold.
    """
    from whoosh.reading import SegmentReader

    group: list[Any] = []
    total = writer.docnum  # the writer's own new documents go into the merged segment too
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        count = segment.doc_count_all()
        if total + count > MAX_MERGED_DOCS:
            break
        group.append(segment)
        total += count
    if len(group) < MERGE_FANOUT:
        return segments
    merged = {id(segment) for segment in group}
    for segment in group:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if id(segment) not in merged]


class IndexStream:
    """Upsert records one by one with one writer, committing when told or every `segment_docs`.

    The write lock is held from the first record after a commit until the next commit.
    """

    def __init__(
        self,
        ix: FileIndex,
        stats: IndexStats,
        *,
        timeout: float = DEFAULT_WRITER_TIMEOUT,
        locked: bool = True,
        segment_docs: int = SEGMENT_DOCS,
    ) -> None:
        self.ix = ix
        self.stats = stats
        self.timeout = timeout
        self.locked = locked
        self.segment_docs = segment_docs
        self.writer: FastSegmentWriter | None = None
        self.seen: set[str] = set()
        self.opened = 0.0

    def add(self, record: dict[str, Any]) -> None:
        """Add or replace one record (committed later)."""
        if not _indexable(record):
            self.stats.skipped += 1
            return
        url = record["url"]
        if self.due(record):
            self.commit(merge=url in self.seen)
        if self.writer is None:
            self.writer = _writer(self.ix, self.timeout, self.locked)
            self.opened = time.monotonic()
        self.seen.add(url)
        self.writer.update_document(**record_to_document(record))
        self.stats.indexed += 1

    def due(self, record: dict[str, Any]) -> bool:
        """Whether what was added must be committed before `record` is.

        Whoosh cannot delete a document buffered in the same writer, so a repeated URL waits for
        a commit; a full batch (`segment_docs`) does too, which bounds the postings held.
        """
        return self.writer is not None and (
            record.get("url") in self.seen or len(self.seen) >= self.segment_docs
        )

    def pending(self) -> int:
        """Records added since the last commit."""
        return len(self.seen)

    def commit(self, merge: bool = True) -> int:
        """Commit what was added (merging small segments when `merge`); the number committed."""
        if self.writer is None:
            return 0
        writer, self.writer = self.writer, None
        try:
            writer.commit(mergetype=capped_merge if merge else NO_MERGE)
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        self.stats.commits += 1
        committed = len(self.seen)
        self.seen.clear()
        return committed

    def cancel(self) -> None:
        """Drop what was added since the last commit."""
        if self.writer is not None and not self.writer.is_closed:
            self.writer.cancel()
        self.writer = None
        self.seen.clear()


def _add_sequentially(
    ix: FileIndex,
    records: Iterable[dict[str, Any]],
    stats: IndexStats,
    *,
    timeout: float,
    locked: bool,
    segment_docs: int,
) -> None:
    """Upsert records with one writer; commit on a repeated URL and every `segment_docs` records."""
    stream = IndexStream(ix, stats, timeout=timeout, locked=locked, segment_docs=segment_docs)
    try:
        for record in records:
            stream.add(record)
        if stream.writer is None:  # nothing indexable: still one (empty) commit, as before
            stream.writer = _writer(ix, timeout, locked)
        stream.commit()
    except BaseException:
        stream.cancel()
        raise


def index_records(
    index_dir: Path | str,
    records: Iterable[dict[str, Any]],
    *,
    writer_timeout: float = DEFAULT_WRITER_TIMEOUT,
    procs: int = 1,
    multisegment: bool = True,
    segment_docs: int = SEGMENT_DOCS,
) -> IndexStats:
    """Upsert records keyed by URL (a later record for the same URL wins).

    Into an empty index with `procs` > 1, records are indexed by that many worker processes,
    each writing whole segments, and committed once (a URL seen again is upserted afterwards);
    otherwise one writer in this process commits at the end (and every `segment_docs` records).
    `multisegment` is accepted for compatibility: parallel builds always keep one segment per
    worker batch.
    """
    del multisegment
    started = time.perf_counter()
    stats = IndexStats()
    ix = create_or_open_index(index_dir)
    if procs > 1 and ix.doc_count_all() == 0:
        lock = _acquire(ix, writer_timeout)
        try:
            later: list[dict[str, Any]] = []
            seen: set[str] = set()

            def first_of_each_url() -> Iterator[dict[str, Any]]:
                for record in records:
                    if not _indexable(record):
                        stats.skipped += 1
                    elif record["url"] in seen:
                        later.append(record)
                    else:
                        seen.add(record["url"])
                        yield record

            added, _ = bulk_add(
                ix, Path(index_dir), first_of_each_url(), procs=procs, segment_docs=segment_docs
            )
            stats.indexed += added
            stats.commits += 1
            if later:
                _add_sequentially(
                    open_index(index_dir),
                    later,
                    stats,
                    timeout=writer_timeout,
                    locked=False,
                    segment_docs=segment_docs,
                )
        finally:
            lock.release()
    else:
        _add_sequentially(
            ix, records, stats, timeout=writer_timeout, locked=True, segment_docs=segment_docs
        )
    with open_searcher(index_dir) as searcher:
        stats.total_docs = searcher.doc_count()
    stats.seconds = time.perf_counter() - started
    logger.info(
        "indexed %d records (%d skipped) in %.1f s, %d documents in the index",
        stats.indexed,
        stats.skipped,
        stats.seconds,
        stats.total_docs,
    )
    return stats


def iter_jsonl(paths: Iterable[Path | str]) -> Iterator[dict[str, Any]]:
    """Yield the records of JSONL files in order, skipping blank and malformed lines (logged)."""
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line_number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    logger.warning("%s:%d: not JSON (%s), skipped", path, line_number, exc)
                    continue
                if isinstance(record, dict):
                    yield record


def iter_latest_records(paths: Iterable[Path | str]) -> Iterator[dict[str, Any]]:
    """Yield each URL's last record across JSONL files (two passes; only URLs held in memory)."""
    paths = list(paths)
    last_seen: dict[str, int] = {}
    for position, record in enumerate(iter_jsonl(paths)):
        if record.get("url"):
            last_seen[record["url"]] = position
    for position, record in enumerate(iter_jsonl(paths)):
        if record.get("url") and last_seen.get(record["url"]) == position:
            yield record


def rebuild_index(
    index_dir: Path | str,
    jsonl_paths: Iterable[Path | str],
    *,
    writer_timeout: float = DEFAULT_WRITER_TIMEOUT,
    procs: int = 1,
    multisegment: bool = False,
) -> IndexStats:
    """Build a fresh index from JSONL files beside the old one, then swap it in."""
    target = Path(index_dir)
    building = target.with_name(target.name + ".rebuild")
    retired = target.with_name(target.name + ".old")
    shutil.rmtree(building, ignore_errors=True)
    lock = None
    if index_exists(target):
        # Hold the old index's write lock so no update is lost while we rebuild.
        lock = open_index(target).lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=writer_timeout, delay=0.1):
            raise IndexLockedError(
                f"the index in {target} is locked by another writer "
                f"(waited {writer_timeout:g} s); try again when it has finished"
            )
    try:
        stats = index_records(
            building,
            iter_latest_records(jsonl_paths),
            writer_timeout=writer_timeout,
            procs=procs,
            multisegment=multisegment,
        )
        shutil.rmtree(retired, ignore_errors=True)
        if target.exists():
            target.rename(retired)
        building.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if lock is not None:
            lock.release()
    return stats
