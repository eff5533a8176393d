"""Crawl benchmark: govarchive's whole pipeline against a bare Scrapy spider, and `update` cost.

A replica portal of N generated articles (bench/memory.py's generator) is served from this
process. In the same run, each measured in a child process:
- `govarchive crawl` (fetch, WARC capture, parse, JSONL, index);
- a bare Scrapy spider fetching the same URLs with the same settings and doing nothing else;
- `govarchive update` of the unchanged portal: its time and bytes against the first crawl's.

Example: .venv/bin/python bench/crawl.py --articles 2000 --rounds 2

`--profile`: instead, one `govarchive crawl` under cProfile with a CPU clock, and the share of the
crawl process's CPU spent in WARC capture, the hand-offs to the worker processes, link discovery,
the JSONL feed and Scrapy's per-callback output handling (cProfile's own overhead inflates
Python-heavy parts; the worker processes are not profiled).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from memory import descendants, generated_content  # noqa: E402

from scraper.replica import ReplicaPortal  # noqa: E402

BARE_SPIDER = """
import json, os, scrapy

class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {
        "ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
    }

    async def start(self):
        with open(os.environ["BARE_URLS"], encoding="utf-8") as fh:
            for url in json.load(fh):
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None
"""


def stats_of(data: Path) -> dict[str, Any]:
    """The newest crawl stats file of an archive."""
    newest = sorted((data / "state" / "stats").glob("*.json"))[-1]
    return json.loads(newest.read_text(encoding="utf-8"))


CPU_SPENT: dict[str, Any] = {}
TICK = os.sysconf("SC_CLK_TCK")


ROLES = frozenset({"crawl", "index", "parser", "attachment", "ocr"})


def process_role(pid: int, root: int) -> str:
    """What a process of the crawl is: crawl, index, parser, attachment, ocr (or its name)."""
    if pid == root:
        return "crawl"
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "other"
    if comm == "govarchive-idx":
        return "index"
    if b"scraper.workers" in argv and argv[-2:-1] in ([b"parser"], [b"attachment"]):
        return argv[-2].decode()
    return "ocr" if comm == "tesseract" else comm


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a live process (None once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def sample_roles(process: subprocess.Popen[bytes], into: dict[int, tuple[str, float]]) -> None:
    """Until `process` ends, note every 0.1 s each of its processes' role and CPU so far."""
    while process.poll() is None:
        for pid in [process.pid, *descendants(process.pid)]:
            cpu = process_cpu(pid)
            if cpu is not None:
                role = into[pid][0] if pid in into else ""
                if role not in ROLES:  # a child seen between its fork and its exec: ask again
                    role = process_role(pid, process.pid)
                into[pid] = (role, cpu)
        time.sleep(0.1)


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    """Run a command; its wall time in seconds (it must succeed).

    CPU_SPENT then holds the CPU seconds of the command's processes ("child") and of this
    process, which serves the replica ("replica"), over the run, and "by_process": the child's
    CPU per process role as last sampled (up to 0.1 s of each process's end is not seen).
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    seen: dict[int, tuple[str, float]] = {}
    sampler = threading.Thread(target=sample_roles, args=(process, seen), daemon=True)
    sampler.start()
    _, err = process.communicate()
    sampler.join()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, cmd, stderr=err)
    wall = time.perf_counter() - started
    by_role: dict[str, float] = {}
    for role, cpu in seen.values():
        by_role[role] = round(by_role.get(role, 0.0) + cpu, 2)
    CPU_SPENT["by_process"] = by_role
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    CPU_SPENT["child"] = round(
        children_after.ru_utime + children_after.ru_stime - children.ru_utime - children.ru_stime,
        2,
    )
    CPU_SPENT["replica"] = round(
        own_after.ru_utime + own_after.ru_stime - own.ru_utime - own.ru_stime, 2
    )
    return wall


def govarchive(data: Path, *args: str) -> list[str]:
    """The govarchive command line for an archive."""
    return [sys.executable, "-m", "search_cli", "--data", str(data), *args]


def run(articles: int, rounds: int, work: Path) -> dict[str, Any]:
    """Measure every round; keep the best time of each kind (least disturbed by other load)."""
    content = generated_content(articles)
    results: dict[str, Any] = {"articles": articles, "rounds": []}
    spider = work / "bare_spider.py"
    spider.write_text(BARE_SPIDER, encoding="utf-8")
    with ReplicaPortal(content=content) as portal:
        for n in range(rounds):
            data = work / f"archive-{n}"
            before = len(portal.requests)
            crawl_s = timed(govarchive(data, "crawl", portal.url))
            crawl_cpu = dict(CPU_SPENT)
            fetched = [path for method, path, _ in portal.requests[before:] if method == "GET"]
            crawl_stats = stats_of(data)
            urls = work / "urls.json"
            urls.write_text(json.dumps([portal.url + p for p in fetched if p != "/robots.txt"]))
            env = {**os.environ, "BARE_URLS": str(urls)}
            env.pop("SCRAPY_SETTINGS_MODULE", None)
            # Outside the repository: no scrapy.cfg, so none of govarchive's settings (WARC
            # capture, middlewares, pipelines) apply; Scrapy's defaults and the spider's own.
            bare_s = timed(
                [sys.executable, "-m", "scrapy", "runspider", str(spider)], env=env, cwd=work
            )
            bare_cpu = dict(CPU_SPENT)
            before = len(portal.requests)
            update_s = timed(govarchive(data, "update", portal.url))
            update_requests = len(portal.requests) - before
            update_stats = stats_of(data)
            results["rounds"].append(
                {
                    "pages": len(fetched),
                    "records": crawl_stats.get("item_scraped_count", 0),
                    "crawl_s": round(crawl_s, 2),
                    "bare_s": round(bare_s, 2),
                    "crawl_cpu_s": crawl_cpu,
                    "bare_cpu_s": bare_cpu,
                    "crawl_bytes": crawl_stats.get("downloader/response_bytes", 0),
                    "update_s": round(update_s, 2),
                    "update_requests": update_requests,
                    "update_bytes": update_stats.get("downloader/response_bytes", 0),
                }
            )
            print(json.dumps(results["rounds"][-1]), file=sys.stderr)
    best = {
        key: min(r[key] for r in results["rounds"]) for key in ("crawl_s", "bare_s", "update_s")
    }
    first = results["rounds"][0]
    results["throughput_ratio"] = round(best["bare_s"] / best["crawl_s"], 3)
    results["update_time_share"] = round(best["update_s"] / best["crawl_s"], 3)
    results["update_bytes_share"] = round(first["update_bytes"] / first["crawl_bytes"], 4)
    results["pages_per_s"] = round(first["pages"] / best["crawl_s"], 1)
    results["bare_pages_per_s"] = round(first["pages"] / best["bare_s"], 1)
    return results


PROFILED_CRAWL = """
import cProfile, sys, time
from search_cli.cli import main
profiler = cProfile.Profile(time.process_time)
sys.argv = ["govarchive", *sys.argv[2:]]
profiler.enable()
try:
    main()
