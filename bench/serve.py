"""Benchmark of `govarchive serve`: requests/s and p95 latency of the search page under load.

Generates a corpus (default 100,000 records), indexes it once, starts the server in its own
process on 127.0.0.1, then runs N concurrent clients (threads, one connection per request) for a
bounded time and request count against a mix of search pages (queries, filters, sorts, pages).

Example: .venv/bin/python bench/serve.py --records 100000 --clients 20 --duration 60
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import queue
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

QUERIES = (
    "dai hoi",
    "cải cách hành chính",
    '"đại hội đại biểu"',
    "phong chong dich",
    "giao thông",
    "hội nghị tổng kết",
    "thi xa",
    "nhân dân",
    "đầu tư",
    "tuyen truyen",
)
PORTALS = tuple(f"portal-{i:02d}" for i in range(8))


def make_records(count: int) -> Iterator[dict[str, Any]]:
    """The search benchmark's corpus (bench/search.py), so both benchmarks measure the same data."""
    sys.path.insert(0, str(REPO / "bench"))
    from search import generate_records  # bench/search.py

    return generate_records(count)


def build_index(index_dir: Path, count: int) -> float:
    """Index `count` generated records into `index_dir`; return the seconds it took."""
    from indexer.index import index_records

    started = time.perf_counter()
    index_records(index_dir, make_records(count), procs=2, multisegment=True)
    return time.perf_counter() - started


def sampled_queries(sample: int = 5000, count: int = 40, seed: int = 20261126) -> list[str]:
    """Queries drawn from the corpus as bench/search.py draws them: words (half frequent, half
    mid-frequency), two-word ANDs, quoted two-syllable phrases, document numbers; plus the
    accentless forms of a quarter of the words, as researchers type them."""
    import tempfile

    sys.path.insert(0, str(REPO / "bench"))
    from search import pick_queries  # bench/search.py

    from indexer.analysis import fold_text

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for record in make_records(sample):  # the same records as the index's first `sample`
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        picked = pick_queries(path, random.Random(seed), count)
    queries = [*picked["word"], *picked["two_words"], *picked["phrase"], *picked["doc_number"]]
    queries += [fold_text(w) for w in picked["word"][::4]]
    return queries


def search_paths(queries: tuple[str, ...] | list[str] = QUERIES, seed: int = 11) -> Iterator[str]:
    """An endless mix of search-page URLs: queries × filters × sorts × pages."""
    rng = random.Random(seed)
    while True:
        params: dict[str, str] = {"q": rng.choice(queries)}
        roll = rng.random()
        if roll < 0.2:
            params["portal"] = rng.choice(PORTALS)
        elif roll < 0.3:
            params["kind"] = "document"
        elif roll < 0.4:
            year = str(2016 + rng.randrange(10))
            params["from"] = params["to"] = year
        if rng.random() < 0.25:
            params["sort"] = rng.choice(("newest", "oldest"))
        if rng.random() < 0.3:
            params["page"] = str(rng.randint(2, 5))
        if rng.random() < 0.1:
            params["exact"] = "1"
        yield "/?" + urllib.parse.urlencode(params)


def nearest_rank(values: list[float], p: float) -> float:
    """The p-th percentile of `values` by nearest rank (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]


@dataclass
class LoadResult:
    """Latencies and failures of one load run."""

    latencies: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    cache_hits: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        return nearest_rank([x * 1000 for x in self.latencies], p)

    def summary(self) -> dict[str, Any]:
        """Numbers for the report."""
        count = len(self.latencies)
        return {
            "requests": count,
            "errors": len(self.errors),
            "seconds": round(self.seconds, 1),
            "requests_per_second": round(count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies, default=0) * 1000, 1),
            "server_search_p50_ms": round(nearest_rank(self.search_ms, 50), 1),
            "server_search_p95_ms": round(nearest_rank(self.search_ms, 95), 1),
            "cache_hits": self.cache_hits,
            "statuses": self.statuses,
        }


_SEARCH_TIMING = re.compile(r"search;dur=([\d.]+)")


def fetch(
    host: str, port: int, path: str, timeout: float = 60.0
) -> tuple[int, int, float | None, bool]:
    """GET a path on a new connection: status, body bytes, server search ms, page-cache hit."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        body = response.read()
        match = _SEARCH_TIMING.search(response.getheader("Server-Timing") or "")
        search_ms = float(match.group(1)) if match else None
        return response.status, len(body), search_ms, response.getheader("X-Cache") == "hit"
    finally:
        conn.close()


