"""Search benchmark: a synthetic Vietnamese archive, Whoosh index build, queries, export, SQLite FTS5.

Example: .venv/bin/python bench/search.py --docs 100000 --procs 2
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gc
import io
import itertools
import json
import logging
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.analysis import nfc, words  # noqa: E402
from indexer.docsets import SEGMENT_CACHE  # noqa: E402
from indexer.export import iter_hits, write_csv  # noqa: E402
from indexer.index import index_records, iter_jsonl, open_index  # noqa: E402
from indexer.search import search  # noqa: E402
from scraper.record import empty_record  # noqa: E402

logger = logging.getLogger("bench.search")

SITE_JSON = ROOT / "scraper" / "replica" / "content" / "site.json"
SEED_TEXT = Path("/work/shared/seed")
FALLBACK_TEXT = """
Sáng ngày 26/01/2021, Ban Thường vụ Thị ủy tổ chức hội nghị quán triệt Nghị quyết Đại hội đại
biểu toàn quốc lần thứ XIII của Đảng. Đồng chí Bí thư Thị ủy chủ trì hội nghị. Các cơ quan, đơn
vị, địa phương tăng cường công tác thông tin, tuyên truyền, bảo đảm an ninh chính trị, trật tự an
toàn xã hội. Ủy ban nhân dân thị xã đề nghị các phòng, ban, ngành và Ủy ban nhân dân các xã, phường
triển khai thực hiện nghiêm túc kế hoạch phòng, chống dịch bệnh, chăm lo đời sống nhân dân.
"""
TOKEN_RE = re.compile(r"\w+|[.,;:!?]")
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Quốc", "Hữu", "Ngọc", "Đức", "Thu", "Hồng"]
GIVEN = ["Hùng", "Lan", "Hải", "Châu", "Vi", "Quân", "Dũng", "Hòa", "Thủy", "Khoa", "Tâm", "Đạt"]
DOC_TYPES = ["QĐ-UBND", "CV-UBND", "KH-UBND", "NQ-HĐND", "CT-UBND", "TB-VP", "CV/BTGTU", "HD-SNV"]


def load_text() -> str:
    """Real-looking Vietnamese government text to learn syllable sequences from."""
    parts: list[str] = [FALLBACK_TEXT]
    if SITE_JSON.exists():
        site = json.loads(SITE_JSON.read_text(encoding="utf-8"))
        for item in site.get("articles", []) + site.get("laws", []):
            for key in ("title", "hometext", "abstract"):
                if item.get(key):
                    parts.append(str(item[key]))
            paragraphs = item.get("paragraphs") or []
            if isinstance(paragraphs, list):
                parts.extend(str(p) for p in paragraphs)
    if SEED_TEXT.is_dir():
        for path in sorted(SEED_TEXT.glob("*.txt")):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return nfc("\n".join(parts))


class SyllableChain:
    """A first-order Markov chain over syllables and punctuation, trained on real text."""

    def __init__(self, text: str, rng: random.Random) -> None:
        tokens = TOKEN_RE.findall(text)
        successors: dict[str, list[str]] = defaultdict(list)
        for a, b in itertools.pairwise(tokens):
            successors[a].append(b)
        self.successors = dict(successors)
        self.starts = [t for t in tokens if t[:1].isupper()] or tokens
        self.rng = rng
        self.vocabulary = sorted({t for t in tokens if t[0].isalnum()})

    def sentence(self, length: int) -> str:
        """A sentence of about `length` syllables."""
        word = self.rng.choice(self.starts)
        out = [word]
        for _ in range(length - 1):
            nexts = self.successors.get(word)
            word = self.rng.choice(nexts) if nexts else self.rng.choice(self.starts)
            if word == "." or word == "!":
                word = self.rng.choice(self.starts)
                out.append(".")
            out.append(word)
        text = " ".join(out)
        text = re.sub(r" ([.,;:!?])", r"\1", text)
        return text[:1].upper() + text[1:] + "."

    def text(self, syllables: int) -> str:
        """Paragraphs of sentences totalling about `syllables` syllables."""
        paragraphs: list[str] = []
        remaining = syllables
        while remaining > 0:
            sentences = []
            for _ in range(self.rng.randint(2, 5)):
                n = min(remaining, self.rng.randint(12, 40))
                if n <= 0:
                    break
                sentences.append(self.sentence(n))
                remaining -= n
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)


def generate_records(n: int, seed: int = 20261126) -> Iterator[dict[str, Any]]:
    """`n` realistic records: 50 portals (skewed), 10 years of dates, 20% documents citing others."""
    rng = random.Random(seed)
    chain = SyllableChain(load_text(), rng)
    portals = [f"portal-{i:02d}" for i in range(50)]
    weights = [1 / (i + 1) ** 0.8 for i in range(50)]
    cumulative = [sum(weights[: i + 1]) for i in range(50)]
    start = datetime(2016, 1, 1)
    span = (datetime(2026, 1, 1) - start).total_seconds()
    numbers: list[str] = []
    for i in range(n):
        portal = portals[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        published = start + timedelta(seconds=rng.random() * span)
        when = published.strftime("%Y-%m-%dT%H:%M:00+07:00")
        body_len = int(min(3000, max(60, rng.lognormvariate(5.9, 0.6))))
        title = chain.sentence(rng.randint(8, 24)).rstrip(".")
        author = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        fields: dict[str, Any] = {
            "portal": portal,
            "title": title,
            "published": when if rng.random() > 0.03 else None,
            "summary": chain.sentence(rng.randint(20, 45)),
            "body": chain.text(body_len),
            "category": rng.choice(["Tin tức - Sự kiện", "Văn bản", "Kinh tế", "Văn hóa - Xã hội"]),
            "cms": "nukeviet-news",
            "kind": "article",
        }
        refs = rng.sample(numbers[-2000:], k=min(len(numbers), rng.choice([0, 0, 0, 1, 2])))
        if refs:
            fields["doc_refs"] = refs
            fields["body"] += f"\n\nThực hiện Công văn số {refs[0]} ngày {published:%d/%m/%Y}."
        if rng.random() < 0.2:
            number = f"{rng.randint(1, 999)}/{published.year}/{rng.choice(DOC_TYPES)}"
            if number in numbers:
                number = f"{i}/{published.year}/{rng.choice(DOC_TYPES)}"
            numbers.append(number)
            fields.update(
                kind="document",
                doc_number=number,
                doc_type="Quyết định",
                signer=author,
                issuer=f"UBND {portal}",
                cms="nukeviet-laws",
            )
        else:
            fields["author"] = author
        yield empty_record(f"https://{portal}.gov.vn/news/tin-tuc/bai-viet-{i}.html", **fields)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of values, nearest rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the index writer's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def dir_size(path: Path) -> int:
    """Total bytes of files under path."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pick_queries(records_path: Path, rng: random.Random, count: int) -> dict[str, list[Any]]:
    """Sample query words, two- and three-or-four-syllable phrases and doc numbers from the corpus."""
    word_counts: Counter[str] = Counter()
    bigram_counts: Counter[tuple[str, str]] = Counter()
    long_counts: Counter[tuple[str, ...]] = Counter()
    numbers: list[str] = []
    for i, record in enumerate(iter_jsonl([records_path])):
        if record.get("doc_number"):
            numbers.append(record["doc_number"])
        if i < 3000:
            tokens = [w.lower() for w in words(record["body"]) if not w.isdigit()]
            word_counts.update(tokens)
            bigram_counts.update(itertools.pairwise(tokens))
            for size in (3, 4):
                long_counts.update(zip(*(tokens[k:] for k in range(size)), strict=False))
    common = [w for w, _ in word_counts.most_common(400)]
    mid = [w for w, c in word_counts.most_common(3000)[400:] if c >= 5]
    singles = rng.sample(common[:200], count // 2) + rng.sample(mid, count - count // 2)
    pairs = [(rng.choice(common), rng.choice(mid or common)) for _ in range(count)]
    phrases = [f'"{a} {b}"' for (a, b), _ in bigram_counts.most_common(600)]
    long_phrases = ['"' + " ".join(words_) + '"' for words_, _ in long_counts.most_common(600)]
    return {
        "word": singles,
        "two_words": [f"{a} {b}" for a, b in pairs],
        "phrase": rng.sample(phrases, count),
        "doc_number": rng.sample(numbers, min(count, len(numbers))),
        "common": common[:20],
        "phrase_long": rng.sample(long_phrases, count),  # drawn last: the other sets stay put
    }


def time_calls(calls: list[Callable[[], Any]], *, cold: bool = False) -> dict[str, float]:
    """Run each call once (after one warm-up): wall p50/p95/max and CPU p50/p95, in ms.

    `cold`: empty the process's cache of decoded segment data before each call, so every call
    pays what a one-shot `govarchive search` process pays (interpreter start-up aside).
    """
    calls[0]()
    timings, cpu = [], []
    for call in calls:
        if cold:
            SEGMENT_CACHE.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "n": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "max_ms": round(max(timings), 1),
        "cpu_p50_ms": round(percentile(cpu, 50), 1),
        "cpu_p95_ms": round(percentile(cpu, 95), 1),
    }


