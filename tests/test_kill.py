"""`kill -9` a crawl while it fetches, writes WARC or commits the index; run again; nothing lost.

The killed run goes through a small wrapper that holds the process at the kill point (a slow
page, half a WARC record written, index segments written but not their table of contents), so
that each kill lands where the test says. The wrapper patches nothing else.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scraper.archive import iter_captures, iter_records
from scraper.replica import ReplicaPortal
from scraper.replica.content import load_articles
from scraper.replica.faults import Fault, FaultPlan, wait_for
from tests.conftest import REPO, run_cli
from tests.test_faults import write_registry

CONTENT_FIELDS = [
    "kind", "title", "published", "author", "source", "summary", "body", "category", "tags",
    "doc_number", "doc_type", "issuer", "signer", "effective", "expires", "doc_refs",
]  # fmt: skip
KILL_WAIT = 90  # seconds for the crawl to reach its kill point

WRAPPER = r"""
import io, os, sys, time
mode, marker, target = sys.argv[1:4]

def hold():
    with open(marker, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(600)

if mode == "warc":
    import scraper.extensions.warc as warc
    original = warc.WARCWriter.write_record
    def write_record(self, record, params=None):
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type == "response" and uri.endswith(target):
            buffer = io.BytesIO()
            original(warc.WARCWriter(buffer, gzip=True, warc_version="1.1"), record)
            data = buffer.getvalue()
            self.out.write(data[: len(data) // 2])
            self.out.flush()
            hold()
        return original(self, record, params)
    warc.WARCWriter.write_record = write_record
elif mode == "index":
    import whoosh.writing
    original = whoosh.writing.SegmentWriter._commit_toc
    def commit_toc(self, segments):
        hold()
        return original(self, segments)
    whoosh.writing.SegmentWriter._commit_toc = commit_toc

from search_cli.cli import main
sys.argv = ["govarchive", *sys.argv[4:]]
main()
"""


def index_records(data: Path) -> list[dict[str, Any]]:
    """Every record stored in the index (none when there is no index)."""
    from indexer.index import index_exists, open_searcher

    if not index_exists(data / "index"):
        return []
    with open_searcher(data / "index") as searcher:
        return [json.loads(fields["record"]) for fields in searcher.documents()]


def content(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """URL → content fields; fails on a duplicate URL."""
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        assert record["url"] not in found, f"duplicate record for {record['url']}"
        found[record["url"]] = {f: record.get(f) for f in CONTENT_FIELDS}
    return found


def relative(records: dict[str, dict[str, Any]], base: str) -> dict[str, dict[str, Any]]:
    """The same records keyed by path, so that two replicas on two ports compare."""
    return {url.removeprefix(base): value for url, value in records.items()}


def torn_records(warc_dir: Path) -> list[str]:
    """Warnings of the archive reader about torn or unreadable records."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    reader_logger = logging.getLogger("scraper.archive")
    reader_logger.addHandler(handler)
    try:
        list(iter_records(warc_dir))
        list(iter_captures(warc_dir))
    finally:
        reader_logger.removeHandler(handler)
    return [m for m in messages if "torn" in m or "unreadable" in m]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """A clean crawl's index records, keyed by path."""
    data = tmp_path_factory.mktemp("clean")
    with ReplicaPortal() as portal:
        write_registry(data, portal.url)
        run_cli("crawl", "replica", data=data, timeout=180)
        base = portal.url
    return relative(content(index_records(data)), base)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether `pid` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def killed_then_rerun(data: Path, mode: str, rerun: str) -> dict[str, Any]:
    """Crawl, kill -9 at the kill point of `mode`, run `rerun` to the end; collect the state."""
    articles = load_articles()
    plan = FaultPlan()
    with ReplicaPortal(faults=plan) as portal:
        write_registry(data, portal.url)
        target = urlsplit(portal.article_url(articles[len(articles) // 2]["id"])).path
        if mode == "fetch":
            plan.add(target, Fault.slow(600.0))
        script = data.parent / f"wrapper-{mode}.py"
        script.write_text(WRAPPER)
        marker = data.parent / f"held-{mode}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, str(script), mode, str(marker), target]
        cmd += ["--data", str(data), "crawl", "replica"]
        process = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            if mode == "fetch":
                reached = wait_for(lambda: plan.hits[target] > 0, KILL_WAIT)
                time.sleep(0.5)  # let other pages be captured meanwhile
            else:
                reached = wait_for(marker.exists, KILL_WAIT)
            helpers = descendants(process.pid)
            process.send_signal(signal.SIGKILL)
        finally:
            _, stderr = process.communicate(timeout=30)
        assert reached, f"the crawl never reached its kill point ({mode}): {stderr[-2000:]!r}"
        assert process.returncode == -signal.SIGKILL
        assert helpers, "the crawl runs its index and parser in worker processes"
        orphans = [pid for pid in helpers if not wait_for(lambda p=pid: not alive(p), 10)]
        assert not orphans, f"worker processes outlived the killed crawl: {orphans}"
        torn = torn_records(data / "warc")
        plan.clear()
        run_cli(rerun, "replica", data=data, timeout=180)
        base = portal.url
        after_rerun = relative(content(index_records(data)), base)
        run_cli("reparse", data=data, timeout=180)
        after_reparse = relative(content(index_records(data)), base)
        reparsed_items = [
            json.loads(line)
            for path in sorted((data / "items").glob("*-reparse.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
    return {
        "torn": torn,
        "after_rerun": after_rerun,
        "after_reparse": after_reparse,
        "reparsed": relative(content(reparsed_items), base),
        "captures": list(iter_captures(data / "warc")),
        "target": target,
    }


class KilledArchives:
    """One killed-and-rerun archive per kill point, made on first use."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.states: dict[str, dict[str, Any]] = {}

    def get(self, mode: str, rerun: str) -> dict[str, Any]:
        if mode not in self.states:
            data = self.factory.mktemp(f"killed-{mode}") / "data"
            self.states[mode] = killed_then_rerun(data, mode, rerun)
        return self.states[mode]


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> KilledArchives:
    """The killed archives of this module."""
    return KilledArchives(tmp_path_factory)


def assert_nothing_lost(state: dict[str, Any], clean: dict[str, dict[str, Any]]) -> None:
    """The archive opens; re-parsed records and the rebuilt index equal a clean run's."""
    assert state["captures"], "the archive opens"
    assert state["reparsed"] == clean
    assert state["after_reparse"] == clean


@pytest.mark.slow
def test_kill_while_fetching_then_crawl_loses_nothing(
    killed: KilledArchives, clean: dict[str, dict[str, Any]]
) -> None:
    assert_nothing_lost(killed.get("fetch", "crawl"), clean)


@pytest.mark.slow
def test_kill_while_writing_warc_then_update_loses_nothing(
    killed: KilledArchives, clean: dict[str, dict[str, Any]]
) -> None:
    state = killed.get("warc", "update")
    assert state["torn"], "the half-written record is detected"
    again = [c for c in state["captures"] if c.url.endswith(state["target"])]
    assert len(again) == 1, "the torn capture is skipped, the page captured again once"
    assert_nothing_lost(state, clean)


@pytest.mark.slow
def test_kill_while_committing_the_index_then_crawl_loses_nothing(
    killed: KilledArchives, clean: dict[str, dict[str, Any]]
) -> None:
    assert_nothing_lost(killed.get("index", "crawl"), clean)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "rerun"), [("fetch", "crawl"), ("warc", "update"), ("index", "crawl")]
)
def test_rerun_alone_restores_the_index(
    killed: KilledArchives, clean: dict[str, dict[str, Any]], mode: str, rerun: str
) -> None:
    """Unchanged pages whose records never reached the index are re-emitted (recovered)."""
    state = killed.get(mode, rerun)
    missing = sorted(set(clean) - set(state["after_rerun"]))
    assert state["after_rerun"] == clean, f"{len(missing)} of {len(clean)} records missing"
