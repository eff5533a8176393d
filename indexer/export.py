"""Exporting every hit of a query: streamed, every record field, formula-safe CSV or JSONL."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from indexer.index import open_searcher
from indexer.query import parse_query
from indexer.search import Hit, build_filters, iter_docnums, make_hit
from scraper.record import RECORD_FIELDS

logger = logging.getLogger(__name__)

EXTRA_COLUMNS: tuple[str, ...] = ("score", "match_in", "snippet")
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def iter_hits(
    index_dir: Path | str,
    query: str,
    *,
    exact: bool = False,
    portal: str | None = None,
    kind: str | None = None,
    author: str | None = None,
    date_from: str | date | datetime | None = None,
    date_to: str | date | datetime | None = None,
    sort: str = "relevance",
) -> Iterator[Hit]:
    """Yield every hit of a query in order, loading one record at a time (flat memory)."""
    parsed = parse_query(query, exact=exact)
    filters = build_filters(
        portal=portal, kind=kind, author=author, date_from=date_from, date_to=date_to
    )
    with open_searcher(index_dir) as searcher:
        ranked = iter_docnums(searcher, parsed, filters, sort)
        for rank, (score, docnum) in enumerate(ranked, 1):
            yield make_hit(searcher, docnum, score, rank, parsed)


def neutralize_formula(value: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def cell(value: Any) -> str:
    """One CSV cell: lists and dicts JSON-encoded, None empty, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return neutralize_formula(text)


def csv_columns(records: Iterable[dict[str, Any]] = ()) -> list[str]:
    """Column names: every record field, then score, match_in, snippet."""
    columns = list(RECORD_FIELDS)
    for record in records:
        columns.extend(k for k in record if k not in columns)
    return [*columns, *EXTRA_COLUMNS]


def hit_row(hit: Hit, columns: list[str]) -> list[str]:
    """A CSV row for a hit in `columns` order."""
    extra = {"score": round(hit.score, 4), "match_in": hit.match_in, "snippet": hit.snippet}
    return [cell(extra[c] if c in extra else hit.record.get(c)) for c in columns]


def write_csv(hits: Iterable[Hit], fh: IO[str], *, excel: bool = False) -> int:
    """Write a header and one CRLF-ended row per hit; return the row count (BOM first when `excel`)."""
    if excel:
        fh.write(UTF8_BOM)
    # RFC 4180 rows end in CRLF; with CRLF as the terminator, QUOTE_MINIMAL quotes every value
    # holding a CR or an LF, so a bare CR inside a value cannot end the row in any reader.
    writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = csv_columns()
    writer.writerow(columns)
    count = 0
    for hit in hits:
        writer.writerow(hit_row(hit, columns))
        count += 1
    return count


def write_jsonl(hits: Iterable[Hit], fh: IO[str]) -> int:
    """Write one JSON object per hit (every record field plus _score, _match_in, _snippet)."""
    count = 0
    for hit in hits:
        fh.write(json.dumps(hit.as_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count