def query_calls(index_dir: Path, queries: dict[str, list[Any]]) -> dict[str, list[Callable]]:
    """The benchmark's searches by category, each a call of the real `search()`."""
    return {
        "word": [lambda q=q: search(index_dir, q) for q in queries["word"]],
        "two_words": [lambda q=q: search(index_dir, q) for q in queries["two_words"]],
        "phrase_2syll": [lambda q=q: search(index_dir, q) for q in queries["phrase"]],
        "phrase_3_4syll": [lambda q=q: search(index_dir, q) for q in queries["phrase_long"]],
        "doc_number": [lambda q=q: search(index_dir, q) for q in queries["doc_number"]],
        "date_range_newest": [
            lambda q=q, y=2016 + i % 9: search(
                index_dir, q, date_from=f"{y}-03-01", date_to=f"{y + 1}-02-28", sort="newest"
            )
            for i, q in enumerate(queries["word"])
        ],
        "facets": [lambda q=q: search(index_dir, q, facets=True) for q in queries["word"]],
    }


def bench_whoosh_queries(index_dir: Path, queries: dict[str, list[Any]]) -> dict[str, Any]:
    """Latency of the real `search()` (fresh searcher, parse, top 10 with snippets, total):
    cold (nothing decoded before each call) and warm (a long-running process, e.g. `serve`,
    that has seen the query's terms)."""
    out: dict[str, Any] = {}
    for name, calls in query_calls(index_dir, queries).items():
        out[name] = time_calls(calls, cold=True)
    out["warm"] = {}
    for name, calls in query_calls(index_dir, queries).items():
        for call in calls:
            call()
        out["warm"][name] = time_calls(calls)
    return out


