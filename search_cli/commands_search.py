"""The `index`, `search` and `export` commands: a thin click layer over indexer/."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from indexer.errors import IndexerError, NoIndexError, QueryError
from indexer.export import iter_hits, write_csv, write_jsonl
from indexer.index import index_exists, index_records, iter_latest_records, rebuild_index
from indexer.search import SORTS, Hit, SearchResults, search
from scraper.layout import DataLayout

logger = logging.getLogger(__name__)

ANSI_BOLD = ("\x1b[1m", "\x1b[0m")
PLAIN_MARKS = ("«", "»")


def _layout(ctx: click.Context) -> DataLayout:
    layout = ctx.obj
    if not isinstance(layout, DataLayout):
        layout = DataLayout(Path("data"))
    return layout


def _require_index(layout: DataLayout) -> Path:
    if not index_exists(layout.index):
        raise click.ClickException(f"no index in {layout.index}: run govarchive crawl first")
    return layout.index


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter and sort options shared by `search` and `export`."""
    options = [
        click.option("--exact", is_flag=True, help="Accent-sensitive: đảng is not đang."),
        click.option("--portal", help="Only this portal id."),
        click.option("--kind", type=click.Choice(["article", "document"]), help="Only this kind."),
        click.option("--author", help="Only records by this author or signer."),
        click.option(
            "--from",
            "date_from",
            metavar="DATE",
            help="Published on or after (YYYY-MM-DD, YYYY-MM, YYYY).",
        ),
        click.option("--to", "date_to", metavar="DATE", help="Published on or before."),
        click.option(
            "--sort",
            type=click.Choice(SORTS),
            default="relevance",
            show_default=True,
            help="Order of the hits.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ("exact", "portal", "kind", "author", "date_from", "date_to", "sort")
    return {k: kwargs[k] for k in keys}


def _library_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line click errors (exit 1)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NoIndexError as exc:
            raise click.ClickException(f"{exc}: run govarchive crawl first") from exc
        except (QueryError, IndexerError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.command("index")
@click.option(
    "--rebuild", is_flag=True, help="Build a fresh index from all items, then swap it in."
)
@click.option(
    "--items",
    "items_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL file to index (repeatable); default: every <data>/items/*.jsonl by name.",
)
@click.option(
    "--timeout", default=30.0, show_default=True, help="Seconds to wait for another writer."
)
@click.option(
    "--procs",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="Worker processes for a rebuild or a first build (an existing index: one).",
)
@click.pass_context
@_library_errors
def index_command(
    ctx: click.Context, rebuild: bool, items_paths: tuple[Path, ...], timeout: float, procs: int
) -> None:
    """Index records (upsert by URL), or rebuild the index from the items.

    Example: govarchive index --rebuild
    """
    layout = _layout(ctx)
    paths = list(items_paths) or sorted(layout.items.glob("*.jsonl"))
    if not paths:
        raise click.ClickException(f"no records in {layout.items}: run govarchive crawl first")
    if rebuild:
        stats = rebuild_index(layout.index, paths, writer_timeout=timeout, procs=procs)
    else:
        stats = index_records(
            layout.index, iter_latest_records(paths), writer_timeout=timeout, procs=procs
        )
    click.echo(
        f"indexed {stats.indexed} records from {len(paths)} file(s) in {stats.seconds:.1f} s; "
        f"{stats.total_docs} documents in {layout.index}"
    )


def _marks() -> tuple[str, str]:
    return ANSI_BOLD if sys.stdout.isatty() else PLAIN_MARKS


def _date(record: dict[str, Any]) -> str:
    """`2021-01-26 17:00` when the record has a time (as the page gave it), else `2021-01-26`."""
    published = str(record.get("published") or "")
    if len(published) > 10 and published[10] in "T ":
        try:
            when = datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            return published[:10]
        return when.strftime("%Y-%m-%d %H:%M")
    return published[:10]


def _print_table(results: SearchResults) -> None:
    start, end = _marks()
    first = (results.page - 1) * results.limit + 1
    last = first + len(results.hits) - 1
    click.echo(f"{results.total} hits for {results.understood}")
    for hit in results.hits:
        record = hit.record
        click.echo("")
        click.echo(f"{hit.rank}. {record.get('title') or '(no title)'}")
        meta = [
            _date(record) or "undated",
            record.get("author") or record.get("signer") or "",
            record.get("portal") or "",
            record.get("doc_number") or "",
        ]
        click.echo("   " + " | ".join(m for m in meta if m))
        click.echo(f"   {record.get('url')}")
        snippet = hit.highlighted(start, end)
        if snippet:
            where = f"[{', '.join(hit.matched_in)}] " if hit.matched_in else ""
            click.echo(f"   {where}{snippet}")
    if results.facets:
        click.echo("")
        for name, counts in results.facets.items():
            shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:10])
            click.echo(f"{name}: {shown or '-'}")
    click.echo("")
    if results.total and not results.hits:
        click.echo(f"no hits on page {results.page}: the last page is {results.pages}")
    elif results.total:
        footer = f"hits {first}-{last} of {results.total}, page {results.page}/{results.pages}"
        if results.page < results.pages:
            footer += f" (next: --page {results.page + 1})"
        click.echo(footer)


@click.command("search")
@click.argument("query")
@filter_options
@click.option(
    "--limit", default=10, show_default=True, type=click.IntRange(1), help="Hits per page."
)
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page number.")
@click.option("--all", "all_hits", is_flag=True, help="Every hit, not one page.")
@click.option("--facets", is_flag=True, help="Counts per portal, year and kind.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json (JSON lines) and csv carry every field.",
)
@click.pass_context
@_library_errors
def search_command(
    ctx: click.Context,
    query: str,
    limit: int,
    page: int,
    all_hits: bool,
    facets: bool,
    output_format: str,
    **kwargs: Any,
) -> None:
    """Search the archive: words, "phrases", OR, -word, field:value, prefix*, document numbers.

    Fields: title, body, author, attachment, portal, category, kind, number, year; =word or
    --exact for accents (đảng is not đang); '*' alone is every record.

    Example: govarchive search '"đại hội" 45-CV/BTGTU' --from 2020 --sort newest
    """
    index_dir = _require_index(_layout(ctx))
    filters = _filters(kwargs)
    if all_hits and not facets:
        hits = iter_hits(index_dir, query, **filters)
        _write_stream(hits, output_format)
        return
    results = search(
        index_dir,
        query,
        page=1 if all_hits else page,
        limit=_total(index_dir, query, filters) if all_hits else limit,
        facets=facets,
        **filters,
    )
    if output_format == "table":
        _print_table(results)
    elif output_format == "json":
        for hit in results.hits:
            click.echo(json.dumps(hit.as_dict(), ensure_ascii=False))
        if facets:
            click.echo(
                json.dumps({"_facets": results.facets, "_total": results.total}, ensure_ascii=False)
            )
    else:
        write_csv(results.hits, sys.stdout)


def _total(index_dir: Path, query: str, filters: dict[str, Any]) -> int:
    return max(1, search(index_dir, query, limit=1, **filters).total)


def _write_stream(hits: Any, output_format: str) -> None:
    out = sys.stdout
    if output_format == "csv":
        write_csv(hits, out)
    elif output_format == "json":
        write_jsonl(hits, out)
    else:
        start, end = _marks()
        count = 0
        for hit in hits:
            count += 1
            _print_hit_line(hit, start, end)
        click.echo(f"{count} hits")


def _print_hit_line(hit: Hit, start: str, end: str) -> None:
    record = hit.record
    click.echo(
        f"{hit.rank}. {record.get('title') or '(no title)'} | {_date(record) or 'undated'} | "
        f"{record.get('portal') or ''} | {record.get('url')}"
    )
    snippet = hit.highlighted(start, end)
    if snippet:
        click.echo(f"   {snippet}")


@click.command("export")
@click.argument("query")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.csv or FILE.jsonl (by extension).",
)
@click.option("--excel", is_flag=True, help="CSV for Excel: UTF-8 with BOM, CRLF lines.")
@filter_options
@click.pass_context
@_library_errors
def export_command(
    ctx: click.Context, query: str, output: Path, excel: bool, **kwargs: Any
) -> None:
    """Write every hit of a query, every field, to CSV or JSONL.

    QUERY '*' means every record (with the filters): govarchive export '*' --portal tayninh -o all.csv

    Example: govarchive export 'number:45-CV/BTGTU' -o hits.csv --excel
    """
    index_dir = _require_index(_layout(ctx))
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".json", ".ndjson"):
        raise click.ClickException(f"{output}: use a .csv or .jsonl file name")
    hits = iter_hits(index_dir, query, **_filters(kwargs))
    encoding = "utf-8"
    with open(output, "w", encoding=encoding, newline="") as fh:
        count = write_csv(hits, fh, excel=excel) if suffix == ".csv" else write_jsonl(hits, fh)
    click.echo(f"{count} hits written to {output}", err=True)


COMMANDS: list[click.Command] = [index_command, search_command, export_command]
