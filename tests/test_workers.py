"""The crawl's worker processes: parse and attachment workers, and the index process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from indexer.index import index_exists, open_searcher
from indexer.worker import IndexWorker, InlineIndexer
from scraper.parsers import ParseError, parse_page
from scraper.record import empty_record
from scraper.workers import CrawlWorkers, WorkerDied, WorkerProcess

PAGES = Path(__file__).parent / "fixtures" / "pages"


def fixture_page(name: str) -> tuple[str, bytes]:
    """(url, bytes) of a golden page."""
    meta = json.loads((PAGES / name / "meta.json").read_text(encoding="utf-8"))
    return meta["url"], (PAGES / name / "input.html").read_bytes()


def gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether process `pid` has exited (or is a zombie) within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_the_parser_worker_returns_what_parse_page_returns() -> None:
    pages = [fixture_page(n) for n in ("nukeviet_egov_seed", "sharepoint_vbpl_document")]

    async def run() -> list[dict]:
        workers = CrawlWorkers()
        try:
            return [await workers.parse(url, body, None, "tayninh") for url, body in pages]
        finally:
            await workers.close()

    got = asyncio.run(run())
    assert got == [parse_page(url, body, portal="tayninh") for url, body in pages]


def test_concurrent_calls_get_their_own_answers_from_one_worker() -> None:
    names = sorted(p.name for p in PAGES.iterdir() if not p.name.endswith("listing"))[:12]
    pages = [fixture_page(n) for n in names]

    async def run() -> tuple[list[dict], set[int]]:
        worker = WorkerProcess("parser")
        started: set[int] = set()
        original = worker._ensure

        async def ensure() -> Any:
            running = await original()
            started.add(running.process.pid)
            return running

        worker._ensure = ensure  # type: ignore[method-assign]
        try:
            calls = [worker.call("parse", url, body, None, None) for url, body in pages]
            return list(await asyncio.gather(*calls)), started
        finally:
            await worker.close()

    got, started = asyncio.run(run())
    assert len(started) == 1, "the first calls, made at once, start one worker"
    assert [r["title"] for r in got] == [parse_page(url, body)["title"] for url, body in pages]


def test_a_parse_error_in_the_worker_reaches_the_spider_as_parse_error() -> None:
    async def run() -> None:
        workers = CrawlWorkers()
        try:
            await workers.parse("http://example.gov.vn/x", b"", None, None)
        finally:
            await workers.close()

    with pytest.raises(ParseError):
        asyncio.run(run())


def test_a_killed_worker_fails_its_pending_call_and_the_next_call_starts_a_new_one() -> None:
    url, body = fixture_page("nukeviet_egov_seed")

    async def run() -> tuple[int, int, dict]:
        worker = WorkerProcess("parser")
        try:
            await worker.call("parse", url, body, None, None)
            assert worker.process is not None
            first = worker.process.pid
            os.kill(first, signal.SIGSTOP)  # it cannot answer the next call
            pending = asyncio.ensure_future(worker.call("parse", url, body, None, None))
            await asyncio.sleep(0.1)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(WorkerDied):
                await pending
            again = await worker.call("parse", url, body, None, None)
            assert worker.process is not None
            return first, worker.process.pid, again
        finally:
            await worker.close()

    first, second, again = asyncio.run(run())
    assert first != second
    assert again["title"] == parse_page(url, body)["title"]


def test_workers_ignore_sigterm_and_end_when_the_crawl_closes_them() -> None:
    url, body = fixture_page("nukeviet_egov_seed")

    async def run() -> int:
        worker = WorkerProcess("parser")
        await worker.call("parse", url, body, None, None)
        assert worker.process is not None
        pid = worker.process.pid
        os.kill(pid, signal.SIGTERM)  # systemd's stop reaches every process of the group
        result = await worker.call("parse", url, body, None, None)
        assert result["url"] == url
        await worker.close()
        return pid

    assert gone(asyncio.run(run()))


@pytest.mark.skipif(not Path("/proc/self/comm").exists(), reason="needs Linux /proc")
def test_the_crawl_processes_say_what_they_are_in_ps(tmp_path: Path) -> None:
    url, body = fixture_page("nukeviet_egov_seed")

    async def run() -> bytes:
        worker = WorkerProcess("parser")
        await worker.call("parse", url, body, None, None)
        assert worker.process is not None
        cmdline = Path(f"/proc/{worker.process.pid}/cmdline").read_bytes()
        await worker.close()
        return cmdline

    assert asyncio.run(run()).split(b"\0")[-2:] == [b"parser", b""]
    index = IndexWorker(tmp_path / "index", batch_size=10)
    index.add(record(1))
    deadline = time.monotonic() + 10
    comm = ""
    while time.monotonic() < deadline and comm != "govarchive-idx":
        comm = Path(f"/proc/{index.process.pid}/comm").read_text().strip()
        time.sleep(0.02)
    index.close()
    assert comm == "govarchive-idx"


def record(n: int) -> dict:
    """A small article record."""
    return empty_record(
        f"http://tayninh.gov.vn/tin-tuc/bai-{n}.html",
        kind="article",
        title=f"Hội nghị triển khai nhiệm vụ số {n}",
        body="Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai nhiệm vụ năm 2024.",
        published="2024-01-02T08:00:00+07:00",
        portal="tayninh",
    )


def test_the_index_process_commits_every_batch_and_the_rest_on_close(tmp_path: Path) -> None:
    worker = IndexWorker(tmp_path / "index", batch_size=40)
    for n in range(100):
        worker.add(record(n))
    worker.close()
    assert worker.indexed == 100 and worker.failed == 0 and not worker.errors
    with open_searcher(tmp_path / "index") as searcher:
        assert searcher.doc_count() == 100
        assert sorted(json.loads(f["record"])["url"] for f in searcher.documents()) == sorted(
            record(n)["url"] for n in range(100)
        )
    assert not worker.process.is_alive()


def test_the_index_process_ignores_sigterm_and_still_commits(tmp_path: Path) -> None:
    worker = IndexWorker(tmp_path / "index", batch_size=1000)
    worker.add(record(1))
    assert worker.process.pid is not None
    os.kill(worker.process.pid, signal.SIGTERM)
    worker.add(record(2))
    worker.close()
    assert worker.indexed == 2
    with open_searcher(tmp_path / "index") as searcher:
        assert searcher.doc_count() == 2


def test_an_index_that_cannot_be_written_is_reported_not_raised(tmp_path: Path) -> None:
    blocked = tmp_path / "index"
    blocked.write_text("not a directory")
    worker = IndexWorker(blocked, batch_size=10)
    for n in range(25):
        worker.add(record(n))
    worker.close()
    assert worker.indexed == 0
    assert worker.failed == 25
    assert worker.errors and not index_exists(tmp_path / "elsewhere")


def test_an_open_batch_is_committed_after_the_interval_without_more_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.worker

    monkeypatch.setattr(indexer.worker, "COMMIT_INTERVAL", 0.5)  # the forked child inherits it
    worker = IndexWorker(tmp_path / "index", batch_size=1000)
    try:
        for n in range(3):
            worker.add(record(n))
        worker._send(worker.pending)
        worker.pending = []
        deadline = time.monotonic() + 20
        while worker.indexed < 3 and time.monotonic() < deadline:
            worker.poll(timeout=0.2)
        assert worker.indexed == 3, "committed while the crawl goes on"
        assert worker.process.is_alive()
        with open_searcher(tmp_path / "index") as searcher:
            assert searcher.doc_count() == 3
        lock = open_index_lock(tmp_path / "index")
        assert lock.acquire(), "the write lock is free between batches"
        lock.release()
    finally:
        worker.close()


def open_index_lock(index_dir: Path) -> Any:
    """The index's write lock (not taken)."""
    from indexer.index import open_index

    return open_index(index_dir).lock("WRITELOCK")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_to_the_whole_crawl_commits_every_emitted_record(
    tmp_path: Path, signum: int
) -> None:
    """systemd's stop and a terminal's Ctrl-C reach every process of the group."""
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from scraper.replica import ReplicaPortal
    from scraper.replica.content import load_articles
    from scraper.replica.faults import Fault, FaultPlan, wait_for
    from tests.conftest import REPO
    from tests.test_crawl import read_records
    from tests.test_faults import write_registry
    from tests.test_kill import alive, descendants

    data = tmp_path / "data"
    plan = FaultPlan()
    with ReplicaPortal(faults=plan) as portal:
        write_registry(data, portal.url)
        articles = load_articles()
        target = urlsplit(portal.article_url(articles[len(articles) // 2]["id"])).path
        plan.add(target, Fault.slow(600.0))
        crawl = subprocess.Popen(
            [sys.executable, "-m", "search_cli", "--data", str(data), "crawl", "replica"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as under systemd or a terminal
        )
        try:
            assert wait_for(lambda: plan.hits[target] > 0, 90), "the crawl reached the slow page"
            time.sleep(1.0)
            helpers = descendants(crawl.pid)
            assert helpers, "the crawl runs worker processes"
            os.killpg(crawl.pid, signum)
            _, stderr = crawl.communicate(timeout=90)
        finally:
            if crawl.poll() is None:
                os.killpg(crawl.pid, signal.SIGKILL)
                crawl.wait()
        plan.clear()
    assert "shutdown" in stderr.decode("utf-8", "replace"), stderr[-2000:]
    emitted = {r["url"] for r in read_records(data)}
    assert emitted, "records were emitted before the stop"
    with open_searcher(data / "index") as searcher:
        indexed = {json.loads(f["record"])["url"] for f in searcher.documents()}
    assert indexed == emitted, f"{len(emitted - indexed)} emitted records not indexed"
    assert all(wait_for(lambda p=pid: not alive(p), 10) for pid in helpers), "workers ended"


@pytest.mark.parametrize(("setting", "kind"), [(True, IndexWorker), (False, InlineIndexer)])
def test_the_index_process_setting_chooses_where_records_are_indexed(
    tmp_path: Path, setting: bool, kind: type
) -> None:
    from scrapy.utils.test import get_crawler

    from scraper.pipelines import IndexPipeline

    crawler = get_crawler(
        settings_dict={
            "GOVARCHIVE_INDEX_DIR": str(tmp_path / "index"),
            "GOVARCHIVE_INDEX_PROCESS": setting,
        }
    )
    pipeline = IndexPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        assert isinstance(pipeline.worker, kind)
        pipeline.process_item(record(1))
    finally:
        pipeline.close_spider()
    with open_searcher(tmp_path / "index") as searcher:
        assert searcher.doc_count() == 1