def export_run(index_dir: Path, query: str, limit: int, sink: io.TextIOBase) -> int:
    """Export the first `limit` hits of a query as CSV into `sink`."""

    def capped() -> Iterator[Any]:
        for i, hit in enumerate(iter_hits(index_dir, query)):
            if i >= limit:
                return
            yield hit

    return write_csv(capped(), sink)


def bench_export(index_dir: Path, query: str, limit: int) -> dict[str, Any]:
    """Time exporting `limit` hits to CSV, and tracemalloc peaks at limit/10 and limit hits."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:
        started, started_cpu = time.perf_counter(), time.process_time()
        rows = export_run(index_dir, query, limit, fh)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        size = fh.tell()
    peaks = {}
    for n in (limit // 10, limit):
        gc.collect()
        tracemalloc.start()
        with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:
            export_run(index_dir, query, n, fh)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "query": query,
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "rows_per_s": round(rows / seconds),
        "csv_mb": round(size / 1e6, 1),
        "tracemalloc_peak_mb": {str(k): round(v / 1e6, 1) for k, v in peaks.items()},
    }


# --- SQLite FTS5 -----------------------------------------------------------------------------


def sqlite_fold(text: str) -> str:
    """What FTS5's unicode61 remove_diacritics cannot do: đ has no decomposition."""
    return text.replace("đ", "d").replace("Đ", "D")


