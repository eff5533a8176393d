"""Searching the index: filters, sorting, paging, facets, snippets with match highlights."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from indexer.analysis import (
    WORD_RE,
    accent_insensitive_pattern,
    exact_word,
    fold_word,
    iter_word_spans,
    nfc,
    words,
)
from indexer.docsets import DocSets
from indexer.index import SearcherPool, open_searcher
from indexer.query import ParsedQuery, parse_query
from indexer.ranking import rank
from indexer.schema import attachments_text, normalize_doc_number

logger = logging.getLogger(__name__)

SORTS: tuple[str, ...] = ("relevance", "newest", "oldest")
FACET_FIELDS: tuple[str, ...] = ("portal", "year", "kind")
SNIPPET_WORDS = 32
SNIPPET_LEAD = 6
SNIPPET_CHARS_PER_WORD = 6
_WHITESPACE = re.compile(r"\s+")


@dataclass
class Hit:
    """One search result: the full record, its score, where it matched, a highlighted snippet."""

    record: dict[str, Any]
    score: float
    rank: int
    matched_in: list[str] = field(default_factory=list)
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def match_in(self) -> str:
        """Where the match was first seen: number, title, body, attachment, author, or ``""``."""
        return self.matched_in[0] if self.matched_in else ""

    @property
    def snippet(self) -> str:
        """The snippet as plain text."""
        return "".join(text for text, _ in self.snippet_parts)

    def highlighted(self, start: str = "«", end: str = "»") -> str:
        """The snippet with each matched word wrapped in `start` … `end`."""
        return "".join(f"{start}{text}{end}" if hit else text for text, hit in self.snippet_parts)

    def as_dict(self) -> dict[str, Any]:
        """Every record field plus score, match location and snippet (for JSON output)."""
        out = dict(self.record)
        out["_score"] = round(self.score, 4)
        out["_match_in"] = self.match_in
        out["_snippet"] = self.highlighted("**", "**")
        return out


@dataclass
class SearchResults:
    """A page of hits with the total count and, when asked, facet counts."""

    total: int
    hits: list[Hit]
    page: int
    limit: int
    sort: str
    understood: str
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Number of pages at this page size."""
        return max(1, -(-self.total // self.limit)) if self.limit else 1


def parse_date_bound(value: str | date | datetime | None, *, end: bool = False) -> datetime | None:
    """Turn `2021`, `2021-01`, `2021-01-26` or `26/01/2021` into the first (or last) moment it covers."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end else time.min)
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return datetime.combine(date(year, month, day), time.max if end else time.min)
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", text)
    if match:
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(2))
            first = date(year, month, 1)
            if not end:
                return datetime.combine(first, time.min)
            following = date(year + (month == 12), month % 12 + 1, 1)
            return datetime.combine(following - timedelta(days=1), time.max)
        return datetime(year, 12, 31, 23, 59, 59, 999999) if end else datetime(year, 1, 1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY)"
        ) from exc
    if len(text) == 10:
        return datetime.combine(parsed.date(), time.max if end else time.min)
    return parsed.replace(tzinfo=None)


def build_filters(
    *,
    portal: str | None = None,
    kind: str | None = None,
    author: str | None = None,
    date_from: str | date | datetime | None = None,
    date_to: str | date | datetime | None = None,
) -> list[wq.Query]:
    """Filter queries for the search options."""
    filters: list[wq.Query] = []
    if portal:
        filters.append(wq.Or([wq.Term("portal", v) for v in sorted({portal, portal.lower()})]))
    if kind:
        filters.append(wq.Term("kind", kind.lower()))
    if author:
        folded = [fold_word(w) for w in words(author)]
        if len(folded) == 1:
            filters.append(wq.Term("author", folded[0]))
        elif folded:
            filters.append(wq.Phrase("author", folded))
    start = parse_date_bound(date_from)
    stop = parse_date_bound(date_to, end=True)
    if start or stop:
        filters.append(wq.DateRange("published", start, stop))
    return filters


def ranked_docnums(
    searcher: Searcher,
    sets: DocSets,
    scored_query: wq.Query,
    docs: np.ndarray,
    sort: str,
    limit: int | None,
) -> list[tuple[float, int]]:
    """The first `limit` (score, docnum) pairs of `docs` in the requested order."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if not docs.any():
        return []
    if sort != "relevance":
        return [(0.0, d) for d in sets.by_date(docs, newest=sort == "newest", limit=limit)]
    return rank(searcher, scored_query, docs, limit)


def full_query(parsed: ParsedQuery, filters: list[wq.Query]) -> wq.Query:
    """The parsed query restricted by the filters."""
    return wq.And([parsed.query, *filters]) if filters else parsed.query


def search(
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
    page: int = 1,
    limit: int = 10,
    facets: bool = False,
    pool: SearcherPool | None = None,
    generation: tuple[Any, ...] | None = None,
) -> SearchResults:
    """Run a query with filters; return one page of hits, the total and optional facets.

    `pool`: take the searcher from a long-running process's pool instead of opening one
    (`generation`: the index commit the caller has just read, see `index_generation`).
    """
    if page < 1 or limit < 1:
        raise ValueError("page and limit must be at least 1")
    parsed = parse_query(query, exact=exact)
    filters = build_filters(
        portal=portal, kind=kind, author=author, date_from=date_from, date_to=date_to
    )
    q = full_query(parsed, filters)
    offset = (page - 1) * limit
    opened = pool.searcher(generation) if pool is not None else open_searcher(index_dir)
    with opened as searcher:
        sets = DocSets(searcher)
        docs = sets.evaluate(q)
        total = int(np.count_nonzero(docs))
        top = ranked_docnums(searcher, sets, parsed.query, docs, sort, offset + limit)
        hits = [
            make_hit(searcher, docnum, score, offset + i + 1, parsed)
            for i, (score, docnum) in enumerate(top[offset : offset + limit])
        ]
        facet_counts = (
            {name: sets.facet_counts(docs, name) for name in FACET_FIELDS} if facets else {}
        )
    return SearchResults(
        total=total,
        hits=hits,
        page=page,
        limit=limit,
        sort=sort,
        understood=parsed.understood,
        facets=facet_counts,
    )


def load_record(searcher: Searcher, docnum: int) -> dict[str, Any]:
    """The stored record of a document."""
    stored = searcher.stored_fields(docnum)
    return json.loads(stored["record"])


def make_hit(searcher: Searcher, docnum: int, score: float, rank: int, parsed: ParsedQuery) -> Hit:
    """Build a Hit: load the record, find where the query matched, cut a snippet."""
    record = load_record(searcher, docnum)
    matched_in, parts = snippet_for(record, parsed)
    return Hit(record=record, score=score, rank=rank, matched_in=matched_in, snippet_parts=parts)


class _Matcher:
    """Finds the query's words in a text: folded, accent-exact or by prefix, in one regex pass."""

    def __init__(self, parsed: ParsedQuery) -> None:
        self.folded = parsed.highlight_folded
        self.exact = parsed.highlight_exact
        self.prefixes = tuple(parsed.highlight_prefixes)
        alternatives = sorted(self.folded | {fold_word(w) for w in self.exact}, key=len)
        parts = [accent_insensitive_pattern(w) for w in reversed(alternatives)]
        parts += [
            accent_insensitive_pattern(p) + r"\w*"
            for p in sorted(self.prefixes, key=len, reverse=True)
        ]
        self.regex = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)") if parts else None

    def _spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each matching word, in order."""
        if self.regex is None:
            return
        for m in self.regex.finditer(text):
            word = m.group()
            folded = fold_word(word)
            if (
                folded in self.folded
                or (self.prefixes and folded.startswith(self.prefixes))
                or (self.exact and exact_word(word) in self.exact)
            ):
                yield m.span()

    def find(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each matching word in an NFC text."""
        return list(self._spans(text))

    def matches(self, text: str) -> bool:
        """True when an NFC text holds at least one of the query's words."""
        return next(self._spans(text), None) is not None


def _window(text: str, matcher: _Matcher, size: int) -> list[tuple[str, bool]]:
    """The densest ~`size`-word stretch of `text` around its matches, as (text, matched) parts."""
    found = matcher.find(text)
    if not found:
        return []
    width = size * SNIPPET_CHARS_PER_WORD
    best_i, best_count, j = 0, 0, 0
    for i in range(len(found)):
        j = max(j, i)
        while j + 1 < len(found) and found[j + 1][1] - found[i][0] <= width:
            j += 1
        if j - i + 1 > best_count:
            best_i, best_count = i, j - i + 1
    region_start = max(0, found[best_i][0] - SNIPPET_LEAD * SNIPPET_CHARS_PER_WORD)
    region_end = min(len(text), region_start + width + SNIPPET_LEAD * SNIPPET_CHARS_PER_WORD)
    spans = [
        (m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text, region_start, region_end)
    ]
    if spans and region_start > 0 and text[region_start - 1].isalnum():
        spans = spans[1:]  # a cut word
    if spans and region_end < len(text) and text[region_end].isalnum():
        spans = spans[:-1]
    spans = spans[:size] if spans else spans
    if not spans:
        return []
    hits = set(found)
    flags = [(s, e) in hits for _, s, e in spans]
    cut_after = bool(text[spans[-1][2] :].strip(" \n.,;:!?…)\"'"))
    return _parts(text, spans, flags, spans[0][1] > 0, cut_after)


def _parts(
    text: str,
    spans: list[tuple[str, int, int]],
    flags: list[bool],
    cut_before: bool,
    cut_after: bool,
) -> list[tuple[str, bool]]:
    """Snippet parts: each matched word alone, the text between them as one part (spaces folded)."""
    parts: list[tuple[str, bool]] = [("… ", False)] if cut_before else []
    cursor = spans[0][1]
    for (_, s, e), flag in zip(spans, flags, strict=True):
        if flag:
            if s > cursor:
                parts.append((_WHITESPACE.sub(" ", text[cursor:s]), False))
            parts.append((text[s:e], True))
            cursor = e
    end = spans[-1][2]
    if end > cursor:
        parts.append((_WHITESPACE.sub(" ", text[cursor:end]), False))
    if cut_after:
        parts.append((" …", False))
    else:
        tail = _WHITESPACE.sub(" ", text[end:]).rstrip()
        if tail:
            parts.append((tail, False))
    return parts


def _lead(text: str, size: int) -> list[tuple[str, bool]]:
    spans = list(islice(iter_word_spans(text), size + 1))
    if not spans:
        return []
    return _parts(text, spans[:size], [False] * min(size, len(spans)), False, len(spans) > size)


def snippet_for(
    record: dict[str, Any], parsed: ParsedQuery
) -> tuple[list[str], list[tuple[str, bool]]]:
    """Where the query matched in a record, and a snippet of the best place."""
    is_match = parsed.cache.get("matcher")
    if is_match is None:
        is_match = parsed.cache["matcher"] = _Matcher(parsed)
    matched_in: list[str] = []
    wanted = {normalize_doc_number(n) for n in parsed.doc_numbers}
    if wanted and record.get("doc_number") and normalize_doc_number(record["doc_number"]) in wanted:
        matched_in.append("number")
    refs = {normalize_doc_number(str(r)) for r in record.get("doc_refs") or [] if r}
    if wanted & refs:
        matched_in.append("refs")
    body = "\n\n".join(t for t in (record.get("summary"), record.get("body")) if t)
    sources = [
        ("title", record.get("title") or ""),
        ("body", body),
        ("attachment", attachments_text(record)),
        ("author", " ".join(str(v) for v in (record.get("author"), record.get("signer")) if v)),
    ]
    # A field-scoped clause (`attachment:`, `title:`, `author:`) matched in that field: it
    # comes first, gives the snippet, and when every clause is scoped, only those fields count.
    scoped = [s for s in dict.fromkeys(parsed.scopes) if s]
    if scoped:
        first = [src for name in scoped for src in sources if src[0] == name]
        rest = [] if all(parsed.scopes) else [src for src in sources if src[0] not in scoped]
        sources = first + rest
    snippet: list[tuple[str, bool]] = []
    title_text = ""
    for name, raw in sources:
        text = nfc(raw)
        if not text:
            continue
        if snippet or not (name in ("body", "attachment") or name in scoped):
            # Only whether it matches: the snippet comes from elsewhere (or is already cut).
            if is_match.matches(text):
                matched_in.append(name)
                if name == "title":
                    title_text = text
            continue
        parts = _window(text, is_match, SNIPPET_WORDS)
        if parts:
            matched_in.append(name)
            snippet = parts
    if not snippet:
        snippet = _lead(nfc(body), SNIPPET_WORDS)
        if not snippet and title_text:
            snippet = _window(title_text, is_match, SNIPPET_WORDS)
    return matched_in, snippet


def iter_docnums(
    searcher: Searcher, parsed: ParsedQuery, filters: list[wq.Query], sort: str = "relevance"
) -> list[tuple[float, int]]:
    """Every (score, docnum) matching the query and filters, in order (docnums only: small)."""
    sets = DocSets(searcher)
    docs = sets.evaluate(full_query(parsed, filters))
    return ranked_docnums(searcher, sets, parsed.query, docs, sort, None)
