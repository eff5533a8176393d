"""Exact sets of matching document numbers, fast: totals, facets and date sorting without scoring.

Whoosh counts and groups hits by walking a scoring matcher one posting at a time; for a common
word over 100k documents that costs more than the search. Here a query's boolean skeleton is
evaluated as boolean masks (one byte per document) over posting lists decoded whole with numpy.
Segments never change once written, so what is decoded from one (postings, facet values, dates)
is kept by segment id and serves every later searcher, until the segment is merged away.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from itertools import chain
from pickle import loads
from typing import Any

import numpy as np
from whoosh import formats
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import NullMatcherClass
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

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
UNKNOWN = "unknown"
SEARCHER_MEMO = 64
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_TF = np.zeros(0)


class SegmentCache:
    """A byte-bounded LRU of values decoded from immutable segments, shared by all searchers."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.used = 0
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        """The value kept for `key`, or None."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        """Keep `value` (about `size` bytes), evicting the least recently used beyond the budget."""
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.used -= dropped

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self.used = 0


def _budget_from_env() -> int:
    try:
        return int(float(os.environ.get("GOVARCHIVE_SEGMENT_CACHE_MB", "256")) * 1e6)
    except ValueError:
        return 256_000_000


SEGMENT_CACHE = SegmentCache(_budget_from_env())


def _segment_key(segreader: Any) -> str:
    return segreader.segment().segment_id()


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value) + 64
    if isinstance(value, array):
        return len(value) * value.itemsize
    if isinstance(value, bytes | bytearray):
        return len(value) + 40  # with the object's header: posting values are small
    return 64


def _cached(key: tuple[Any, ...], make: Any) -> Any:
    value = SEGMENT_CACHE.get(key)
    if value is None:
        value = make()
        SEGMENT_CACHE.put(key, value, _nbytes(value))
    return value


def _leaf(segreader: Any, field: str, text: str) -> Any:
    """A term's on-disk posting matcher in one segment, deletions not applied; None if absent."""
    if (field, text) not in segreader:
        return None
    matcher = segreader.postings(field, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions are the caller's business
    return None if isinstance(matcher, NullMatcherClass) else matcher


def _blocks(matcher: W3LeafMatcher) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Each block's decoded data (deltas, weights, values) and the matcher's start in it."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        yield matcher._data, matcher._i
        matcher._next_block()


def _block_arrays(matcher: W3LeafMatcher) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(docnums, weights) of each block of an on-disk posting list, decoded with numpy."""
    for (deltas, weights, *_), start in _blocks(matcher):
        ids = np.cumsum(np.array(deltas, dtype=np.int64))  # ids are stored delta-encoded
        if weights is None:
            tf = np.ones(len(ids))
        elif isinstance(weights, float):
            tf = np.full(len(ids), weights)
        else:
            tf = np.array(weights, dtype=np.float64)
        yield ids[start:], tf[start:]


def segment_postings(segreader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Segment-local docnums (deleted ones included) and weights of a term, decoded once."""

    def decode() -> tuple[np.ndarray, np.ndarray]:
        matcher = _leaf(segreader, field, text)
        if matcher is None:
            return _EMPTY_IDS, _EMPTY_TF
        if not isinstance(matcher, W3LeafMatcher):
            ids = np.array(list(matcher.all_ids()), dtype=np.int64)
            return ids, np.ones(len(ids))
        parts = list(_block_arrays(matcher))
        if not parts:
            return _EMPTY_IDS, _EMPTY_TF
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    return _cached((_segment_key(segreader), "postings", field, text), decode)


def segment_values(segreader: Any, field: str, text: str) -> tuple[bytes, ...]:
    """A term's raw posting values in one segment (positions), aligned with its docnums."""

    def decode() -> tuple[bytes, ...]:
        matcher = _leaf(segreader, field, text)
        if not isinstance(matcher, W3LeafMatcher):
            return ()
        return tuple(chain.from_iterable(data[2][start:] for data, start in _blocks(matcher)))

    return _cached((_segment_key(segreader), "values", field, text), decode)


def term_values(searcher: Searcher, field: str, text: str) -> list[bytes]:
    """A term's raw posting values over the searcher, aligned with `term_postings`' docnums."""
    values: list[bytes] = []
    for sub, _ in searcher.leaf_searchers():
        values.extend(segment_values(sub.reader(), field, text))
    return values


def term_postings(searcher: Searcher, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Global docnums (deleted ones included) and weights of a term."""
    # A search asks for a term twice (to select, then to rank); a pooled searcher lives long,
    # so this per-searcher memo is kept small.
    cache = searcher.__dict__.setdefault("_govarchive_postings", {})
    found = cache.get((field, text))
    if found is not None:
        return found
    if len(cache) >= SEARCHER_MEMO:
        cache.clear()
    id_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    for sub, offset in searcher.leaf_searchers():
        ids, tf = segment_postings(sub.reader(), field, text)
        if len(ids):
            id_parts.append(ids + offset if offset else ids)
            tf_parts.append(tf)
    if not id_parts:
        found = (_EMPTY_IDS, _EMPTY_TF)
    elif len(id_parts) == 1:
        found = (id_parts[0], tf_parts[0])
    else:
        found = (np.concatenate(id_parts), np.concatenate(tf_parts))
    cache[(field, text)] = found
    return found


def _raw_length_column(segreader: Any, lenfield: str) -> bytes:
    doccount = segreader.doc_count_all()
    perdoc = getattr(segreader, "_perdoc", None)
    reader = perdoc._cached_reader(lenfield, LENGTHS_COLUMN) if perdoc else None
    if reader is None or isinstance(reader, bytes):
        return reader if isinstance(reader, bytes) else bytes(doccount)
    raw = reader._dbfile.get(reader._basepos, reader._count)
    return bytes(raw) + bytes(max(0, doccount - len(raw)))


def _segment_lengths(segreader: Any, lenfield: str) -> bytes:
    """A segment's length column of a scored field, read once."""
    return _cached(
        (_segment_key(segreader), "lengths", lenfield),
        lambda: _raw_length_column(segreader, lenfield),
    )


def preload_field_lengths(searcher: Searcher, fields: Iterable[str] = SCORED_FIELDS) -> None:
    """Hold each segment's field lengths in memory: BM25 reads one per scored posting, and
    without this every read is a seek and a read on the segment file."""
    for sub, _ in searcher.leaf_searchers():
        segreader = sub.reader()
        perdoc = getattr(segreader, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_readers"):
            continue
        for field in fields:
            lenfield = _lenfield(field)
            if perdoc._cached_reader(lenfield, LENGTHS_COLUMN) is None:
                continue
            perdoc._readers[lenfield] = _segment_lengths(segreader, lenfield)


def preload_columns(searcher: Searcher) -> None:
    """Open each segment's stored-record column and read its `published` column now."""
    for sub, _ in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            if perdoc._cached_reader("_stored", STORED_COLUMN) is None and perdoc.doc_count_all():
                raise FileNotFoundError("a segment's stored records are gone (merged away)")
    if searcher.doc_count_all():
        published_keys(searcher)


def global_field_lengths(searcher: Searcher, field: str) -> np.ndarray:
    """One length byte per global docnum for a scored field (see `byte_to_length`)."""
    cache = searcher.__dict__.setdefault("_govarchive_lengths", {})
    found = cache.get(field)
    if found is not None:
        return found
    lenfield = _lenfield(field)
    parts: list[np.ndarray] = []
    for sub, _ in searcher.leaf_searchers():
        segreader = sub.reader()
        raw = _segment_lengths(segreader, lenfield)
        parts.append(np.frombuffer(raw, dtype=np.uint8, count=segreader.doc_count_all()))
    found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
    cache[field] = found
    return found


def _segment_published(segreader: Any) -> np.ndarray:
    doccount = segreader.doc_count_all()
    keys = np.zeros(doccount, dtype=np.uint64)
    if segreader.has_column("published"):
        reader = segreader.column_reader("published", translate=False)
        count = min(reader._count, doccount)
        raw = reader._dbfile.get(reader._basepos, 8 * count)
        keys[:count] = np.frombuffer(bytes(raw), dtype=">u8", count=count)  # big-endian
    return keys


def published_keys(searcher: Searcher) -> np.ndarray:
    """The raw `published` column of every document, indexed by global docnum."""
    cache = searcher.__dict__
    found = cache.get("_govarchive_published")
    if found is None:
        parts = []
        for sub, _ in searcher.leaf_searchers():
            segreader = sub.reader()
            parts.append(
                _cached(
                    (_segment_key(segreader), "published"),
                    lambda s=segreader: _segment_published(s),
                )
            )
        found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        cache["_govarchive_published"] = found
    return found


def _segment_facet(segreader: Any, field: str) -> tuple[tuple[str, ...], np.ndarray]:
    """A segment's values of a one-value keyword field: (vocabulary, code per doc; 0 = none)."""
    codes = np.zeros(segreader.doc_count_all(), dtype=np.int32)
    vocab: list[str] = []
    if field in segreader.schema:
        for raw in segreader.lexicon(field):
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            ids, _ = segment_postings(segreader, field, text)
            vocab.append(text)
            codes[ids] = len(vocab)
    return tuple(vocab), codes


def facet_codes(searcher: Searcher, field: str) -> tuple[list[str], np.ndarray]:
    """Values of a one-value keyword field over the searcher: (vocabulary, code per global
    docnum, 0 for none), built from the segments' cached codes once per searcher."""
    memo = searcher.__dict__.setdefault("_govarchive_facets", {})
    found = memo.get(field)
    if found is not None:
        return found
    vocab: list[str] = []
    where: dict[str, int] = {}
    parts: list[np.ndarray] = []
    for sub, _ in searcher.leaf_searchers():
        segreader = sub.reader()
        local_vocab, local_codes = _cached(
            (_segment_key(segreader), "facet", field),
            lambda s=segreader: _segment_facet(s, field),
        )
        mapping = np.zeros(len(local_vocab) + 1, dtype=np.int32)
        for i, value in enumerate(local_vocab, start=1):
            if value not in where:
                vocab.append(value)
                where[value] = len(vocab)
            mapping[i] = where[value]
        parts.append(mapping[local_codes])
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    memo[field] = found = (vocab, codes)
    return found


def _phrase_keys(values: list[bytes], fmt: Any, shift: int) -> np.ndarray:
    """Keys `index << 32 | (position - shift)` of the positions in `values`, ascending (each
    value's positions ascend, the values come in index order)."""
    if type(fmt) is formats.Positions:
        # Whoosh's encoding: a 4-byte count, then the pickled list of position deltas.
        deltas = [loads(v[4:] if v.endswith(b".") else v[4:] + b".") for v in values]
    else:
        deltas = [list(np.diff(fmt.decode_positions(v), prepend=0)) for v in values]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
    positions = np.cumsum(flat)
    starts = np.cumsum(counts) - counts
    nonempty = counts > 0
    # cumulative sums restart at each value: subtract what the earlier values added
    before = np.zeros(len(counts), dtype=np.int64)
    before[nonempty] = np.concatenate(([0], positions))[starts[nonempty]]
    positions -= np.repeat(before, counts)
    index = np.repeat(np.arange(len(values), dtype=np.int64), counts)
    positions -= shift
    valid = positions >= 0
    return (index[valid] << 32) | positions[valid]


class DocSets:
    """Evaluate queries to boolean masks over one searcher's global document numbers."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.size = searcher.reader().doc_count_all()
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._live: np.ndarray | None = None
        self._positions: tuple[np.ndarray, np.ndarray] | None = None

    def empty(self) -> np.ndarray:
        """A mask with no document."""
        return np.zeros(self.size, dtype=bool)

    def live(self) -> np.ndarray:
        """Every document not deleted (do not modify)."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for sub, offset in self.searcher.leaf_searchers():
                reader = sub.reader()
                if reader.has_deletions():
                    deleted = np.fromiter(reader._perdoc.deleted_docs(), dtype=np.int64)
                    live[deleted + offset] = False
            self._live = live
        return self._live

    def term(self, fieldname: str, text: str) -> np.ndarray:
        """Documents containing one term (do not modify)."""
        key = (fieldname, text)
        found = self._cache.get(key)
        if found is None:
            found = self.empty()
            found[term_postings(self.searcher, fieldname, text)[0]] = True
            found &= self.live()
            self._cache[key] = found
        return found

    def from_docnums(self, docnums: Iterable[int]) -> np.ndarray:
        """A mask of the given global docnums."""
        mask = self.empty()
        ids = np.fromiter(docnums, dtype=np.int64)
        if len(ids):
            mask[ids] = True
        return mask

    def evaluate(self, q: wq.Query) -> np.ndarray:
        """The exact set of documents matching `q` as a fresh mask (scores and boosts ignored)."""
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text).copy()
        if isinstance(q, wq.AndMaybe):
            return self.evaluate(q.a)
        if isinstance(q, wq.AndNot):
            return self.evaluate(q.a) & ~self.evaluate(q.b)
        if isinstance(q, wq.DateRange) and q.fieldname == "published":
            return self.in_date_range(self.live().copy(), q)
        if isinstance(q, wq.And):
            ranges = [s for s in q.subqueries if isinstance(s, wq.DateRange)]
            others = [s for s in q.subqueries if not isinstance(s, wq.DateRange)]
            result = self.live().copy()
            # cheap parts first; stop as soon as nothing is left
            for part in sorted(others, key=lambda s: not isinstance(s, wq.Term)):
                result &= self.evaluate(part)
                if not result.any():
                    return result
            for date_range in ranges:
                result = self.in_date_range(result, date_range)
            return result
        if isinstance(q, wq.Or):
            result = self.empty()
            for s in q.subqueries:
                result |= self.evaluate(s)
            return result
        if isinstance(q, wq.Phrase):
            return self.phrase(q)
        if isinstance(q, wq.Every):
            return self.live().copy()
        if isinstance(q, wq.NullQuery.__class__):
            return self.empty()
        return self.from_docnums(self.searcher.docs_for_query(q))

    def phrase(self, q: wq.Phrase) -> np.ndarray:
        """Documents holding the phrase's words at consecutive positions.

        Every word's documents are intersected first; then only those candidates' positions
        are read, from posting values decoded once per segment.
        """
        field = self.searcher.schema[q.fieldname] if q.fieldname in self.searcher.schema else None
        words = list(q.words)
        if (
            field is None
            or q.slop != 1
            or not field.format.supports("positions")
            or not all(isinstance(w, str) for w in words)
        ):
            return self.from_docnums(self.searcher.docs_for_query(q))
        result = self.live().copy()
        for word in words:
            result &= self.term(q.fieldname, word)
        if len(words) < 2 or not result.any():
            return result
        candidates = np.flatnonzero(result)
        # Per word: (candidate index << 32 | position - the word's place in the phrase); a
        # candidate holds the phrase when one such key is common to every word.
        common: np.ndarray | None = None
        for shift, word in enumerate(words):
            ids = term_postings(self.searcher, q.fieldname, word)[0]
            values = term_values(self.searcher, q.fieldname, word)
            if len(values) != len(ids):  # not a plain on-disk list: let Whoosh decide
                return self.from_docnums(self.searcher.docs_for_query(q))
            where = np.searchsorted(ids, candidates).tolist()
            keys = _phrase_keys([values[w] for w in where], field.format, shift)
            common = keys if common is None else np.intersect1d(common, keys, assume_unique=True)
            if not len(common):
                break
        keep = np.zeros(len(candidates), dtype=bool)
        if common is not None and len(common):
            keep[common >> 32] = True
        result[candidates[~keep]] = False
        return result

    def in_date_range(self, docs: np.ndarray, date_range: wq.DateRange) -> np.ndarray:
        """The documents of `docs` published within a DateRange (undated ones never are)."""
        if date_range.fieldname != "published":
            return docs & self.from_docnums(self.searcher.docs_for_query(date_range))
        keys = published_keys(self.searcher)
        low = datetime_to_long(date_range.startdate) if date_range.startdate else 1
        high = datetime_to_long(date_range.enddate) if date_range.enddate else 2**64 - 1
        return docs & (keys >= np.uint64(low)) & (keys <= np.uint64(high))

    def facet_counts(self, docs: np.ndarray, fieldname: str) -> dict[str, int]:
        """How many of `docs` carry each value of a one-value keyword field (none: "unknown")."""
        vocab, codes = facet_codes(self.searcher, fieldname)
        if self._positions is None or self._positions[0] is not docs:
            self._positions = (docs, np.flatnonzero(docs))  # shared by the facets of one mask
        tally = np.bincount(codes[self._positions[1]], minlength=len(vocab) + 1)
        counts = {
            (vocab[code - 1] if code else UNKNOWN): int(tally[code])
            for code in np.flatnonzero(tally).tolist()
        }
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def by_date(self, docs: np.ndarray, *, newest: bool, limit: int | None) -> list[int]:
        """Docnums ordered by `published` (undated last either way), first `limit` of them."""
        keys = published_keys(self.searcher)
        undated = self.term("undated", "1")
        dated = np.flatnonzero(docs & ~undated)
        missing = np.flatnonzero(docs & undated)
        dated_keys = keys[dated]
        if limit is not None and limit < len(dated):
            # keep everything tied with the limit-th key, then order exactly
            kth = len(dated) - limit if newest else limit - 1
            threshold = np.partition(dated_keys, kth)[kth]
            keep = dated_keys >= threshold if newest else dated_keys <= threshold
            dated, dated_keys = dated[keep], dated_keys[keep]
        if newest:
            order = np.lexsort((dated, ~dated_keys))  # newest first, then docnum ascending
        else:
            order = np.lexsort((dated, dated_keys))
        ordered = dated[order].tolist() + missing.tolist()
        return ordered if limit is None else ordered[:limit]