def build_sqlite(db_path: Path, records_path: Path) -> dict[str, Any]:
    """Build an FTS5 index of the same records (title, summary, body, author, doc number)."""
    db = sqlite3.connect(db_path)
    db.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE docs(id INTEGER PRIMARY KEY, url TEXT UNIQUE, portal TEXT, kind TEXT,
                          published TEXT, year TEXT, doc_number TEXT, record TEXT);
        CREATE INDEX docs_published ON docs(published);
        CREATE INDEX docs_number ON docs(doc_number);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, author, refs,
            tokenize = 'unicode61 remove_diacritics 2');
        """
    )
    started = time.perf_counter()
    count = 0
    with db:
        for record in iter_jsonl([records_path]):
            count += 1
            cur = db.execute(
                "INSERT INTO docs(url, portal, kind, published, year, doc_number, record)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    record["url"],
                    record["portal"],
                    record["kind"],
                    (record["published"] or "")[:19],
                    (record["published"] or "")[:4],
                    record.get("doc_number"),
                    json.dumps(record, ensure_ascii=False),
                ),
            )
            db.execute(
                "INSERT INTO fts(rowid, title, summary, body, author, refs) VALUES (?,?,?,?,?,?)",
                (
                    cur.lastrowid,
                    sqlite_fold(record["title"] or ""),
                    sqlite_fold(record["summary"] or ""),
                    sqlite_fold(record["body"] or ""),
                    sqlite_fold(record.get("author") or record.get("signer") or ""),
                    " ".join(record.get("doc_refs") or []),
                ),
            )
    seconds = time.perf_counter() - started
    db.close()
    return {"docs": count, "seconds": round(seconds, 1), "docs_per_s": round(count / seconds)}


def _fts_match(query: str) -> str:
    if query.startswith('"'):
        return '"' + sqlite_fold(query.strip('"')) + '"'
    return " AND ".join(f'"{sqlite_fold(w)}"' for w in query.split())


def bench_sqlite_queries(db_path: Path, queries: dict[str, list[Any]]) -> dict[str, Any]:
    """The same query sets in FTS5: top 10 by bm25 (title weighted) with total count."""
    db = sqlite3.connect(db_path)
    top = (
        "SELECT docs.record, snippet(fts, 2, '«', '»', '…', 20) FROM fts JOIN docs ON docs.id = fts.rowid"
        " WHERE fts MATCH ? ORDER BY bm25(fts, 4.0, 1.5, 1.0, 1.0, 0.5) LIMIT 10"
    )
    count = "SELECT count(*) FROM fts WHERE fts MATCH ?"

    def run(match: str) -> None:
        db.execute(top, (match,)).fetchall()
        db.execute(count, (match,)).fetchone()

    def run_number(number: str) -> None:
        db.execute("SELECT record FROM docs WHERE doc_number = ?", (number,)).fetchall()
        db.execute(
            "SELECT docs.record FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ? LIMIT 10",
            (f'refs:"{number}"',),
        ).fetchall()

    def run_range(match: str, year: int) -> None:
        args = (match, f"{year}-03-01", f"{year + 1}-02-28T23:59:59")
        db.execute(
            "SELECT docs.record FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?"
            " AND docs.published BETWEEN ? AND ? ORDER BY docs.published DESC LIMIT 10",
            args,
        ).fetchall()
        db.execute(
            "SELECT count(*) FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?"
            " AND docs.published BETWEEN ? AND ?",
            args,
        ).fetchone()

    def run_facets(match: str) -> None:
        run(match)
        for column in ("portal", "year", "kind"):
            db.execute(
                f"SELECT docs.{column}, count(*) FROM fts JOIN docs ON docs.id = fts.rowid"
                f" WHERE fts MATCH ? GROUP BY docs.{column}",
                (match,),
            ).fetchall()

    out = {
        "word": time_calls([lambda q=q: run(_fts_match(q)) for q in queries["word"]]),
        "two_words": time_calls([lambda q=q: run(_fts_match(q)) for q in queries["two_words"]]),
        "phrase_2syll": time_calls([lambda q=q: run(_fts_match(q)) for q in queries["phrase"]]),
        "phrase_3_4syll": time_calls(
            [lambda q=q: run(_fts_match(q)) for q in queries["phrase_long"]]
        ),
        "doc_number": time_calls([lambda q=q: run_number(q) for q in queries["doc_number"]]),
        "date_range_newest": time_calls(
            [
                lambda q=q, y=2016 + i % 9: run_range(_fts_match(q), y)
                for i, q in enumerate(queries["word"])
            ]
        ),
        "facets": time_calls([lambda q=q: run_facets(_fts_match(q)) for q in queries["word"]]),
    }
    db.close()
    return out


def sqlite_export(db_path: Path, query: str, limit: int) -> dict[str, Any]:
    """Export `limit` rows of an FTS5 match as CSV (every record field), streamed."""
    db = sqlite3.connect(db_path)
    started, started_cpu = time.perf_counter(), time.process_time()
    rows = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for (raw,) in db.execute(
            "SELECT docs.record FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?"
            " ORDER BY bm25(fts, 4.0, 1.5, 1.0, 1.0, 0.5) LIMIT ?",
            (_fts_match(query), limit),
        ):
            record = json.loads(raw)
            writer.writerow(
                [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                    for v in record.values()
                ]
            )
            rows += 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - started_cpu
    db.close()
    return {"rows": rows, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2)}


def machine() -> dict[str, str]:
    """nproc and the head of lscpu."""

    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    return {"nproc": run(["nproc"]), "lscpu": "\n".join(run(["lscpu"]).splitlines()[:15])}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a JSON report on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--multisegment", action="store_true", default=True)
    parser.add_argument("--single-segment", dest="multisegment", action="store_false")
    parser.add_argument("--queries", type=int, default=40, help="Queries per category.")
    parser.add_argument("--export", type=int, default=10_000, help="Hits to export.")
    parser.add_argument("--work", type=Path, help="Working directory (default: a temp dir).")
    parser.add_argument("--keep", action="store_true", help="Keep the working directory.")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse records and indexes found in --work."
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("indexer").setLevel(logging.WARNING)

    work = args.work or Path(tempfile.mkdtemp(prefix="govarchive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    records_path = work / "records.jsonl"
    index_dir = work / "index"
    report: dict[str, Any] = {
        "docs": args.docs,
        "procs": args.procs,
        "multisegment": args.multisegment,
    }
    report["machine"] = machine()
    report["load_average_start"] = os.getloadavg()
    try:
        if not (args.reuse and records_path.exists()):
            started = time.perf_counter()
            body_syllables = 0
            with open(records_path, "w", encoding="utf-8") as fh:
                for record in generate_records(args.docs):
                    body_syllables += len(record["body"].split())
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            report["corpus"] = {
                "generate_s": round(time.perf_counter() - started, 1),
                "jsonl_mb": round(records_path.stat().st_size / 1e6, 1),
                "mean_body_syllables": round(body_syllables / args.docs),
            }
            logger.info("corpus: %s", report["corpus"])

        if not (args.reuse and index_dir.exists()):
            shutil.rmtree(index_dir, ignore_errors=True)
            cpu_started = cpu_seconds()
            stats = index_records(
                index_dir,
                iter_jsonl([records_path]),
                procs=args.procs,
                multisegment=args.multisegment,
            )
            report["whoosh_index"] = {
                "docs": stats.total_docs,
                "seconds": round(stats.seconds, 1),
                "docs_per_s": round(stats.docs_per_second),
                "cpu_s": round(cpu_seconds() - cpu_started, 1),
                "docs_per_cpu_s": round(stats.indexed / max(cpu_seconds() - cpu_started, 1e-9)),
                "size_mb": round(dir_size(index_dir) / 1e6, 1),
                "segments": len(open_index(index_dir)._segments()),
                "peak_rss_mb": {
                    "main": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3),
                    "largest_worker": round(
                        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
                    ),
                },
                "load_average": os.getloadavg(),
            }
            logger.info("whoosh index: %s", report["whoosh_index"])

        rng = random.Random(7)
        queries = pick_queries(records_path, rng, args.queries)
        report["whoosh_queries"] = bench_whoosh_queries(index_dir, queries)
        logger.info("whoosh queries: %s", report["whoosh_queries"])

        export_query = max(queries["common"], key=lambda w: search(index_dir, w).total)
        report["whoosh_export"] = bench_export(index_dir, export_query, args.export)
        logger.info("whoosh export: %s", report["whoosh_export"])

        if not args.skip_sqlite:
            db_path = work / "fts.sqlite"
            if not (args.reuse and db_path.exists()):
                db_path.unlink(missing_ok=True)
                report["sqlite_index"] = build_sqlite(db_path, records_path)
                report["sqlite_index"]["size_mb"] = round(db_path.stat().st_size / 1e6, 1)
            report["sqlite_queries"] = bench_sqlite_queries(db_path, queries)
            report["sqlite_export"] = sqlite_export(db_path, export_query, args.export)
            report["ratios_whoosh_over_sqlite_p95"] = {
                k: round(v["p95_ms"] / max(report["sqlite_queries"][k]["p95_ms"], 0.1), 1)
                for k, v in report["whoosh_queries"].items()
                if k != "warm"
            }
            logger.info("sqlite: %s", report["sqlite_queries"])
        report["sample_queries"] = {k: v[:3] for k, v in queries.items()}
        report["load_average_end"] = os.getloadavg()
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
