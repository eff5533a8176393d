"""Memory benchmark: crawl and index a generated N-article replica portal; peak memory of the crawl.

The replica (this process) serves N articles cloned from the packaged content (new ids, aliases,
titles and dates; paragraphs reused); `govarchive crawl` runs in a child process. Every half
second the resident sets of that process and of its worker processes (parser, attachment and
index workers) are read from /proc and summed: `peak_tree_rss_mb` (shared pages counted once
per process, an upper bound) and `peak_tree_pss_mb` (shared pages split among their users).
Attachments are off (their OCR is benchmarked apart).

Example: .venv/bin/python bench/memory.py --articles 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.replica import ReplicaPortal  # noqa: E402
from scraper.replica.content import load_site, make_alias  # noqa: E402


def generated_content(articles: int) -> dict[str, Any]:
    """The packaged site with `articles` articles cloned from its own (paragraphs reused)."""
    site = load_site()
    templates = site.articles
    start = datetime(2015, 1, 1, 8, 0)
    made = []
    for n in range(articles):
        base = templates[n % len(templates)]
        title = f"{base['title']} (bản tin số {n + 1})"
        moment = start + timedelta(minutes=97 * n)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:00+07:00")
        made.append(
            {
                **base,
                "id": 100_000 + n,
                "alias": make_alias(title),
                "title": title,
                "published": stamp,
                "edited": stamp,
                "attachments": [],
                "tags": base["tags"][:1],
            }
        )
    return {
        "name": site.name,
        "url_name": site.url_name,
        "categories": site.categories,
        "articles": made,
        "laws": site.laws,
    }


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in bytes (empty once it has exited)."""
    found = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for key in ("VmRSS", "VmHWM"):
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            found[key] = int(match.group(1)) * 1024
    return found


def descendants(pid: int) -> list[int]:
    """The crawl's worker processes: every process below `pid`."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(x) for x in task.read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def pss(pid: int) -> int:
    """Proportional set size of a process in bytes (shared pages split among their users)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def run(articles: int, data: Path, timeout: float) -> dict[str, Any]:
    """Serve, crawl in a child process, sample its memory; return the numbers."""
    content = generated_content(articles)
    t0 = time.monotonic()
    with ReplicaPortal(content=content) as portal:
        setup = time.monotonic() - t0
        netloc = urlsplit(portal.url).netloc
        data.mkdir(parents=True, exist_ok=True)
        (data / "portals.toml").write_text(
            f'[[portal]]\nid = "bench"\nurl = "{portal.url}/"\nallowed_domains = ["{netloc}"]\n\n'
            "[portal.settings]\nGOVARCHIVE_ATTACHMENTS = false\nLOGSTATS_INTERVAL = 60.0\n"
        )
        cmd = [sys.executable, "-m", "search_cli", "--data", str(data), "crawl", "bench"]
        log = (data / "crawl.log").open("w")
        started = time.monotonic()
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        peak_rss = peak_hwm = peak_tree_rss = peak_tree_pss = 0
        peak_workers = 0
        worker_hwm: dict[int, int] = {}  # the kernel's own peak of each worker process
        samples = []
        timed_out = False
        try:
            while process.poll() is None:
                if time.monotonic() - started > timeout:
                    process.kill()  # report what was measured until then
                    timed_out = True
                    break
                status = proc_status(process.pid)
                peak_rss = max(peak_rss, status.get("VmRSS", 0))
                peak_hwm = max(peak_hwm, status.get("VmHWM", 0))
                tree = [process.pid, *descendants(process.pid)]
                statuses = {pid: proc_status(pid) for pid in tree}
                tree_rss = sum(status.get("VmRSS", 0) for status in statuses.values())
                for pid, status in statuses.items():
                    if pid != process.pid and status.get("VmHWM", 0) > worker_hwm.get(pid, 0):
                        worker_hwm[pid] = status["VmHWM"]
                peak_tree_rss = max(peak_tree_rss, tree_rss)
                peak_tree_pss = max(peak_tree_pss, sum(pss(pid) for pid in tree))
                peak_workers = max(peak_workers, len(tree) - 1)
                samples.append((round(time.monotonic() - started, 1), tree_rss))
                time.sleep(0.5)
        finally:
            process.wait()
            log.close()
        elapsed = time.monotonic() - started
        requests = len(portal.requests)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = (data / "crawl.log").read_text(errors="replace").strip().splitlines()
    tail = lines[-1:]
    problems = [line[:200] for line in lines if line.startswith(("ERROR", "WARNING"))]
    records = sum(1 for p in (data / "items").glob("*.jsonl") for line in p.open() if line.strip())
    return {
        "articles": articles,
        "laws": len(content["laws"]),
        "replica_setup_s": round(setup, 1),
        "crawl_s": round(elapsed, 1),
        "requests": requests,
        "records": records,
        "pages_per_s": round(requests / elapsed, 1) if elapsed else 0,
        "peak_tree_rss_mb": round(peak_tree_rss / 2**20, 1),
        "peak_tree_pss_mb": round(peak_tree_pss / 2**20, 1),
        "worker_processes": peak_workers,
        "worker_vm_hwm_mb": sorted(round(v / 2**20, 1) for v in worker_hwm.values()),
        "crawl_process_peak_rss_mb": round(peak_rss / 2**20, 1),
        "crawl_process_vm_hwm_mb": round(peak_hwm / 2**20, 1),
        "ru_maxrss_children_mb": round(usage.ru_maxrss / 1024, 1),
        "returncode": process.returncode,
        "timed_out": timed_out,
        "problems": problems[:10],
        "summary": tail[0] if tail else "",
        "rss_samples_mb": [
            (t, round(r / 2**20)) for t, r in samples[:: max(1, len(samples) // 20)]
        ],
        "warc_mb": round(sum(p.stat().st_size for p in (data / "warc").glob("*")) / 2**20, 1),
        "index_mb": round(sum(p.stat().st_size for p in (data / "index").glob("*")) / 2**20, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="archive directory (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds for the crawl")
    parser.add_argument("--keep", action="store_true", help="keep the temporary archive")
    args = parser.parse_args(argv)
    data = args.data or Path(tempfile.mkdtemp(prefix="govarchive-memory-"))
    try:
        result = run(args.articles, data, args.timeout)
    finally:
        if args.data is None and not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["returncode"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
