"""Commands over the WARC archive: `reparse` (records from the WARC files alone) and `stats`."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from scraper.layout import DataLayout
from search_cli.parsing import PROGRESS_SECONDS

logger = logging.getLogger(__name__)

LOCK_NAME = "update.lock"  # the same lock `govarchive update` holds: never both at once


class _Progress:
    """Prints `captures read, records, errors, rate` on stderr every few seconds."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = self.started

    def __call__(self, stats: Any, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        rate = stats.captures / max(now - self.started, 1e-9)
        click.echo(
            f"reparse: {stats.captures} captures read, {stats.records} records, "
            f"{stats.listings} listings, {stats.skipped} not HTML, {stats.errors} errors, "
            f"{rate:.0f} captures/s",
            err=True,
        )


def _unique(path: Path) -> Path:
    if not path.exists():
        return path
    stem, suffix = path.name.removesuffix(".jsonl"), ".jsonl"
    for n in range(2, 10_000):
        candidate = path.with_name(f"{stem}-{n}{suffix}")
        if not candidate.exists():
            return candidate
    raise click.ClickException(f"cannot find a free file name beside {path}")


def write_jsonl_atomically(path: Path, lines: list[str]) -> None:
    """Write `lines` to `path` through a temporary file, fsync'd, then renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def supersede(items_dir: Path, keep: Path) -> list[Path]:
    """Move every item file but `keep` into `items/superseded/`; return their new paths."""
    target_dir = items_dir / "superseded"
    moved = []
    for path in sorted(items_dir.glob("*.jsonl")):
        if path == keep:
            continue
        target_dir.mkdir(exist_ok=True)
        target = _unique(target_dir / path.name)
        shutil.move(path, target)
        moved.append(target)
    return moved


@click.command()
@click.option("--no-index", is_flag=True, help="Do not rebuild the search index afterwards.")
@click.pass_obj
def reparse(layout: DataLayout, no_index: bool) -> None:
    """Rebuild the records from the WARC files with today's parsers, without the network.

    Takes each URL's latest successful HTML capture, writes ITEMS/<UTC time>-reparse.jsonl
    (sorted by URL), moves older item files into items/superseded/ and rebuilds the index.

    Example: govarchive --data data reparse
    """
    from scraper.archive import ReparseStats, reparse_records, warc_files
    from scraper.lock import ExclusiveLock, LockedError
    from scraper.portals import RegistryError, load_registry

    if not warc_files(layout.warc):
        raise click.ClickException(f"no WARC files in {layout.warc}: nothing to re-parse")
    try:
        registry = load_registry(layout.portals)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        from scraper.parsers import parse_page
    except ImportError as exc:
        raise click.ClickException(f"the parsers cannot be loaded: {exc}") from exc
    layout.ensure()
    try:
        with ExclusiveLock(layout.state / LOCK_NAME):
            stats = ReparseStats()
            progress = _Progress()
            lines: dict[str, str] = {}
            for record in reparse_records(
                layout.warc, registry, parse=parse_page, stats=stats, progress=progress
            ):
                # two captured URLs may parse to one canonical URL: the first (by URL) wins
                lines.setdefault(record["url"], json.dumps(record, ensure_ascii=False))
            progress(stats, final=True)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            output = _unique(layout.items / f"{stamp}-reparse.jsonl")
            write_jsonl_atomically(output, [lines[url] for url in sorted(lines)])
            moved = supersede(layout.items, output)
            if moved:
                click.echo(f"moved {len(moved)} older item files to {moved[0].parent}", err=True)
            if not no_index:
                _rebuild_index(layout, output)
    except LockedError as exc:
        raise click.ClickException(f"an update or reparse is running ({exc})") from exc
    click.echo(str(output))


def _rebuild_index(layout: DataLayout, output: Path) -> None:
    try:
        from indexer.index import rebuild_index
    except ImportError as exc:
        click.echo(f"index not rebuilt (indexer unavailable: {exc})", err=True)
        return
    stats = rebuild_index(layout.index, [output])
    click.echo(f"index rebuilt: {stats.total_docs} documents", err=True)


YEAR = re.compile(r"^(\d{4})")


def archive_stats(layout: DataLayout) -> dict[str, Any]:
    """Count what the archive holds: WARC files, records by type, and items per portal and year."""
    from scraper.archive import PROFILE_NOT_MODIFIED, iter_records, warc_files

    files = warc_files(layout.warc)
    types: Counter[str] = Counter()
    urls: set[str] = set()
    not_modified = 0
    for info in iter_records(layout.warc):
        types[info.rec_type] += 1
        if info.rec_type in ("response", "revisit"):
            urls.add(info.url)
        if info.rec_type == "revisit" and info.profile == PROFILE_NOT_MODIFIED:
            not_modified += 1
    per_portal: dict[str, Counter[str]] = {}
    records = 0
    for record in _latest_items(layout.items):
        records += 1
        match = YEAR.match(str(record.get("published") or ""))
        portal = str(record.get("portal") or "unknown")
        per_portal.setdefault(portal, Counter())[match.group(1) if match else "unknown"] += 1
    return {
        "warc_files": len(files),
        "warc_bytes": sum(p.stat().st_size for p in files),
        "captures": types["response"] + types["revisit"],
        "responses": types["response"],
        "revisits": types["revisit"],
        "revisits_not_modified": not_modified,
        "requests": types["request"],
        "urls": len(urls),
        "records": records,
        "records_per_portal_year": {
            portal: dict(sorted(years.items())) for portal, years in sorted(per_portal.items())
        },
    }


def _latest_items(items_dir: Path) -> Any:
    paths = sorted(items_dir.glob("*.jsonl"))
    try:
        from indexer.index import iter_latest_records
    except ImportError:
        latest: dict[str, dict[str, Any]] = {}
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    latest[record.get("url", "")] = record
        return iter(latest.values())
    return iter_latest_records(paths)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
@click.pass_obj
def stats(layout: DataLayout, as_json: bool) -> None:
    """What the archive holds: WARC files, captures, revisits, bytes; records per portal and year.

    Example: govarchive stats --json
    """
    result = archive_stats(layout)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    out = sys.stdout
    out.write(f"WARC files   {result['warc_files']:>10}  ({result['warc_bytes']:,} bytes)\n")
    out.write(f"captures     {result['captures']:>10}  ({result['urls']} URLs)\n")
    out.write(f"  responses  {result['responses']:>10}\n")
    out.write(
        f"  revisits   {result['revisits']:>10}  "
        f"({result['revisits_not_modified']} answered 304 Not Modified)\n"
    )
    out.write(f"records      {result['records']:>10}\n")
    table = result["records_per_portal_year"]
    if table:
        years = sorted({year for counts in table.values() for year in counts})
        width = max(len("portal"), *(len(p) for p in table))
        out.write("\n" + "portal".ljust(width) + "".join(f"{y:>9}" for y in years) + "    total\n")
        for portal, counts in table.items():
            cells = "".join(f"{counts.get(y, 0):>9}" for y in years)
            out.write(f"{portal.ljust(width)}{cells}{sum(counts.values()):>9}\n")


COMMANDS: list[click.Command] = [reparse, stats]
