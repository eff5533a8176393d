"""Index records in a child process, so that a crawl's own process never waits on Whoosh.

The crawl hands records over as it makes them; the child adds each to an open batch at once (on
the machine's other core) and commits the batch every `batch_size` records or COMMIT_INTERVAL
seconds, whichever comes first. The child is forked (cheap, nothing to re-import) and dies with
its parent: a crawl killed mid-batch loses only the uncommitted batch, whose pages the next run
re-emits (see `NukeVietSpider.load_indexed`). It ignores SIGINT and SIGTERM, which
a terminal or systemd sends to the whole process group: the parent, shutting down gracefully,
asks it to commit what it holds and waits for it.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import queue
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError

logger = logging.getLogger(__name__)

COMMIT_INTERVAL = 10.0  # seconds a batch may stay open (and the write lock held)
CHUNK = 25  # records per message: one pickle and one pipe write for many records
QUEUED_CHUNKS = 40  # then the crawl waits for the index: memory stays bounded
PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
PROCESS_NAME = "govarchive-idx"
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _prctl(option: int, argument: int | bytes) -> None:
    """Linux's prctl(option, argument); elsewhere, or where it cannot be called, nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, argument, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere a no-op)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def set_process_name(name: str) -> None:
    """Name this process in `ps -o comm`, `top` and /proc/PID/comm (Linux; 15 bytes kept)."""
    _prctl(PR_SET_NAME, name.encode()[:15])


def release_memory() -> None:
    """Give the heap that a batch or merge left free back to the system (glibc; else a no-op)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM, then unblock them (blocked by `stop_signals_blocked`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """Start children inside this: they begin with SIGINT/SIGTERM blocked (held for this process).

    A child then cannot die of a signal that arrives before it has set it to be ignored.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _serve(index_dir: str, batch_size: int, parent: int, jobs: Any, results: Any) -> None:
    """The child: upsert the records of `jobs` as they come; report each commit on `results`.

    A commit follows every `batch_size` records, and any open batch after COMMIT_INTERVAL
    seconds, so the write lock is never held for long and the crawl's end finds little to do.
    """
    import os

    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    ignore_stop_signals()
    set_process_name(PROCESS_NAME)
    from indexer.index import IndexStats, IndexStream, create_or_open_index

    stream: IndexStream | None = None

    def describe(exc: BaseException) -> str:
        logger.debug("index failure:\n%s", traceback.format_exc())
        return f"{type(exc).__name__}: {exc}"

    def commit() -> None:
        if stream is None or stream.writer is None:
            return
        count = stream.pending()
        try:
            stream.commit()
            results.put(("indexed", count, ""))
        except Exception as exc:
            stream.cancel()
            results.put(("failed", count, describe(exc)))
        release_memory()

    def add(record: dict[str, Any]) -> None:
        nonlocal stream
        try:
            if stream is None:
                stream = IndexStream(
                    create_or_open_index(index_dir), IndexStats(), segment_docs=batch_size
                )
            if stream.due(record):
                commit()  # here, not inside `stream.add`: every commit is reported
            stream.add(record)
        except Exception as exc:
            lost = 1
            if stream is not None:
                lost = stream.pending() + (record.get("url") not in stream.seen)
                stream.cancel()
            results.put(("failed", lost, describe(exc)))

    while True:
        wait = None
        if stream is not None and stream.writer is not None:
            wait = max(0.0, COMMIT_INTERVAL - (time.monotonic() - stream.opened))
        try:
            chunk = jobs.get(timeout=wait)
        except queue.Empty:
            commit()
            continue
        if chunk is None:
            commit()
            results.put(("closed", 0, ""))
            return
        for record in chunk:
            add(record)


class IndexWorker:
    """A child process upserting records into one index, `batch_size` records per commit."""

    def __init__(self, index_dir: Path | str, batch_size: int = 500) -> None:
        import os

        context = multiprocessing.get_context("fork")
        self.jobs = context.Queue(maxsize=QUEUED_CHUNKS)
        self.results = context.Queue()
        self.pending: list[dict[str, Any]] = []
        self.indexed = 0
        self.failed = 0
        self.errors: list[str] = []
        self.process = context.Process(
            target=_serve,
            args=(str(index_dir), batch_size, os.getpid(), self.jobs, self.results),
            name="govarchive-index",
            daemon=True,
        )
        # The child inherits this process's heap; frozen objects are never walked by the child's
        # garbage collector, so their pages stay shared instead of being copied.
        gc.freeze()
        try:
            with stop_signals_blocked():
                self.process.start()
        finally:
            gc.unfreeze()

    def add(self, record: dict[str, Any]) -> None:
        """Queue one record; waits only when the child is far behind."""
        self.pending.append(record)
        if len(self.pending) >= CHUNK:
            self._send(self.pending)
            self.pending = []
        self.poll()

    def _send(self, item: Any) -> None:
        while True:
            try:
                self.jobs.put(item, timeout=1.0)
                return
            except queue.Full:
                if not self.process.is_alive():
                    raise IndexerError("the index process died") from None

    def poll(self, timeout: float | None = None) -> str | None:
        """Take the child's reports so far (waiting up to `timeout` for one); the last kind seen."""
        kind = None
        while True:
            try:
                if timeout is None:
                    kind, count, message = self.results.get_nowait()
                else:
                    kind, count, message = self.results.get(timeout=timeout)
            except queue.Empty:
                return kind
            if kind == "indexed":
                self.indexed += count
            elif kind == "failed":
                self.failed += count
                self.errors.append(message)
                logger.error("index: %d records not indexed: %s", count, message)
            if kind == "closed":
                return kind

    def close(self) -> None:
        """Commit what is queued, wait for the child to finish, and reap it."""
        try:
            if self.process.is_alive():
                if self.pending:
                    self._send(self.pending)
                    self.pending = []
                self._send(None)
                while self.poll(timeout=1.0) != "closed":
                    if not self.process.is_alive() and self.results.empty():
                        raise IndexerError("the index process died before it committed")
        finally:
            self.jobs.cancel_join_thread()
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            if self.process.exitcode not in (0, None):
                self.errors.append(f"the index process exited with {self.process.exitcode}")


class InlineIndexer:
    """IndexWorker's interface, indexing in this process: `batch_size` records per commit."""

    def __init__(self, index_dir: Path | str, batch_size: int = 500) -> None:
        self.index_dir = Path(index_dir)
        self.batch_size = batch_size
        self.pending: list[dict[str, Any]] = []
        self.indexed = 0
        self.failed = 0
        self.errors: list[str] = []

    def add(self, record: dict[str, Any]) -> None:
        """Queue one record; index the batch when it is full."""
        self.pending.append(record)
        if len(self.pending) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        from indexer.index import index_records

        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self.indexed += index_records(self.index_dir, batch).indexed
        except Exception as exc:  # counted and logged like the child's failures
            self.failed += len(batch)
            self.errors.append(f"{type(exc).__name__}: {exc}")
            logger.error("index: %d records not indexed: %s", len(batch), self.errors[-1])

    def poll(self, timeout: float | None = None) -> str | None:
        """Nothing to collect: failures are counted as they happen."""
        return None

    def close(self) -> None:
        """Index what is left."""
        self._flush()
