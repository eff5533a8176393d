"""Index writing: upsert by URL, rebuild from JSONL, one writer at a time, crash and concurrency safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.errors import IndexLockedError
from indexer.index import (
    index_records,
    iter_latest_records,
    open_index,
    open_searcher,
    rebuild_index,
)
from indexer.search import search
from scraper.record import empty_record
from tests.test_search_corpus import CORPUS, url_of

ROOT = Path(__file__).resolve().parent.parent


def doc_count(index_dir: Path) -> int:
    with open_searcher(index_dir) as searcher:
        return searcher.doc_count()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_indexing_twice_never_duplicates(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS)
    stats = index_records(index_dir, CORPUS)
    assert stats.indexed == len(CORPUS)
    assert stats.total_docs == len(CORPUS) == doc_count(index_dir)
    assert search(index_dir, "39/QĐ-CA").total == 1


def test_same_url_twice_in_one_batch_keeps_the_later_record(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    url = "https://example.gov.vn/news/a-1.html"
    first = empty_record(url, title="Bản tin cũ", kind="article", portal="p")
    second = empty_record(url, title="Bản tin đã sửa", kind="article", portal="p")
    index_records(index_dir, [first, second])
    assert doc_count(index_dir) == 1
    assert search(index_dir, "bản tin").hits[0].record["title"] == "Bản tin đã sửa"
    assert search(index_dir, "cũ").total == 0


def test_listing_records_and_records_without_url_are_skipped(tmp_path: Path) -> None:
    stats = index_records(
        tmp_path / "index",
        [{"url": "https://x.gov.vn/news/", "kind": "listing", "links": []}, {"title": "x"}],
    )
    assert (stats.indexed, stats.skipped) == (0, 2)


def test_rebuild_takes_the_last_line_for_each_url(tmp_path: Path) -> None:
    edited = dict(CORPUS[0], title="Đại hội Đảng bộ thị xã (bản cập nhật)")
    older = write_jsonl(tmp_path / "001.jsonl", CORPUS)
    newer = write_jsonl(tmp_path / "002.jsonl", [edited])
    assert sum(1 for _ in iter_latest_records([older, newer])) == len(CORPUS)
    index_dir = tmp_path / "index"
    index_records(index_dir, [empty_record("https://gone.gov.vn/a.html", title="cũ")])
    stats = rebuild_index(index_dir, [older, newer])
    assert stats.total_docs == len(CORPUS) == doc_count(index_dir)
    hit = search(index_dir, "bản cập nhật").hits[0]
    assert hit.record["url"] == url_of("dai-hoi-dang-bo-1")
    assert search(index_dir, "url:https://gone.gov.vn/a.html").total == 0


def test_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS[:2])
    holder = open_index(index_dir).writer()
    try:
        started = time.monotonic()
        with pytest.raises(IndexLockedError, match="locked by another writer"):
            index_records(index_dir, CORPUS[2:], writer_timeout=0.5)
        assert time.monotonic() - started >= 0.4
        with pytest.raises(IndexLockedError):
            rebuild_index(index_dir, [], writer_timeout=0.2)
    finally:
        holder.cancel()
    assert index_records(index_dir, CORPUS[2:], writer_timeout=0.5).total_docs == len(CORPUS)


def _run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_commit_killed_before_its_toc_leaves_the_index_openable(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS[:5])
    killed = _run_python(
        """
        import os, sys
        import whoosh.index
        from indexer.index import index_records
        from tests.test_search_corpus import CORPUS

        def die(*args, **kwargs):
            os._exit(9)  # segment files are written, the new TOC is not

        whoosh.index.TOC.write = die
        index_records(sys.argv[1], CORPUS[5:])
        """,
        str(index_dir),
    )
    assert killed.returncode == 9, killed.stderr
    assert doc_count(index_dir) == 5
    assert search(index_dir, "đại hội").total == 1
    stats = index_records(index_dir, CORPUS[5:], writer_timeout=2)
    assert stats.total_docs == len(CORPUS)


def test_search_keeps_working_while_another_process_commits(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys
                from indexer.index import index_records
                from scraper.record import empty_record
                for batch in range(12):
                    records = [
                        empty_record(
                            f"https://moi.gov.vn/news/tin-{batch}-{i}.html",
                            kind="article", portal="moi", title=f"Tin mới số {batch} {i}",
                            body="Văn bản chỉ đạo phòng chống thiên tai " * 20,
                        )
                        for i in range(15)
                    ]
                    index_records(sys.argv[1], records)
                """
            ),
            str(index_dir),
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stderr=subprocess.PIPE,
        text=True,
    )
    searches = 0
    try:
        while writer.poll() is None:
            results = search(index_dir, "thiên tai", limit=5)
            assert results.total >= 1
            searches += 1
    finally:
        _, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr
    assert searches > 0
    assert search(index_dir, "tin mới", portal="moi").total == 12 * 15
    assert doc_count(index_dir) == len(CORPUS) + 12 * 15