except SystemExit:
    pass
finally:
    profiler.disable()
    profiler.dump_stats(__import__("os").environ["PROFILE_OUT"])
"""
PROFILE_PARTS = {
    "WARC capture": ("scraper/extensions/warc.py", "response_downloaded"),
    "hand-off to the index process": ("scraper/pipelines.py", "process_item"),
    "hand-off to the parser process": ("scraper/workers.py", "call"),
    "page parsers (in this process)": ("scraper/parsers/__init__.py", "parse_page"),
    "link discovery": ("scraper/spiders/nukeviet.py", "page_links"),
    "JSONL feed": ("scrapy/extensions/feedexport.py", "item_scraped"),
    "Scrapy callback output": ("scrapy/core/scraper.py", "handle_spider_output_async"),
}


def profile_crawl(articles: int, work: Path) -> dict[str, Any]:
    """CPU shares of the crawl process's main costs, from one profiled crawl."""
    import pstats

    script = work / "profiled_crawl.py"
    script.write_text(PROFILED_CRAWL, encoding="utf-8")
    out = work / "crawl.prof"
    with ReplicaPortal(content=generated_content(articles)) as portal:
        cmd = [
            sys.executable,
            str(script),
            "-",
            "--data",
            str(work / "archive"),
            "crawl",
            portal.url,
        ]
        wall = timed(cmd, env={**os.environ, "PROFILE_OUT": str(out)})
    stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    total = pstats.Stats(str(out)).total_tt  # type: ignore[attr-defined]
    shares: dict[str, float] = {}
    for name, (path, function) in PROFILE_PARTS.items():
        cumulative = [
            ct for (file, _, func), (_, _, _, ct, _) in stats.items()
            if file.endswith(path) and func == function
        ]  # fmt: skip
        shares[name] = round(max(cumulative, default=0.0) / total, 3)
    return {
        "articles": articles,
        "wall_s": round(wall, 1),
        "cpu_s": round(total, 1),
        "shares": shares,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its results as JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="CPU shares of one crawl instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="govarchive-crawl-bench-") as tmp:
        if args.profile:
            results = profile_crawl(args.articles, Path(tmp))
        else:
            results = run(args.articles, args.rounds, Path(tmp))
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
