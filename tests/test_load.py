"""Concurrency: search while an update or a reparse writes; a second update exits at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scraper.replica import ReplicaPortal
from scraper.replica.content import load_articles
from scraper.replica.faults import Fault, FaultPlan, wait_for
from tests.conftest import REPO, run_cli
from tests.test_faults import write_registry

QUERY = "thị xã"
MAX_SEARCHES = 400
MAX_SECONDS = 90


def cli_process(data: Path, *args: str) -> subprocess.Popen[str]:
    """Start `govarchive --data DATA ARGS` in the background."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "search_cli", "--data", str(data), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def search_until_done(index: Path, process: subprocess.Popen[str]) -> dict[str, Any]:
    """Search in this process while `process` runs (bounded in count and time)."""
    from indexer.search import search

    totals, errors = [], []
    deadline = time.monotonic() + MAX_SECONDS
    for _ in range(MAX_SEARCHES):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        try:
            totals.append(search(index, QUERY, limit=5).total)
        except Exception as exc:  # collected: the assertion shows them all
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.02)
    try:
        _out, err = process.communicate(timeout=MAX_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return {"totals": totals, "errors": errors, "rc": process.returncode, "stderr": err}


def new_article(n: int) -> dict[str, Any]:
    """A fresh article cloned from the newest one."""
    base = max(load_articles(), key=lambda a: a["published"])
    return {
        **base,
        "id": 9000 + n,
        "alias": f"tin-moi-ve-giao-thong-xanh-so-{n}",
        "title": f"Tin mới về giao thông xanh số {n}",
        "published": f"2023-12-2{n}T08:30:00+07:00",
        "edited": f"2023-12-2{n}T08:30:00+07:00",
        "attachments": [],
    }


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One replica (with a fault plan) and the archive of its first crawl, for this module."""
    plan = FaultPlan()
    data = tmp_path_factory.mktemp("first")
    with ReplicaPortal(faults=plan) as portal:
        write_registry(data, portal.url)
        run_cli("crawl", "replica", data=data, timeout=180)
        yield portal, plan, data


@pytest.fixture
def crawled(first_crawl: Any, tmp_path: Path) -> Any:
    """A copy of the first crawl's archive for one test (the replica is shared)."""
    portal, plan, data = first_crawl
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    plan.clear()
    return portal, plan, copy


def test_search_while_update_writes(crawled: Any) -> None:
    from indexer.search import search

    portal, plan, data = crawled
    before = search(data / "index", QUERY, limit=1).total
    urls = [portal.add_article(new_article(n)) for n in range(1, 4)]  # ids 9001-9003
    plan.add(urlsplit(urls[0]).path, Fault.slow(0.8))  # keeps the update writing a while
    seen = search_until_done(data / "index", cli_process(data, "update", "replica"))
    assert seen["rc"] == 0, seen["stderr"][-2000:]
    assert not seen["errors"], seen["errors"][:5]
    assert seen["totals"], "no search ran while the update did"
    assert min(seen["totals"]) >= before, "a search saw fewer records than before the update"
    hits = search(data / "index", "giao thông xanh", limit=10)
    assert {h.record["url"] for h in hits.hits} >= set(urls)


def test_a_second_update_exits_75_at_once_while_one_runs(crawled: Any) -> None:
    portal, plan, data = crawled
    url = portal.add_article(new_article(5))
    path = urlsplit(url).path
    plan.add(path, Fault.slow(8.0))
    first = cli_process(data, "update", "replica")
    try:
        assert wait_for(lambda: plan.hits[path] > 0, 60), "the first update never ran"
        started = time.monotonic()
        second = run_cli("update", "replica", data=data, check=False, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        _out, err = first.communicate(timeout=120)
    assert second.returncode == 75, second.stderr
    assert elapsed < 15, f"the second update took {elapsed:.1f} s to give up"
    assert first.returncode == 0, err[-2000:]


def test_reparse_while_searching(crawled: Any) -> None:
    from indexer.search import search

    _portal, _plan, data = crawled
    before = search(data / "index", QUERY, limit=1).total
    seen = search_until_done(data / "index", cli_process(data, "reparse"))
    assert seen["rc"] == 0, seen["stderr"][-2000:]
    assert seen["totals"], "no search ran while the reparse did"
    assert not seen["errors"], seen["errors"][:5]
    assert set(seen["totals"]) == {before}, "a search saw a partial index"
    assert search(data / "index", QUERY, limit=1).total == before