def test_an_index_from_another_schema_asks_for_a_rebuild(tmp_path: Path) -> None:
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, Schema

    from indexer.errors import IndexerError

    index_dir = tmp_path / "index"
    index_dir.mkdir()
    whoosh_index.create_in(str(index_dir), Schema(url=ID(unique=True, stored=True)))
    with pytest.raises(IndexerError, match="index --rebuild"):
        search(index_dir, "đảng")
    with pytest.raises(IndexerError, match="index --rebuild"):
        index_records(index_dir, CORPUS)
    items = write_jsonl(tmp_path / "001.jsonl", CORPUS)
    assert rebuild_index(index_dir, [items]).total_docs == len(CORPUS)


def test_parallel_build_matches_a_sequential_one(tmp_path: Path) -> None:
    edited = dict(CORPUS[0], title="Đại hội Đảng bộ thị xã (bản cập nhật)")
    records = [*CORPUS, {"url": "https://x.gov.vn/news/", "kind": "listing"}, edited]
    parallel = index_records(tmp_path / "parallel", records, procs=2, segment_docs=4)
    sequential = index_records(tmp_path / "sequential", records, procs=1, segment_docs=4)
    assert parallel.total_docs == sequential.total_docs == len(CORPUS)
    assert (parallel.indexed, parallel.skipped) == (len(CORPUS) + 1, 1)
    assert len(open_index(tmp_path / "parallel")._segments()) > 2
    for query in ("đảng", '"lãnh đạo của Đảng"', "bản cập nhật", "45-CV/BTGTU", "=đang", "tuyen*"):
        found = [
            sorted((h.record["url"], round(h.score, 3)) for h in search(p, query, limit=50).hits)
            for p in (tmp_path / "parallel", tmp_path / "sequential")
        ]
        assert found[0] == found[1], query
    assert (
        search(tmp_path / "parallel", "bản cập nhật")
        .hits[0]
        .record["title"]
        .endswith("(bản cập nhật)")
    )


def test_fast_writer_writes_what_whoosh_writes(tmp_path: Path) -> None:
    from whoosh.writing import SegmentWriter

    from indexer.fastwrite import FastSegmentWriter
    from indexer.index import create_or_open_index
    from indexer.schema import record_to_document

    odd = dict(
        CORPUS[0], url="https://x.gov.vn/odd", title="İstanbul Ωμέγα café hòa qúy x\u0301y a_b"
    )
    readers = []
    for name, cls in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter)):
        ix = create_or_open_index(tmp_path / name)
        writer = cls(ix)
        for record in [*CORPUS, odd]:
            writer.add_document(**record_to_document(record))
        writer.commit()
        readers.append(open_index(tmp_path / name).reader())
    slow, fast = readers
    assert list(slow.all_terms()) == list(fast.all_terms())
    for fieldname, text in slow.all_terms():
        a, b = slow.postings(fieldname, text), fast.postings(fieldname, text)
        assert list(a.items_as("weight")) == list(b.items_as("weight")), (fieldname, text)
        if slow.schema[fieldname].format.supports("positions"):
            a, b = slow.postings(fieldname, text), fast.postings(fieldname, text)
            assert list(a.items_as("positions")) == list(b.items_as("positions"))
    for fieldname in ("text", "text_exact", "text_bi", "title_bi", "author"):
        for docnum in range(len(CORPUS) + 1):
            assert slow.doc_field_length(docnum, fieldname) == fast.doc_field_length(
                docnum, fieldname
            )


