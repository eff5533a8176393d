"""Exact sets of matching document numbers, fast: totals, facets and date sorting without scoring.

Whoosh counts and groups hits by walking a scoring matcher one posting at a time; for a common
word over 100k documents that costs more than the search. Here a query's boolean skeleton is
evaluated as Python set algebra over posting blocks read whole.
"""

from __future__ import annotations

import heapq
import logging
from array import array
from collections.abc import Iterable, Iterator

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import NullMatcherClass
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

logger = logging.getLogger(__name__)


def _leaf_ids(matcher: W3LeafMatcher, offset: int = 0) -> list[int]:
    """Every id (+ `offset`) of an on-disk posting list, block by block (deltas summed by numpy)."""
    parts: list[np.ndarray] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids = np.cumsum(np.array(matcher._data[0], dtype=np.int64))  # stored delta-encoded
        parts.append(ids[matcher._i :])
        matcher._next_block()
    if not parts:
        return []
    ids = np.concatenate(parts)
    return (ids + offset if offset else ids).tolist()


def _block_arrays(matcher: W3LeafMatcher) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(docnums, weights) of each block of an on-disk posting list, decoded with numpy."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        ids = np.cumsum(np.array(deltas, dtype=np.int64))  # ids are stored delta-encoded
        start = matcher._i
        if weights is None:
            tf = np.ones(len(ids))
        elif isinstance(weights, float):
            tf = np.full(len(ids), weights)
        else:
            tf = np.array(weights, dtype=np.float64)
        yield ids[start:], tf[start:]
        matcher._next_block()