def run_load(
    host: str,
    port: int,
    *,
    clients: int,
    duration: float,
    max_requests: int,
    seed: int = 11,
    fixed_path: str | None = None,
    queries: list[str] | tuple[str, ...] = QUERIES,
    pool: list[str] | None = None,
) -> LoadResult:
    """`clients` threads requesting search pages until `duration` s or `max_requests` requests."""
    result = LoadResult()
    if fixed_path:
        paths: Iterator[str] = itertools.repeat(fixed_path)
    elif pool:
        rng = random.Random(seed)
        paths = (rng.choice(pool) for _ in itertools.count())
    else:
        paths = search_paths(queries, seed)
    lock = threading.Lock()
    budget = [max_requests]
    deadline = time.perf_counter() + duration

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                path = next(paths)
            started = time.perf_counter()
            search_ms, hit = None, False
            try:
                status, size, search_ms, hit = fetch(host, port, path)
                error = None if status == 200 and size > 0 else f"HTTP {status} for {path}"
            except OSError as exc:
                status, error = 0, f"{type(exc).__name__}: {exc} for {path}"
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                result.cache_hits += hit
                if search_ms is not None:
                    result.search_ms.append(search_ms)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if error:
                    result.errors.append(error)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 60)
    result.seconds = time.perf_counter() - started
    return result


def ensure_index(data: Path, count: int, *, rebuild: bool = False) -> dict[str, Any]:
    """Build the corpus index under `data` unless one of the same size is there."""
    marker = data / "bench-serve.json"
    if not rebuild and marker.is_file():
        info = json.loads(marker.read_text())
        if info.get("records") == count:
            return info
    shutil.rmtree(data / "index", ignore_errors=True)
    (data / "index").mkdir(parents=True, exist_ok=True)
    seconds = build_index(data / "index", count)
    info = {"records": count, "index_seconds": round(seconds, 1)}
    marker.write_text(json.dumps(info))
    return info


def start_server(
    data: Path, workers: int, cache_pages: int
) -> tuple[subprocess.Popen[str], str, int]:
    """Start the server on a free loopback port; return the process, host and port."""
    cmd = [sys.executable, "-m", "search_cli.web", "--data", str(data), "--port", "0"]
    cmd += ["--workers", str(workers), "--cache-pages", str(cache_pages)]
    process = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True).start()
    while True:
        line = lines.get(timeout=60)
        match = re.search(r"on http://(127\.0\.0\.1):(\d+)/", line)
        if match:
            return process, match.group(1), int(match.group(2))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its direct children (the forked workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a JSON summary; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--cache-pages",
        type=int,
        default=0,
        help="server page cache (default 0: every request searches)",
    )
    parser.add_argument("--data", type=Path, default=Path("/tmp/govarchive-bench-serve"))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the corpus index")
    parser.add_argument("--target-p95-ms", type=float, default=300.0)
    parser.add_argument(
        "--path", help="request only this path (e.g. /robots.txt: the HTTP stack's ceiling)"
    )
    parser.add_argument(
        "--mix",
        choices=("sampled", "frequent"),
        default="sampled",
        help="sampled: queries drawn from the corpus like bench/search.py; frequent: 10 very common ones",
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=0,
        help="draw from this many distinct pages (a working set; 0: an endless mix)",
    )
    parser.add_argument(
        "--warm", action="store_true", help="request each page of the --distinct set once first"
    )
    args = parser.parse_args(argv)

    info = ensure_index(args.data, args.records, rebuild=args.rebuild)
    queries = sampled_queries() if args.mix == "sampled" else list(QUERIES)
    process, host, port = start_server(args.data, args.workers, args.cache_pages)
    try:
        for query in QUERIES:  # warm the page cache and each worker's imports
            for _ in range(args.workers):
                fetch(host, port, "/?" + urllib.parse.urlencode({"q": query}))
        pool: list[str] | None = None
        if args.distinct:
            generator = search_paths(queries)
            pool = []
            while len(pool) < args.distinct:
                path = next(generator)
                if path not in pool:
                    pool.append(path)
        if args.warm and pool:
            for path in pool:  # the page cache's steady state (one worker holds one cache)
                fetch(host, port, path)
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(process.pid)
        result = run_load(
            host,
            port,
            clients=args.clients,
            duration=args.duration,
            max_requests=args.max_requests,
            fixed_path=args.path,
            queries=queries,
            pool=pool,
        )
        server_cpu = cpu_seconds(process.pid) - cpu_before
    finally:
        process.terminate()
        process.wait(timeout=10)
    summary = {
        "records": args.records,
        "clients": args.clients,
        "workers": args.workers,
        "cache_pages": args.cache_pages,
        "path": args.path or f"search pages, {args.mix} mix of {len(queries)} queries",
        "distinct_pages": args.distinct or "unbounded",
        "warm": args.warm,
        "machine": machine(),
        "load_average_before": [round(x, 1) for x in load_before],
        **info,
        **result.summary(),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(result.latencies)), 1),
    }
    print(json.dumps(summary, indent=2))
    for error in result.errors[:5]:
        print("error:", error, file=sys.stderr)
    ok = not result.errors and summary["p95_ms"] <= args.target_p95_ms
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