def test_many_small_commits_merge_into_bounded_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.index as index_module

    monkeypatch.setattr(index_module, "MAX_MERGED_DOCS", 60)
    monkeypatch.setattr(index_module, "MERGE_FANOUT", 4)
    index_dir = tmp_path / "index"
    records = [
        empty_record(
            f"https://example.gov.vn/news/bai-{n}.html",
            title=f"Thông báo số {n} của Ủy ban nhân dân",
            kind="article",
            portal="p",
        )
        for n in range(120)
    ]
    for start in range(0, len(records), 10):  # a crawl's batches: one commit each
        index_records(index_dir, records[start : start + 10])
        sizes = [s.doc_count_all() for s in open_index(index_dir)._segments()]
        assert max(sizes) <= 60
        assert len(sizes) < 4 + len(records) // 10  # merges happened: fewer than one per batch
    sizes = [s.doc_count_all() for s in open_index(index_dir)._segments()]
    assert sum(sizes) == 120 and len(sizes) <= 3 + 120 // 60
    assert search(index_dir, "thong bao", limit=1).total == 120
    assert search(index_dir, 'title:"số 117"').hits[0].record["url"].endswith("bai-117.html")


def test_pooled_searchers_follow_each_commit(tmp_path: Path) -> None:
    from indexer.index import SearcherPool

    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS[:3])
    pool = SearcherPool(index_dir, size=2)
    with pool.searcher() as first:
        assert first.doc_count() == 3
    with pool.searcher() as again:
        assert again is first  # same commit: the open searcher is reused
    index_records(index_dir, CORPUS[3:])
    with pool.searcher() as after:
        assert after is not first and after.doc_count() == len(CORPUS)
    assert first.is_closed  # the stale one was closed, never refreshed
    assert search(index_dir, "39/QĐ-CA", pool=pool).total == 1
    pool.close()
    assert after.is_closed


def test_updated_records_leave_no_trace_in_totals_facets_or_order(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_records(index_dir, CORPUS)
    moved = [
        dict(r, portal="portal-moi", published="2030-01-01T08:00:00+07:00") for r in CORPUS[:4]
    ]
    index_records(index_dir, moved)  # upserts: the old versions are deleted documents now
    with open_searcher(index_dir) as searcher:
        assert searcher.reader().has_deletions()
    every = search(index_dir, "*", facets=True, limit=len(CORPUS), sort="newest")
    assert every.total == len(CORPUS)
    assert every.facets["portal"]["portal-moi"] == 4
    assert sum(every.facets["portal"].values()) == len(CORPUS)
    assert every.facets["year"]["2030"] == 4
    assert {h.record["url"] for h in every.hits[:4]} == {r["url"] for r in moved}  # newest
    assert len({h.record["url"] for h in every.hits}) == len(CORPUS)


def test_segment_cache_keeps_within_its_budget() -> None:
    import numpy as np

    from indexer.docsets import SegmentCache

    cache = SegmentCache(budget_bytes=10_000)
    for n in range(10):
        cache.put(("seg", n), np.zeros(250), 2_000)  # 2 kB each
    assert cache.used <= 10_000
    assert cache.get(("seg", 0)) is None and cache.get(("seg", 9)) is not None
    cache.get(("seg", 5))
    cache.put(("seg", 10), np.zeros(250), 2_000)
    assert cache.get(("seg", 5)) is not None  # recently used: kept
    cache.put(("big",), np.zeros(10), 20_000)  # larger than the budget: never kept
    assert cache.get(("big",)) is None