def term_postings(searcher: Searcher, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Global docnums (deleted ones included) and weights of a term, decoded once per searcher."""
    cache = searcher.__dict__.setdefault("_govarchive_postings", {})
    found = cache.get((field, text))
    if found is not None:
        return found
    id_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        matcher = reader.postings(field, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions are the caller's business
        if not isinstance(matcher, W3LeafMatcher):
            ids = np.array(list(matcher.all_ids()), dtype=np.int64)
            id_parts.append(ids + offset)
            tf_parts.append(np.ones(len(ids)))
            continue
        for ids, tf in _block_arrays(matcher):
            id_parts.append(ids + offset if offset else ids)
            tf_parts.append(tf)
    if id_parts:
        found = (np.concatenate(id_parts), np.concatenate(tf_parts))
    else:
        found = (np.zeros(0, dtype=np.int64), np.zeros(0))
    cache[(field, text)] = found
    return found


def _matcher_ids(matcher, offset: int = 0) -> set[int] | None:
    """Ids (+ `offset`) of a leaf matcher minus deletions, or None when it is not a plain leaf."""
    if isinstance(matcher, NullMatcherClass):
        return set()
    if isinstance(matcher, FilterMatcher) and isinstance(matcher.child, W3LeafMatcher):
        ids = set(_leaf_ids(matcher.child))
        ids = ids - matcher._ids if matcher._exclude else ids & matcher._ids
        return {offset + i for i in ids} if offset else ids
    if isinstance(matcher, W3LeafMatcher):
        return set(_leaf_ids(matcher, offset))
    return None


# Segments never change once written, so their columns can be cached by segment id.
_SEGMENT_CACHE: dict[tuple[str, str], bytes | array] = {}
_SEGMENT_CACHE_LIMIT = 512
SCORED_FIELDS: tuple[str, ...] = (
    "author",
    "attachments",
    "text",
    "text_exact",
    "text_bi",
    "title",
    "title_exact",
    "title_bi",
)


def _cache_put(key: tuple[str, str], value: bytes | array) -> None:
    if len(_SEGMENT_CACHE) >= _SEGMENT_CACHE_LIMIT:
        _SEGMENT_CACHE.clear()
    _SEGMENT_CACHE[key] = value


def _segment_key(segreader) -> str:
    return segreader.segment().segment_id()


def preload_field_lengths(searcher: Searcher, fields: Iterable[str] = SCORED_FIELDS) -> None:
    """Hold each segment's field lengths in memory: BM25 reads one per scored posting, and
    without this every read is a seek and a read on the segment file."""
    for sub, _ in searcher.leaf_searchers():
        segreader = sub.reader()
        perdoc = getattr(segreader, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_readers"):
            continue
        doccount = segreader.doc_count_all()
        for field in fields:
            lenfield = _lenfield(field)
            key = (_segment_key(segreader), lenfield)
            cached = _SEGMENT_CACHE.get(key)
            if cached is None:
                reader = perdoc._cached_reader(lenfield, LENGTHS_COLUMN)
                if reader is None:
                    continue
                raw = reader._dbfile.get(reader._basepos, reader._count)
                cached = bytes(raw) + bytes(max(0, doccount - len(raw)))
                _cache_put(key, cached)
            perdoc._readers[lenfield] = cached


def preload_columns(searcher: Searcher) -> None:
    """Open each segment's stored-record column and read its `published` column now."""
    for sub, _ in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            if perdoc._cached_reader("_stored", STORED_COLUMN) is None and perdoc.doc_count_all():
                raise FileNotFoundError("a segment's stored records are gone (merged away)")
    if searcher.doc_count_all():
        _published_keys(searcher)


def global_field_lengths(searcher: Searcher, field: str) -> bytes:
    """One length byte per global docnum for a scored field (see `byte_to_length`)."""
    lenfield = _lenfield(field)
    parts: list[bytes] = []
    total = 0
    for sub, offset in searcher.leaf_searchers():
        segreader = sub.reader()
        doccount = segreader.doc_count_all()
        if total < offset:
            parts.append(bytes(offset - total))
            total = offset
        key = (_segment_key(segreader), lenfield)
        cached = _SEGMENT_CACHE.get(key)
        if cached is None:
            perdoc = getattr(segreader, "_perdoc", None)
            reader = perdoc._cached_reader(lenfield, LENGTHS_COLUMN) if perdoc else None
            if reader is None or isinstance(reader, bytes):
                cached = reader if isinstance(reader, bytes) else bytes(doccount)
            else:
                raw = reader._dbfile.get(reader._basepos, reader._count)
                cached = bytes(raw) + bytes(max(0, doccount - len(raw)))
            _cache_put(key, cached)
        parts.append(bytes(cached))
        total += doccount
    return b"".join(parts)


def _published_keys(searcher: Searcher) -> array:
    """The raw `published` column of every document, as one array indexed by global docnum."""
    keys = array("Q")
    for sub, offset in searcher.leaf_searchers():
        segreader = sub.reader()
        doccount = segreader.doc_count_all()
        key = (_segment_key(segreader), "published")
        cached = _SEGMENT_CACHE.get(key)
        if cached is None:
            cached = array("Q", bytes(8 * doccount))
            if segreader.has_column("published"):
                reader = segreader.column_reader("published", translate=False)
                count = min(reader._count, doccount)
                raw = reader._dbfile.get(reader._basepos, 8 * count)
                loaded = array(reader._typecode)
                loaded.frombytes(bytes(raw))
                loaded.byteswap()  # stored big-endian
                cached[:count] = array("Q", loaded)
            _cache_put(key, cached)
        if len(keys) < offset:
            keys.extend(bytes(8 * (offset - len(keys))))
        keys.extend(cached)
    return keys


class DocSets:
    """Evaluate queries to sets of global document numbers over one searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._cache: dict[str, set[int]] = {}
        self._published: array | None = None
        self._deleted_docs: set[int] | None = None

    def term(self, fieldname: str, text: str) -> set[int]:
        """Documents containing one term."""
        key = f"{fieldname}\x00{text}"
        if key in self._cache:
            return self._cache[key]
        # The same decoded postings then serve the ranking (term_postings caches them).
        found = set(term_postings(self.searcher, fieldname, text)[0].tolist())
        deleted = self._deleted()
        if deleted:
            found -= deleted
        self._cache[key] = found
        return found

    def _deleted(self) -> set[int]:
        """Global docnums of deleted documents."""
        if self._deleted_docs is None:
            self._deleted_docs = set()
            for sub, offset in self.searcher.leaf_searchers():
                reader = sub.reader()
                if reader.has_deletions():
                    self._deleted_docs.update(offset + d for d in reader._perdoc.deleted_docs())
        return self._deleted_docs

    def all_docs(self) -> set[int]:
        """Every live document."""
        return set(self.searcher.reader().all_doc_ids())

    def evaluate(self, q: wq.Query) -> set[int]:
        """The exact set of documents matching `q` (scores and boosts ignored)."""
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.AndMaybe):
            return self.evaluate(q.a)
        if isinstance(q, wq.AndNot):
            return self.evaluate(q.a) - self.evaluate(q.b)
        if isinstance(q, wq.DateRange) and q.fieldname == "published":
            return self.in_date_range(self.all_docs(), q)
        if isinstance(q, wq.And):
            ranges = [s for s in q.subqueries if isinstance(s, wq.DateRange)]
            others = [s for s in q.subqueries if not isinstance(s, wq.DateRange)]
            # smallest first: intersection cost is the smaller set
            parts = sorted((self.evaluate(s) for s in others), key=len)
            result = set(parts[0]) if parts else self.all_docs()
            for part in parts[1:]:
                result &= part
                if not result:
                    break
            for date_range in ranges:
                result = self.in_date_range(result, date_range)
            return result
        if isinstance(q, wq.Or):
            result: set[int] = set()
            for s in q.subqueries:
                result |= self.evaluate(s)
            return result
        if isinstance(q, wq.Every):
            return self.all_docs()
        if isinstance(q, wq.NullQuery.__class__):
            return set()
        return set(self.searcher.docs_for_query(q))

    def in_date_range(self, docs: set[int], date_range: wq.DateRange) -> set[int]:
        """The documents of `docs` published within a DateRange (undated ones never are)."""
        if date_range.fieldname != "published":
            return docs & set(self.searcher.docs_for_query(date_range))
        if self._published is None:
            self._published = _published_keys(self.searcher)
        keys = self._published
        low = datetime_to_long(date_range.startdate) if date_range.startdate else 1
        high = datetime_to_long(date_range.enddate) if date_range.enddate else 2**64 - 1
        return {d for d in docs if low <= keys[d] <= high}

    def facet_counts(self, docs: set[int], fieldname: str) -> dict[str, int]:
        """How many of `docs` carry each term of a keyword field (missing values as "unknown")."""
        counts: dict[str, int] = {}
        covered = 0
        reader = self.searcher.reader()
        for raw in reader.lexicon(fieldname):
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            n = len(docs & self.term(fieldname, text))
            if n:
                counts[text] = n
                covered += n
        if covered < len(docs):
            counts["unknown"] = len(docs) - covered
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def by_date(self, docs: Iterable[int], *, newest: bool, limit: int | None) -> list[int]:
        """Docnums ordered by `published` (undated last either way), first `limit` of them."""
        if self._published is None:
            self._published = _published_keys(self.searcher)
        keys = self._published
        undated = self.term("undated", "1")
        dated = [d for d in docs if d not in undated]
        missing = sorted(d for d in docs if d in undated)
        key = keys.__getitem__
        if limit is None:
            ordered = sorted(dated, key=lambda d: (key(d), -d if newest else d), reverse=newest)
        elif newest:
            ordered = heapq.nlargest(limit, dated, key=lambda d: (key(d), -d))
        else:
            ordered = heapq.nsmallest(limit, dated, key=lambda d: (key(d), d))
        ordered.extend(missing)
        return ordered if limit is None else ordered[:limit]
